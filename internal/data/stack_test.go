package data_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	testAppID     = "wxdatatestapp001"
	testAppSecret = "data-test-app-secret"
	testJWTSecret = "data-test-jwt-secret-0123456789abcdefghij"
	testPassword  = "Correct-Horse-42-battery"
	// maxConns bounds each test's pool: the tests of several packages share one PostgreSQL
	// whose max_connections is 100. Ten connections in flight at once is still real contention.
	maxConns = 10
)

// testConfig is the identity policy of the tests: production-like lifetimes, argon2id cheap
// enough that 20 concurrent logins take milliseconds.
var testConfig = identity.Config{
	AccessTTL:         15 * time.Minute,
	RefreshTTL:        30 * 24 * time.Hour,
	MaxFailedAttempts: 5,
	Lockout:           15 * time.Minute,
	PasswordParams:    passhash.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
}

// clock is a port.Clock the test moves by hand. It starts at a whole millisecond so that every
// time survives PostgreSQL's microseconds and SQLite's text round trip unchanged.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// stack is the data layer built the way the program builds it, on one database.
type stack struct {
	t        *testing.T
	db       *sqldb.DB
	data     *sqldb.DB
	rdb      redis.UniversalClient
	prefix   redisdb.KeyPrefix
	keys     *seal.Keyring
	users    identity.UserRepo
	consoles identity.ConsoleRepo
	sessions identity.SessionRepo
	marks    identity.AccessMarks
	issuer   *auth.Issuer
	clock    *clock
}

// openPostgres opens a fresh, migrated PostgreSQL database through sqldb.Open.
func openPostgres(t *testing.T) *sqldb.DB {
	t.Helper()
	return openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: testenv.PostgresDSN(t), MaxOpenConns: maxConns})
}

// openSQLite opens a temp-file SQLite database through sqldb.Open and migrates it.
func openSQLite(t *testing.T) *sqldb.DB {
	t.Helper()
	db := openDatabase(t, &conf.Data_Database{Driver: "sqlite", Source: filepath.Join(t.TempDir(), "db", "groupbuy.db")})
	if db.Dialect != dialect.SQLite {
		t.Fatalf("dialect = %q, want %q", db.Dialect, dialect.SQLite)
	}
	if err := dbmigrate.Up(t.Context(), db.SQL, dialect.SQLite); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

func openDatabase(t *testing.T, c *conf.Data_Database) *sqldb.DB {
	t.Helper()
	db, cleanup, err := sqldb.Open(&conf.Data{Database: c})
	if err != nil {
		t.Fatalf("open %s database: %v", c.GetDriver(), err)
	}
	t.Cleanup(cleanup)
	return db
}

// newKeyring builds the personal-data keyring from configuration, as the program does.
func newKeyring(t *testing.T, active string, keys map[string]string) *seal.Keyring {
	t.Helper()
	kr, err := data.NewKeyring(&conf.Security{PersonalData: &conf.Security_PersonalData{ActiveKeyId: active, Keys: keys}})
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	return kr
}

func generateKey(t *testing.T) string {
	t.Helper()
	k, err := seal.GenerateKey()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return k
}

// newStack builds repositories on db with a fresh key "k1" and real Redis under a unique prefix.
func newStack(t *testing.T, db *sqldb.DB) *stack {
	t.Helper()
	return newStackIn(t, db, testenv.SingleRedis)
}

// newStackIn is newStack on the Redis of mode (the single server or the cluster).
func newStackIn(t *testing.T, db *sqldb.DB, mode testenv.RedisMode) *stack {
	t.Helper()
	rdb, prefix := testenv.RedisIn(t, mode)
	return newStackWith(t, db, rdb, redisdb.KeyPrefix(prefix), newKeyring(t, "k1", map[string]string{"k1": generateKey(t)}))
}

func newStackWith(t *testing.T, db *sqldb.DB, rdb redis.UniversalClient, prefix redisdb.KeyPrefix,
	keys *seal.Keyring) *stack {
	t.Helper()
	s := &stack{t: t, db: db, data: db, rdb: rdb, prefix: prefix, keys: keys, clock: newClock()}
	built := s.build(s.clock.Now, datatest.NoWechat(), s.config())
	s.users, s.consoles, s.sessions, s.marks, s.issuer = built.Users, built.Consoles, built.Sessions, built.Marks, built.Issuer
	return s
}

// config is the tests' identity policy and signing key; environments add the policy of the use
// cases they test.
func (s *stack) config() datatest.Config {
	return datatest.Config{Identity: testConfig, Auth: &conf.Auth{JwtSecret: testJWTSecret}}
}

// build is the program's wiring (datatest.Build) on the stack's database, Redis and keyring,
// with clock now, WeChat wx and policy cfg.
func (s *stack) build(now port.Clock, wx *conf.Wechat, cfg datatest.Config) *datatest.Stack {
	s.t.Helper()
	built, stop, err := datatest.Build(s.data, s.rdb, s.prefix, s.keys, now, wx, cfg, testLogger)
	if err != nil {
		s.t.Fatalf("build the data layer: %v", err)
	}
	s.t.Cleanup(stop)
	return built
}

// testLogger hears only the errors the program logs while the tests run.
var testLogger = log.NewFilter(log.NewStdLogger(os.Stderr), log.FilterLevel(log.LevelError))

// consoleUsecase is a new console sign-in on the stack's repositories and clock.
func (s *stack) consoleUsecase() *identity.ConsoleUsecase {
	return s.build(s.clock.Now, datatest.NoWechat(), s.config()).Console
}

// wechatEnv is a WeChat simulator, the program's configuration pointing at it and the data
// layer built with it.
type wechatEnv struct {
	sim   *wxsim.Simulator
	conf  *conf.Wechat
	built *datatest.Stack
}

// wechat starts a simulator serving the test app and builds the data layer with the
// mini-program client pointed at it, its access token cached in the stack's Redis.
func (s *stack) wechat() *wechatEnv {
	t := s.t
	t.Helper()
	sim := wxsim.New(wxsim.Config{Apps: map[string]string{testAppID: testAppSecret}})
	base, stop, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("stop simulator: %v", err)
		}
	})
	wc := miniProgramConf(base)
	return &wechatEnv{sim: sim, conf: wc, built: s.build(s.clock.Now, wc, s.config())}
}

// miniProgramConf is the test app's mini-program at the simulator at base.
func miniProgramConf(base string) *conf.Wechat {
	return &conf.Wechat{
		ApiBase:     base,
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testAppID, AppSecret: testAppSecret},
		Timeout:     durationpb.New(5 * time.Second),
	}
}

// authUsecase is the mini-program sign-in, built with wx's client on the stack's repositories,
// transactor and clock.
func (*stack) authUsecase(wx *wechatEnv) *identity.AuthUsecase {
	return wx.built.Auth
}

// login signs openid in through the simulator and the real client.
func (s *stack) login(wx *wechatEnv, uc *identity.AuthUsecase, openid string) *identity.Tokens {
	s.t.Helper()
	code, err := wx.sim.IssueLoginCode(testAppID, openid, "")
	if err != nil {
		s.t.Fatalf("issue login code: %v", err)
	}
	tokens, err := uc.WechatLogin(s.t.Context(), code)
	if err != nil {
		s.t.Fatalf("wechat login of %s: %v", openid, err)
	}
	return tokens
}

// q rewrites PostgreSQL's $n placeholders for SQLite, which accepts ?NNN.
func (s *stack) q(query string) string {
	if s.db.Dialect != dialect.SQLite {
		return query
	}
	out := make([]byte, 0, len(query))
	for i := 0; i < len(query); i++ {
		if query[i] == '$' {
			out = append(out, '?')
			continue
		}
		out = append(out, query[i])
	}
	return string(out)
}

// count runs a SELECT count(*) query on the pool (outside any transaction).
func (s *stack) count(query string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.db.SQL.QueryRowContext(s.t.Context(), s.q(query), args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// exec runs a statement on the pool.
func (s *stack) exec(query string, args ...any) {
	s.t.Helper()
	if _, err := s.db.SQL.ExecContext(s.t.Context(), s.q(query), args...); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
}

// userRow is what the users table holds beyond identity.User.
type userRow struct {
	unionid     sql.NullString
	phoneSealed sql.NullString
	phoneKeyID  sql.NullString
	lastLoginAt sql.NullTime
}

func (s *stack) userRow(id int64) userRow {
	s.t.Helper()
	var r userRow
	var lastLogin any
	err := s.db.SQL.QueryRowContext(s.t.Context(),
		s.q("SELECT unionid, phone_sealed, phone_key_id, last_login_at FROM users WHERE id = $1"), id).
		Scan(&r.unionid, &r.phoneSealed, &r.phoneKeyID, &lastLogin)
	if err != nil {
		s.t.Fatalf("read user %d: %v", id, err)
	}
	r.lastLoginAt = s.timeValue(lastLogin)
	return r
}

// timeValue reads a timestamp column: PostgreSQL gives time.Time, SQLite (modernc) gives time.Time
// for DATETIME columns, or text if the declared type is not recognised.
func (s *stack) timeValue(v any) sql.NullTime {
	s.t.Helper()
	switch x := v.(type) {
	case nil:
		return sql.NullTime{}
	case time.Time:
		return sql.NullTime{Time: x, Valid: true}
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if tm, err := time.Parse(layout, x); err == nil {
				return sql.NullTime{Time: tm, Valid: true}
			}
		}
	}
	s.t.Fatalf("unexpected timestamp value %T %v", v, v)
	return sql.NullTime{}
}

// waitAll runs n copies of fn at once (released together) and fails the test when they do not
// all finish within limit: a deadlock shows as a failure, not a hung test binary.
func waitAll(t *testing.T, n int, limit time.Duration, fn func(i int)) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%d goroutines did not finish within %v (deadlock?)", n, limit)
	}
}

var errBoom = errors.New("boom")

// with is s for a subtest: failures and cleanups belong to t.
func (s *stack) with(t *testing.T) *stack {
	c := *s
	c.t = t
	return &c
}
