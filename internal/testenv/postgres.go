// Package testenv gives tests real PostgreSQL databases and Redis key spaces of their own, on the
// servers named by GROUPBUY_TEST_POSTGRES and GROUPBUY_TEST_REDIS. Import it only from _test.go
// files.
//
// Every call gets something no other test, package or process shares (a new database, a random
// key prefix), so `go test ./...` runs packages in parallel, and everything is removed at cleanup.
// A server that does not answer fails the test: a skipped test would pass without proving
// anything. `make test` starts the servers first (internal/testenv/services.sh).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
)

const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	startHint       = "run `make test`, which starts (or installs) PostgreSQL and Redis before `go test`; " +
		"or run `make services` once, or point GROUPBUY_TEST_POSTGRES / GROUPBUY_TEST_REDIS at running servers"
	// dbPrefix marks the databases this package creates, so leftovers can be found and swept.
	dbPrefix = "gbtest_"
	// staleAfter is when a database of a killed test run counts as abandoned.
	staleAfter = 24 * time.Hour
	opTimeout  = 30 * time.Second
)

// Postgres returns a pool on a brand-new database with every migration applied. The pool is
// closed and the database dropped when the test ends.
func Postgres(tb testing.TB) *sql.DB {
	tb.Helper()
	return Open(tb, PostgresDSN(tb))
}

// PostgresDSN is Postgres for code that opens the database itself (another process, say): the
// URL of a brand-new, migrated database that is dropped when the test ends.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := EmptyPostgresDSN(tb)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("testenv: open %s: %v", dsn, err)
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := dbmigrate.Up(ctx, db, dialect.Postgres); err != nil {
		tb.Fatalf("testenv: migrate test database: %v", err)
	}
	return dsn
}

// EmptyPostgresDSN returns the URL of a brand-new database with nothing in it, for tests of the
// migrations themselves. It is dropped when the test ends, whoever is still connected.
func EmptyPostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := postgresBase()
	admin := adminPool(tb, base)
	name := databaseName(tb)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := createDatabase(ctx, admin, name); err != nil {
		tb.Fatalf("testenv: create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			tb.Errorf("testenv: drop test database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return dsn
}

// Open opens dsn with the pgx driver and closes the pool when the test ends.
func Open(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("testenv: open database: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func postgresBase() string {
	if dsn := os.Getenv("GROUPBUY_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultPostgres
}

var admin struct {
	sync.Mutex
	pools map[string]*sql.DB // by GROUPBUY_TEST_POSTGRES
}

// adminPool is one pool per test process and server, on the configured database, used to create
// and drop the test databases. It stays open until the process exits.
func adminPool(tb testing.TB, base string) *sql.DB {
	tb.Helper()
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		tb.Fatalf("testenv: GROUPBUY_TEST_POSTGRES: %v", err)
	}
	admin.Lock()
	defer admin.Unlock()
	db, known := admin.pools[base]
	if !known {
		if db, err = sql.Open("pgx", base); err != nil {
			tb.Fatalf("testenv: GROUPBUY_TEST_POSTGRES: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if !known {
			_ = db.Close()
		}
		tb.Fatalf("testenv: PostgreSQL %s:%d database %q (GROUPBUY_TEST_POSTGRES) is not reachable: %v\n%s",
			cfg.Host, cfg.Port, cfg.Database, err, startHint)
	}
	if !known {
		if admin.pools == nil {
			admin.pools = map[string]*sql.DB{}
		}
		admin.pools[base] = db
		sweepStale(ctx, db)
	}
	return db
}

// databaseName is unique across processes (random part), says which test made it, and records
// when (so sweepStale can tell abandoned ones). PostgreSQL truncates identifiers at 63 bytes.
func databaseName(tb testing.TB) string {
	name := fmt.Sprintf("%s%d_%s_%s", dbPrefix, time.Now().Unix(), randomHex(6), sanitize(tb.Name(), '_'))
	return strings.TrimRight(name[:min(len(name), 63)], "_")
}

func createDatabase(ctx context.Context, db *sql.DB, name string) error {
	// CREATE DATABASE copies template1 and refuses while another session is connected to it;
	// that happens briefly when many packages start at once, so try a few times.
	var err error
	for range 10 {
		if _, err = db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); !isObjectInUse(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return err
}

func dropDatabase(ctx context.Context, db *sql.DB, name string) error {
	// FORCE (PostgreSQL 13+) disconnects whatever the test left connected.
	_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)")
	return err
}

// sweepStale drops test databases that a killed test process (a -timeout panic, say) could not
// drop itself. Best effort: a failure only leaves them for the next run.
func sweepStale(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx, "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", dbPrefix)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil && isStale(name) {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		_ = dropDatabase(ctx, db, name)
	}
}

func isStale(name string) bool {
	stamp, _, _ := strings.Cut(strings.TrimPrefix(name, dbPrefix), "_")
	created, err := strconv.ParseInt(stamp, 10, 64)
	return err == nil && time.Since(time.Unix(created, 0)) > staleAfter
}

// withDatabase points a PostgreSQL URL or keyword/value DSN at another database.
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name, nil // a later keyword overrides an earlier one
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("GROUPBUY_TEST_POSTGRES: %w", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

func isObjectInUse(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55006"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sanitize lower-cases s and replaces everything but letters, digits and '_' with sep, so a test
// name is safe in identifiers and Redis glob patterns (and holds no {hash tag}).
func sanitize(s string, sep rune) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return sep
	}, s)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
