package identitystore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

var cfg = identity.Config{AccessTTL: time.Hour}

// replica is one process's access marks on rdb under prefix, stopped when the test ends.
func replica(t *testing.T, rdb redis.UniversalClient, prefix string) identity.AccessMarks {
	t.Helper()
	m, stop := identitystore.NewAccessMarks(rdb, redisdb.KeyPrefix(prefix), cfg, log.DefaultLogger)
	t.Cleanup(stop)
	return m
}

// eventually waits up to five seconds for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 5*time.Second, ok)
}

func user(id int64, session string) identity.Principal {
	return identity.Principal{Kind: identity.SubjectUser, ID: id, Roles: []identity.Role{identity.RoleShopper,
		identity.RoleLeader}, Session: session}
}

// A replica answers for subjects without marks from its list, and a mark made on another
// replica reaches it: revoked sessions and narrowed roles apply there at once, on a single
// Redis, on a Redis Cluster (where the announcement crosses nodes) and on the in-process
// stand-in of the embedded default.
func TestAccessMarksReachEveryReplica(t *testing.T) {
	connect := map[string]func(t *testing.T) (redis.UniversalClient, string){
		"single":  func(t *testing.T) (redis.UniversalClient, string) { return testenv.RedisIn(t, testenv.SingleRedis) },
		"cluster": func(t *testing.T) (redis.UniversalClient, string) { return testenv.RedisIn(t, testenv.ClusterRedis) },
		"embedded": func(t *testing.T) (redis.UniversalClient, string) {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = rdb.Close() })
			return rdb, "embedded"
		},
	}
	for name, open := range connect {
		t.Run(name, func(t *testing.T) {
			rdb, prefix := open(t)
			a, b := replica(t, rdb, prefix), replica(t, rdb, prefix)
			eventually(t, "replica b follows the marks", func() bool { return identitystore.Live(b) })
			if !identitystore.Unmarked(b, identity.SubjectUser, 1) {
				t.Fatal("a subject without marks needs a read")
			}
			ctx := t.Context()
			if err := a.RevokeSession(ctx, identity.SubjectUser, 1, "fam"); err != nil {
				t.Fatal(err)
			}
			if err := a.LimitRoles(ctx, identity.SubjectUser, 2, []identity.Role{identity.RoleShopper}); err != nil {
				t.Fatal(err)
			}
			if identitystore.Unmarked(a, identity.SubjectUser, 1) {
				t.Error("the replica that made the mark skips it")
			}
			eventually(t, "b hears of the marks", func() bool {
				return !identitystore.Unmarked(b, identity.SubjectUser, 1) && !identitystore.Unmarked(b, identity.SubjectUser, 2)
			})
			if _, err := b.Apply(ctx, user(1, "fam")); !errors.Is(err, identity.ErrSessionRevoked) {
				t.Errorf("revoked on a, applied on b: %v", err)
			}
			if _, err := b.Apply(ctx, user(1, "other")); err != nil {
				t.Errorf("another session of the subject: %v", err)
			}
			if p, err := b.Apply(ctx, user(2, "fam")); err != nil || p.Has(identity.RoleLeader) {
				t.Errorf("roles narrowed on a, applied on b: %v, %v", p.Roles, err)
			}
			if !identitystore.Unmarked(b, identity.SubjectUser, 3) {
				t.Error("a subject without marks needs a read after others were marked")
			}
		})
	}
}

// A replica that starts after marks were made, or whose subscription dropped while marks were
// made, knows them from the index before it answers from its list again; while it does not
// follow the channel, it reads every subject's marks. Not parallel: it drops the subscriptions
// of every replica on the Redis.
func TestAccessMarksSurviveALostSubscription(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := t.Context()
	a := replica(t, rdb, prefix)
	if err := a.RevokeSession(ctx, identity.SubjectUser, 10, "fam"); err != nil {
		t.Fatal(err)
	}
	b := replica(t, rdb, prefix)
	eventually(t, "b follows the marks", func() bool { return identitystore.Live(b) })
	if identitystore.Unmarked(b, identity.SubjectUser, 10) {
		t.Fatal("a mark made before the replica started is not on its list")
	}

	// Drop every subscriber's connection, and mark while they come back.
	killed, err := rdb.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Int()
	if err != nil || killed < 2 {
		t.Fatalf("kill the subscriptions: %d, %v", killed, err)
	}
	if err := a.RevokeSession(ctx, identity.SubjectUser, 11, "fam"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b notices the lost subscription", func() bool { return !identitystore.Live(b) })
	if identitystore.Unmarked(b, identity.SubjectUser, 12) {
		t.Fatal("a replica that does not follow the channel skips reads")
	}
	eventually(t, "b follows the marks again", func() bool { return identitystore.Live(b) })
	for _, id := range []int64{10, 11} {
		if identitystore.Unmarked(b, identity.SubjectUser, id) {
			t.Errorf("subject %d's mark is not on the list after the subscription came back", id)
		}
		if _, err := b.Apply(ctx, user(id, "fam")); !errors.Is(err, identity.ErrSessionRevoked) {
			t.Errorf("subject %d: %v", id, err)
		}
	}
}
