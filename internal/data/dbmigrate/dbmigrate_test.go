package dbmigrate_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/groupbuy/groupbuy/ent/migrate"
	"github.com/groupbuy/groupbuy/ent/migrate/migrations"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

func TestUpPostgres(t *testing.T) {
	t.Parallel()
	db := testenv.Open(t, testenv.EmptyPostgresDSN(t))
	testUp(t, db, dialect.Postgres, migrations.Postgres)
}

func TestUpSQLite(t *testing.T) {
	t.Parallel()
	testUp(t, openSQLite(t), dialect.SQLite, migrations.SQLite)
}

// Replicas that start together all run Up on the same database: every call must succeed and the
// files must run once.
func TestConcurrentUpPostgres(t *testing.T) {
	t.Parallel()
	dsn := testenv.EmptyPostgresDSN(t)
	const replicas = 4
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		db := testenv.Open(t, dsn) // a pool per replica
		wg.Go(func() { errs[i] = dbmigrate.Up(t.Context(), db, dialect.Postgres) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Up: %v", i, err)
		}
	}
	db := testenv.Open(t, dsn)
	assertVersion(t, db, dialect.Postgres, lastVersion(t, migrations.Postgres))
	assertMatchesEnt(t, db, dialect.Postgres)
}

// A replica waiting for another one's migration gives up when its context ends.
func TestUpPostgresWaitHonoursContext(t *testing.T) {
	t.Parallel()
	db := testenv.Open(t, testenv.EmptyPostgresDSN(t))
	holder, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close() }()
	if _, err := holder.ExecContext(t.Context(), "SELECT pg_advisory_lock($1)", dbmigrate.AdvisoryLockKey); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := dbmigrate.Up(ctx, db, dialect.Postgres); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Up while another holds the lock = %v, want context.DeadlineExceeded", err)
	}
	assertVersion(t, db, dialect.Postgres, 0)
	if _, err := holder.ExecContext(t.Context(), "SELECT pg_advisory_unlock($1)", dbmigrate.AdvisoryLockKey); err != nil {
		t.Fatal(err)
	}
	if err := dbmigrate.Up(t.Context(), db, dialect.Postgres); err != nil {
		t.Fatalf("Up after the lock was released: %v", err)
	}
	assertVersion(t, db, dialect.Postgres, lastVersion(t, migrations.Postgres))
}

func TestUnknownDialect(t *testing.T) {
	t.Parallel()
	if err := dbmigrate.Up(t.Context(), nil, "mysql"); err == nil {
		t.Error("Up with dialect mysql: want an error")
	}
	if _, _, err := dbmigrate.Version(t.Context(), nil, "mysql"); err == nil {
		t.Error("Version with dialect mysql: want an error")
	}
}

// testUp migrates an empty database, checks the version, migrates again (nothing to do), and
// checks that the result is exactly the ent schema. The caller's pool must still be open.
func testUp(t *testing.T, db *sql.DB, dia string, files fs.FS) {
	t.Helper()
	assertVersion(t, db, dia, 0)
	want := lastVersion(t, files)
	for run := 1; run <= 2; run++ {
		if err := dbmigrate.Up(t.Context(), db, dia); err != nil {
			t.Fatalf("Up, run %d: %v", run, err)
		}
		assertVersion(t, db, dia, want)
	}
	assertMatchesEnt(t, db, dia)
}

func assertVersion(t *testing.T, db *sql.DB, dia string, want uint) {
	t.Helper()
	got, dirty, err := dbmigrate.Version(t.Context(), db, dia)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if got != want || dirty {
		t.Fatalf("Version = %d (dirty %v), want %d (clean)", got, dirty, want)
	}
}

// lastVersion is the number of the newest migration file.
func lastVersion(t *testing.T, files fs.FS) uint {
	t.Helper()
	names, err := fs.Glob(files, "*.up.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}
	var last uint64
	for _, n := range names {
		digits, _, _ := strings.Cut(n, "_")
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", n, err)
		}
		last = max(last, v)
	}
	return uint(last)
}

// entDiff serialises the diffs: ent's Atlas diff fills in the package-level migrate.Tables as it
// goes, so two at once race (the race detector caught it between the parallel tests).
var entDiff sync.Mutex

// assertMatchesEnt diffs the migrated database against the ent schema, drops included (ent skips
// them by default), and wants no change; and it wants no table but ent's and golang-migrate's.
func assertMatchesEnt(t *testing.T, db *sql.DB, dia string) {
	t.Helper()
	entDiff.Lock()
	defer entDiff.Unlock()
	dir := &atlasmigrate.MemDir{}
	m, err := schema.NewMigrate(entsql.OpenDB(dia, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeInspect),
		schema.WithErrNoPlan(true),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	switch err := m.NamedDiff(t.Context(), "drift", migrate.Tables...); {
	case errors.Is(err, atlasmigrate.ErrNoPlan):
	case err != nil:
		t.Fatalf("diff against the ent schema: %v", err)
	default:
		files, _ := dir.Files()
		for _, f := range files {
			if strings.HasSuffix(f.Name(), ".up.sql") {
				t.Errorf("migrated %s schema differs from the ent schema; to reach it:\n%s", dia, f.Bytes())
			}
		}
	}
	want := []string{"schema_migrations"}
	for _, table := range migrate.Tables {
		want = append(want, table.Name)
	}
	slices.Sort(want)
	if got := tables(t, db, dia); !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
}

func tables(t *testing.T, db *sql.DB, dia string) []string {
	t.Helper()
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if dia == dialect.Postgres {
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
	}
	rows, err := db.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer func() { _ = rows.Close() }()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// openSQLite opens a temporary database file with the settings the service uses.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "groupbuy.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
