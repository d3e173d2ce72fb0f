package stock

import (
	"context"
	"fmt"
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
