package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	defaultRedis        = "127.0.0.1:6379"
	defaultRedisCluster = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
)

// RedisMode is a kind of Redis deployment the tests run against.
type RedisMode string

const (
	// SingleRedis is the server at GROUPBUY_TEST_REDIS.
	SingleRedis RedisMode = "single"
	// ClusterRedis is the Redis Cluster at GROUPBUY_TEST_REDIS_CLUSTER (`make services` starts
	// three masters on 127.0.0.1:7001-7003). On it every key of a script or transaction must
	// hash to one slot: a CROSSSLOT answer fails the test, even one the code under test
	// swallows.
	ClusterRedis RedisMode = "cluster"
)

// RedisModes are the deployments every test that uses Redis runs against.
var RedisModes = []RedisMode{SingleRedis, ClusterRedis}

// EachRedis runs fn as one subtest per mode ("single", "cluster"), each with a client and key
// prefix of its own (see RedisIn).
func EachRedis(t *testing.T, fn func(t *testing.T, client redis.UniversalClient, keyPrefix string)) {
	t.Helper()
	for _, mode := range RedisModes {
		t.Run(string(mode), func(t *testing.T) {
			client, prefix := RedisIn(t, mode)
			fn(t, client, prefix)
		})
	}
}

// Redis is RedisIn(tb, SingleRedis).
func Redis(tb testing.TB) (client redis.UniversalClient, keyPrefix string) {
	tb.Helper()
	return RedisIn(tb, SingleRedis)
}

// RedisIn connects to the Redis of mode and returns the client with a key prefix unique to this
// test, ending in ':'. Keys under the prefix are deleted and the client closed when the test
// ends.
//
// GROUPBUY_TEST_REDIS is host:port, or several comma-separated for a Redis Cluster (a single node
// that reports cluster mode is used as a cluster too); GROUPBUY_TEST_REDIS_CLUSTER names the nodes
// of the cluster.
//
// Isolation is by prefix, not by SELECT db: Redis Cluster has only db 0. The prefix holds no
// {hash tag}, so keys keep choosing their own slots as they do in production.
func RedisIn(tb testing.TB, mode RedisMode) (client redis.UniversalClient, keyPrefix string) {
	tb.Helper()
	addrs, env := RedisAddrs(mode)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	client, err := connectRedis(ctx, addrs)
	if err != nil {
		tb.Fatalf("testenv: Redis %s (%s) is not reachable: %v\n%s", strings.Join(addrs, ","), env, err, startHint)
	}
	if mode == ClusterRedis {
		if _, ok := client.(*redis.ClusterClient); !ok {
			_ = client.Close()
			tb.Fatalf("testenv: Redis %s (%s) is not a Redis Cluster\n%s", strings.Join(addrs, ","), env, startHint)
		}
	}
	hook := &crossSlotHook{}
	client.AddHook(hook)
	name := sanitize(tb.Name(), '_')
	keyPrefix = fmt.Sprintf("gbtest:%s:%s:", name[:min(len(name), 40)], randomHex(6))
	tb.Cleanup(func() {
		if err := hook.first(); err != "" {
			tb.Errorf("testenv: a command spanned hash slots: %s", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := deleteKeys(ctx, client, keyPrefix); err != nil {
			tb.Errorf("testenv: delete redis keys %s*: %v", keyPrefix, err)
		}
		_ = client.Close()
	})
	return client, keyPrefix
}

// RedisAddrs returns the addresses of mode's deployment and the variable that names them.
func RedisAddrs(mode RedisMode) (addrs []string, env string) {
	env, def := "GROUPBUY_TEST_REDIS", defaultRedis
	if mode == ClusterRedis {
		env, def = "GROUPBUY_TEST_REDIS_CLUSTER", defaultRedisCluster
	}
	list := os.Getenv(env)
	if list == "" {
		list = def
	}
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return addrs, env
}

// crossSlotHook remembers the first error of a command spanning hash slots. Code may turn a Redis
// error into a fallback (a cache miss, say); the test must fail all the same.
type crossSlotHook struct {
	mu  sync.Mutex
	err string
}

func (h *crossSlotHook) first() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *crossSlotHook) check(cmds ...redis.Cmder) {
	for _, c := range cmds {
		if err := c.Err(); err != nil && spansSlots(err) {
			h.mu.Lock()
			if h.err == "" {
				h.err = fmt.Sprintf("%v: %v", c.Args(), err)
			}
			h.mu.Unlock()
		}
	}
}

// spansSlots tells the errors of a command whose keys live in more than one slot: CROSSSLOT for
// the keys it declares, "non local key" for a key a script builds for itself.
func spansSlots(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "CROSSSLOT") || strings.Contains(msg, "non local key")
}

func (h *crossSlotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *crossSlotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(cmd)
		return err
	}
}

func (h *crossSlotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(cmds...)
		return err
	}
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
