package trackingstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// Quota counts each shopper's events in fixed windows, in Redis, so that every replica counts
// against the same limit.
type Quota struct {
	rdb    redis.UniversalClient
	prefix redisdb.KeyPrefix
}

// NewQuota counts in rdb under prefix.
func NewQuota(rdb redis.UniversalClient, prefix redisdb.KeyPrefix) *Quota {
	return &Quota{rdb: rdb, prefix: prefix}
}

// takeLua counts ARGV[1] events unless the window's count would pass ARGV[2]; the window
// (ARGV[3] ms) starts with its first count and is never extended. It answers {1, 0} when it
// counted them, {0, ms left in the window} when it did not. Checking and counting are one step,
// so concurrent requests of one shopper cannot all pass on the same count.
const takeLua = `
local n = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + n > tonumber(ARGV[2]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    left = tonumber(ARGV[3])
  end
  return {0, left}
end
redis.call('INCRBY', KEYS[1], n)
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, 0}
`

var takeScript = redis.NewScript(takeLua)

// key is the shopper's counter; the hash tag keeps it whole on one cluster slot.
func (q *Quota) key(userID int64) string {
	return q.prefix.Key("{events:"+strconv.FormatInt(userID, 10)+"}", "quota")
}

func (q *Quota) Take(ctx context.Context, userID int64, n, limit int, window time.Duration) (bool, time.Duration, error) {
	res, err := takeScript.Run(ctx, q.rdb, []string{q.key(userID)}, n, limit, window.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("count %d events of user %d: %w", n, userID, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("count %d events of user %d: script answered %v", n, userID, res)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}
