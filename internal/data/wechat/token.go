package wechat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// renewBefore is how long before WeChat's expiry a cached token is dropped, so a call never
// starts with a token about to lapse (WeChat also keeps the old token valid 5 minutes after a
// renewal, which this margin stays inside).
const renewBefore = 5 * time.Minute

// tokenCache keeps the mini-program access token in Redis, shared by every replica.
type tokenCache struct {
	rdb   redis.UniversalClient
	key   string
	fetch func(ctx context.Context, force bool) (string, time.Duration, error)
}

// get returns the cached token, or fetches one. renew asks for a token other than the cached one
// (after WeChat rejected it).
func (c *tokenCache) get(ctx context.Context, renew bool) (string, error) {
	if !renew {
		tok, err := c.rdb.Get(ctx, c.key).Result()
		if err == nil {
			return tok, nil
		}
		if !errors.Is(err, redis.Nil) {
			return "", fmt.Errorf("read cached access token: %w", err)
		}
	}
	tok, ttl, err := c.fetch(ctx, false)
	if err != nil {
		return "", err
	}
	if renew {
		// stable_token answers with the token it still believes in; only then force a new one.
		if stale, _ := c.rdb.Get(ctx, c.key+":rejected").Result(); stale == tok {
			if tok, ttl, err = c.fetch(ctx, true); err != nil {
				return "", err
			}
		}
	}
	if ttl -= renewBefore; ttl > 0 {
		if err := c.rdb.Set(ctx, c.key, tok, ttl).Err(); err != nil {
			return "", fmt.Errorf("cache access token: %w", err)
		}
	}
	return tok, nil
}

// forget drops tok from the cache (if it is still the cached one) and remembers it was rejected.
func (c *tokenCache) forget(ctx context.Context, tok string) {
	c.rdb.Set(ctx, c.key+":rejected", tok, 2*time.Hour)
	if cur, err := c.rdb.Get(ctx, c.key).Result(); err == nil && cur == tok {
		c.rdb.Del(ctx, c.key)
	}
}
