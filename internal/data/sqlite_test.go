package data_test

import (
	"testing"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// The embedded default (a SQLite file and in-process Redis) runs on the same repositories: the
// scenarios proven on PostgreSQL run unchanged on a temp-file SQLite migrated with dbmigrate.Up.
func TestSQLiteEmbeddedDefault(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	bc := &conf.Bootstrap{Data: &conf.Data{Redis: &conf.Data_Redis{Embedded: true, KeyPrefix: "gb"}}}
	conf.ApplyDefaults(bc) // the Redis timeouts, as conf.Load fills them
	rdb, cleanup, err := redisdb.NewRedis(bc.GetData())
	if err != nil {
		t.Fatalf("embedded redis: %v", err)
	}
	t.Cleanup(cleanup)
	kr := newKeyring(t, "k1", map[string]string{"k1": generateKey(t)})
	s := newStackWith(t, db, rdb, redisdb.KeyPrefix("gb"), kr)
	if err := data.NewReadiness(s.data, s.rdb).Ready(t.Context()); err != nil {
		t.Fatalf("ready: %v", err)
	}

	t.Run("user upsert", func(t *testing.T) { testUserUpsert(t, s.with(t)) })
	t.Run("concurrent upsert", func(t *testing.T) { testUserUpsertConcurrent(t, s.with(t), 10) })
	t.Run("phone sealed", func(t *testing.T) { testUserSetPhone(t, s.with(t)) })
	t.Run("mark used race", func(t *testing.T) { testMarkUsedRace(t, s.with(t), 10) })
	t.Run("refresh rotation and reuse", func(t *testing.T) { testRefreshRotationAndReuse(t, s.with(t)) })
	t.Run("transactions", func(t *testing.T) { testInTx(t, s.with(t)) })
	t.Run("console create and conflict", func(t *testing.T) { testConsoleCreate(t, s.with(t)) })
	t.Run("concurrent failed logins", func(t *testing.T) { testConcurrentFailedLogins(t, s.with(t)) })
	t.Run("lockout expires", func(t *testing.T) { testLockoutExpires(t, s.with(t)) })
}
