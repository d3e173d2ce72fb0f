//go:build !dev

package redisdb

import "github.com/groupbuy/groupbuy/internal/conf"

// startEmbeddedRedis refuses: the production build has no in-process Redis.
func startEmbeddedRedis() (string, func(), error) {
	return "", nil, conf.StandInError("data.redis.embedded (in-process Redis)")
}
