package stock

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// TryPause pauses the batch's sale unless it is paused already, and reports whether this call
// did: the pause doubles as the lock that lets one rebuilder at a time, across replicas, touch
// the batch's counters.
func (s *Store) TryPause(ctx context.Context, batchID int64, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.pausedKey(batchID), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("pause batch %d: %w", batchID, err)
	}
	return ok, nil
}

// LoadFresh sets the count of each item of quotas (item -> quota) that has no count yet and
// leaves the others as they are, so it can run any number of times, and beside a Rebuild, without
// pausing the sale. It is for a batch that has taken no order: its remaining count is its quota.
// The fields share one key, so one pipelined round trip sets them on a cluster too.
func (s *Store) LoadFresh(ctx context.Context, batchID int64, quotas map[int64]int64) error {
	if len(quotas) == 0 {
		return nil
	}
	key := s.stockKey(batchID)
	pipe := s.rdb.Pipeline()
	for item, n := range quotas {
		pipe.HSetNX(ctx, key, strconv.FormatInt(item, 10), n)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("load stock of batch %d: %w", batchID, err)
	}
	return nil
}
