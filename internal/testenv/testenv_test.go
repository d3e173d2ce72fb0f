package testenv_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/testenv"
)

// Each call gets a migrated database of its own, dropped when the test ends.
func TestPostgres(t *testing.T) {
	var names [2]string
	t.Run("use", func(t *testing.T) {
		for i := range names {
			db := testenv.Postgres(t)
			if err := db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&names[i]); err != nil {
				t.Fatal(err)
			}
			var users int
			if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM users").Scan(&users); err != nil {
				t.Fatalf("migrated database has no users table: %v", err)
			}
		}
		if names[0] == names[1] {
			t.Fatalf("two calls share database %s", names[0])
		}
	})
	admin := testenv.Open(t, testenv.EmptyPostgresDSN(t))
	for _, name := range names {
		var exists bool
		err := admin.QueryRowContext(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
		if err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

// A connection left open by the test does not keep its database from being dropped.
func TestPostgresDropsWhileConnected(t *testing.T) {
	var leaked *sql.DB
	t.Run("leak", func(t *testing.T) {
		var err error
		if leaked, err = sql.Open("pgx", testenv.PostgresDSN(t)); err != nil {
			t.Fatal(err)
		}
		if err := leaked.PingContext(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	defer func() { _ = leaked.Close() }()
	if err := leaked.PingContext(context.Background()); err == nil {
		t.Error("connection to the dropped database still works")
	}
}

// Keys under the prefix are gone after the test; other keys are left alone.
func TestRedis(t *testing.T) {
	outside, _ := testenv.Redis(t)
	other := "groupbuy-testenv-outside-" + t.Name()
	if err := outside.Set(t.Context(), other, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	defer outside.Del(context.Background(), other)

	var keys []string
	t.Run("use", func(t *testing.T) {
		client, prefix := testenv.Redis(t)
		_, prefix2 := testenv.Redis(t)
		if prefix == prefix2 || !strings.HasSuffix(prefix, ":") || strings.ContainsAny(prefix, "{}*?[]") {
			t.Fatalf("prefixes %q, %q: want distinct, ending in ':', without hash tags or glob characters", prefix, prefix2)
		}
		for i := range 1200 { // more than one SCAN page and one pipeline, spread over the slots
			keys = append(keys, fmt.Sprintf("%s{k%d}", prefix, i))
			if err := client.Set(t.Context(), keys[i], i, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	// One EXISTS per key: a multi-key command or KEYS would see one node of a cluster only.
	pipe := outside.Pipeline()
	for _, k := range keys {
		pipe.Exists(t.Context(), k)
	}
	cmds, err := pipe.Exec(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, c := range cmds {
		left += int(c.(*redis.IntCmd).Val())
	}
	if left != 0 {
		t.Errorf("%d of %d keys left after the test", left, len(keys))
	}
	if n, err := outside.Exists(t.Context(), other).Result(); err != nil || n != 1 {
		t.Errorf("key outside the prefix: exists=%d err=%v, want it kept", n, err)
	}
}

// fatalTB records the first Fatalf and stops the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fatalTB) Skip(...any)          { f.msg = "skipped"; runtime.Goexit() }
func (f *fatalTB) Skipf(string, ...any) { f.msg = "skipped"; runtime.Goexit() }
func (f *fatalTB) SkipNow()             { f.msg = "skipped"; runtime.Goexit() }

func runFatal(t *testing.T, fn func(testing.TB)) string {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

// An unreachable server fails the test with directions; it never skips.
func TestUnreachableFails(t *testing.T) {
	t.Setenv("GROUPBUY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	t.Setenv("GROUPBUY_TEST_REDIS", "127.0.0.1:1")
	t.Setenv("GROUPBUY_TEST_REDIS_CLUSTER", "127.0.0.1:1")
	for name, fn := range map[string]func(testing.TB){
		"postgres": func(tb testing.TB) { testenv.Postgres(tb) },
		"redis":    func(tb testing.TB) { testenv.Redis(tb) },
		"cluster":  func(tb testing.TB) { testenv.RedisIn(tb, testenv.ClusterRedis) },
	} {
		msg := runFatal(t, fn)
		if !strings.Contains(msg, "not reachable") || !strings.Contains(msg, "make test") {
			t.Errorf("%s: failure message %q: want it to say the server is not reachable and to run make test", name, msg)
		}
	}
}

// EachRedis runs its function on a single server and on a Redis Cluster, each under its own
// prefix.
func TestEachRedis(t *testing.T) {
	seen := map[string]bool{}
	testenv.EachRedis(t, func(t *testing.T, client redis.UniversalClient, prefix string) {
		_, cluster := client.(*redis.ClusterClient)
		mode := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
		if want := mode == string(testenv.ClusterRedis); cluster != want {
			t.Errorf("mode %s: cluster client %v", mode, cluster)
		}
		seen[mode] = true
		// Keys of many slots under the prefix work on both.
		for i := range 20 {
			if err := client.Set(t.Context(), fmt.Sprintf("%s{k%d}", prefix, i), i, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if !seen["single"] || !seen["cluster"] {
		t.Errorf("modes run: %v", seen)
	}
}

// recordingTB keeps what a test reports and its cleanups, to check what testenv reports.
type recordingTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recordingTB) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A command whose keys span slots fails the test on the cluster even when the code under test
// ignores the error; keys that share a hash tag pass.
func TestCrossSlotFailsTheTest(t *testing.T) {
	for name, c := range map[string]struct {
		keys  func(prefix string) []string
		fails bool
	}{
		"script over two slots": {func(p string) []string { return []string{p + "a", p + "b"} }, true},
		"script over one tag":   {func(p string) []string { return []string{p + "{t}a", p + "{t}b"} }, false},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			client, prefix := testenv.RedisIn(rec, testenv.ClusterRedis)
			_ = client.Eval(t.Context(), "return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)", c.keys(prefix)).Err()
			rec.cleanup()
			failed := len(rec.errors) > 0 && strings.Contains(strings.Join(rec.errors, "\n"), "spanned hash slots")
			if failed != c.fails {
				t.Errorf("test failed: %v, want %v (reports: %q)", failed, c.fails, rec.errors)
			}
		})
	}
}
