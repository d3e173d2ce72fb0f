package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const defaultRedis = "127.0.0.1:6379"

// Redis connects to GROUPBUY_TEST_REDIS (host:port; several, comma-separated, for a Redis
// Cluster; a single node that reports cluster mode is used as a cluster too) and returns the
// client with a key prefix unique to this test, ending in ':'. Keys under the prefix are deleted
// and the client closed when the test ends.
//
// Isolation is by prefix, not by SELECT db: Redis Cluster has only db 0. The prefix holds no
// {hash tag}, so keys keep choosing their own slots as they do in production.
func Redis(tb testing.TB) (client redis.UniversalClient, keyPrefix string) {
	tb.Helper()
	addrs := redisAddrs()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	client, err := connectRedis(ctx, addrs)
	if err != nil {
		tb.Fatalf("testenv: Redis %s (GROUPBUY_TEST_REDIS) is not reachable: %v\n%s",
			strings.Join(addrs, ","), err, startHint)
	}
	name := sanitize(tb.Name(), '_')
	keyPrefix = fmt.Sprintf("gbtest:%s:%s:", name[:min(len(name), 40)], randomHex(6))
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := deleteKeys(ctx, client, keyPrefix); err != nil {
			tb.Errorf("testenv: delete redis keys %s*: %v", keyPrefix, err)
		}
		_ = client.Close()
	})
	return client, keyPrefix
}

func redisAddrs() []string {
	env := os.Getenv("GROUPBUY_TEST_REDIS")
	if env == "" {
		env = defaultRedis
	}
	var addrs []string
	for _, a := range strings.Split(env, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// connectRedis returns a cluster client for several addresses or a cluster node, else a plain one.
func connectRedis(ctx context.Context, addrs []string) (redis.UniversalClient, error) {
	opts := &redis.UniversalOptions{Addrs: addrs, DialTimeout: 5 * time.Second}
	client := redis.NewUniversalClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, err
	}
	if _, isCluster := client.(*redis.ClusterClient); isCluster {
		return client, nil
	}
	// INFO is only a probe: a server that refuses it is used as a single node.
	if info, err := client.Info(ctx, "cluster").Result(); err != nil || !strings.Contains(info, "cluster_enabled:1") {
		return client, nil
	}
	_ = client.Close()
	opts.IsClusterMode = true
	client = redis.NewUniversalClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, err
	}
	return client, nil
}

// deleteKeys removes every key under prefix, node by node on a cluster (SCAN sees one node).
func deleteKeys(ctx context.Context, client redis.UniversalClient, prefix string) error {
	switch c := client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return scanDelete(ctx, node, prefix)
		})
	case *redis.Ring:
		return c.ForEachShard(ctx, func(ctx context.Context, shard *redis.Client) error {
			return scanDelete(ctx, shard, prefix)
		})
	}
	return scanDelete(ctx, client, prefix)
}

// scanDelete walks one node with SCAN (KEYS would block the server) and unlinks the keys one by
// one in pipelines: one multi-key UNLINK would cross hash slots on a cluster.
func scanDelete(ctx context.Context, c redis.Cmdable, prefix string) error {
	const batch = 500
	pipe := c.Pipeline()
	iter := c.Scan(ctx, 0, prefix+"*", batch).Iterator()
	for iter.Next(ctx) {
		pipe.Unlink(ctx, iter.Val())
		if pipe.Len() >= batch {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if pipe.Len() > 0 {
		_, err := pipe.Exec(ctx)
		return err
	}
	return nil
}
