package dbmigrate_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/ent/migrate/migrations"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// A database behind the program is refused with the missing migrations by name: an empty one
// misses all of them, one migrated to N-1 the last; a dirty one says so; a current one passes.
func TestCheckPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testenv.Open(t, testenv.EmptyPostgresDSN(t))
	all, err := dbmigrate.Embedded(dialect.Postgres)
	if err != nil || len(all) < 2 {
		t.Fatalf("embedded migrations: %v %v", all, err)
	}
	last := all[len(all)-1]

	schemaErr := func() *dbmigrate.SchemaError {
		t.Helper()
		var se *dbmigrate.SchemaError
		if err := dbmigrate.Check(ctx, db, dialect.Postgres, nil); !errors.As(err, &se) {
			t.Fatalf("Check = %v, want a SchemaError", err)
		}
		return se
	}
	empty := schemaErr()
	if len(empty.Missing) != len(all) || empty.At.Version != 0 ||
		!strings.Contains(empty.Error(), all[0].Name) || !strings.Contains(empty.Error(), last.Name) {
		t.Errorf("empty database: %v (missing %v)", empty, empty.Missing)
	}

	migrateToPrevious(t, db, last)
	behind := schemaErr()
	if len(behind.Missing) != 1 || behind.Missing[0] != last || behind.At != all[len(all)-2] || behind.Dirty {
		t.Errorf("database at N-1: %v (missing %v)", behind, behind.Missing)
	}
	if !strings.Contains(behind.Error(), "needs 1 more: "+last.Name) {
		t.Errorf("message %q does not name %s", behind.Error(), last.Name)
	}

	if err := dbmigrate.Up(ctx, db, dialect.Postgres); err != nil {
		t.Fatal(err)
	}
	if err := dbmigrate.Check(ctx, db, dialect.Postgres, nil); err != nil {
		t.Errorf("migrated database: %v", err)
	}

	if _, err := db.ExecContext(ctx, "UPDATE schema_migrations SET dirty = true"); err != nil {
		t.Fatal(err)
	}
	if dirty := schemaErr(); !dirty.Dirty || !strings.Contains(dirty.Error(), "dirty") || !strings.Contains(dirty.Error(), last.Name) {
		t.Errorf("dirty database: %v", dirty)
	}
}

// A replica starting while another process migrates waits for it (and says so), then checks.
func TestCheckWaitsForAMigrationInProgress(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testenv.Open(t, testenv.EmptyPostgresDSN(t))
	migrator := holdMigrationLock(t, db)
	waiting := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- dbmigrate.Check(ctx, db, dialect.Postgres, func() { close(waiting) }) }()
	<-waiting
	select {
	case err := <-done:
		t.Fatalf("Check returned while the migration lock was held: %v", err)
	default:
	}
	migrator()
	var se *dbmigrate.SchemaError
	if err := <-done; !errors.As(err, &se) {
		t.Fatalf("Check after the migrator left = %v, want a SchemaError (nothing was migrated)", err)
	}
}

// Apply tells what it did: the files it ran, nothing the second time, and when it waited for
// another migrator.
func TestApplyReportsWhatItDid(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := testenv.EmptyPostgresDSN(t)
	db := testenv.Open(t, dsn)
	all, err := dbmigrate.Embedded(dialect.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	last := all[len(all)-1]
	res, err := dbmigrate.Apply(ctx, db, dialect.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 0 || res.To != last.Version || len(res.Applied) != len(all) || res.Waited {
		t.Errorf("first run: %+v", res)
	}
	if res, err = dbmigrate.Apply(ctx, db, dialect.Postgres); err != nil || len(res.Applied) != 0 ||
		res.From != last.Version || res.To != last.Version || res.Waited {
		t.Errorf("second run: %+v, %v", res, err)
	}

	migrateToPrevious(t, db, last)
	release := holdMigrationLock(t, db)
	done := make(chan dbmigrate.Result, 1)
	other := testenv.Open(t, dsn)
	go func() {
		res, err := dbmigrate.Apply(ctx, other, dialect.Postgres)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	waitForLockWaiter(t, db)
	release()
	if res := <-done; !res.Waited || len(res.Applied) != 1 || res.Applied[0] != last {
		t.Errorf("run behind another migrator: %+v", res)
	}
}

// migrateToPrevious brings a migrated database back to the migration before last, as a
// database migrated by the previous release is.
func migrateToPrevious(t *testing.T, db *sql.DB, last dbmigrate.Migration) {
	t.Helper()
	ctx := t.Context()
	if err := dbmigrate.Up(ctx, db, dialect.Postgres); err != nil {
		t.Fatal(err)
	}
	down, err := fs.ReadFile(migrations.Postgres, last.Name+".down.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, string(down)); err != nil {
		t.Fatalf("run %s.down.sql: %v", last.Name, err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE schema_migrations SET version = $1, dirty = false", last.Version-1); err != nil {
		t.Fatal(err)
	}
}

// holdMigrationLock takes the migrators' lock as a migrating process does, until release.
func holdMigrationLock(t *testing.T, db *sql.DB) (release func()) {
	t.Helper()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_lock($1)", dbmigrate.AdvisoryLockKey); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", dbmigrate.AdvisoryLockKey); err != nil {
			t.Error(err)
		}
		_ = conn.Close()
	}
}

// waitForLockWaiter returns once a session waits for an advisory lock in this database.
func waitForLockWaiter(t *testing.T, db *sql.DB) {
	t.Helper()
	for {
		var n int
		err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
}
