package redisdb

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// NewRedis connects to Redis, a Redis Cluster, or, for the embedded default, an in-process
// miniredis server (a development stand-in: only in binaries built with -tags dev). Keys that must share a slot on a cluster use {hash tags}; see redisdb.KeyPrefix.
func NewRedis(c *conf.Data) (redis.UniversalClient, func(), error) {
	rc := c.GetRedis()
	var stopEmbedded func()
	addrs := rc.GetAddrs()
	if rc.GetEmbedded() {
		addr, stop, err := startEmbeddedRedis()
		if err != nil {
			return nil, nil, err
		}
		addrs, stopEmbedded = []string{addr}, stop
	}
	if len(addrs) == 0 {
		return nil, nil, fmt.Errorf("redis: no address configured")
	}
	opts := &redis.UniversalOptions{
		Addrs:         addrs,
		Username:      rc.GetUsername(),
		Password:      rc.GetPassword(),
		DB:            int(rc.GetDb()),
		IsClusterMode: rc.GetCluster(),
		DialTimeout:   rc.GetDialTimeout().AsDuration(),
		ReadTimeout:   rc.GetReadTimeout().AsDuration(),
		WriteTimeout:  rc.GetWriteTimeout().AsDuration(),
	}
	rdb := redis.NewUniversalClient(opts)
	cleanup := func() {
		_ = rdb.Close()
		if stopEmbedded != nil {
			stopEmbedded()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.DialTimeout)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("connect to redis %v: %w", addrs, err)
	}
	return rdb, cleanup, nil
}

// KeyPrefix is prepended to every Redis key, so several deployments (or test packages) can share
// one Redis. It holds no hash tag: each key adds its own to pick its slot.
type KeyPrefix string

// NewKeyPrefix reads the prefix from configuration.
func NewKeyPrefix(c *conf.Data) KeyPrefix { return KeyPrefix(c.GetRedis().GetKeyPrefix()) }

// Key joins the prefix and the key's own parts with ':'.
func (p KeyPrefix) Key(parts ...string) string {
	k := string(p)
	for i, part := range parts {
		if i > 0 || k != "" {
			k += ":"
		}
		k += part
	}
	return k
}
