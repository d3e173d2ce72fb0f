// Package dbmigrate applies the migrations embedded in the program (ent/migrate/migrations) with
// golang-migrate, and reports which one a database is at.
//
// golang-migrate's drivers take ownership of the *sql.DB given to WithInstance: their Close closes
// it. This package never lets them close the caller's pool:
//   - PostgreSQL: the pgx/v5 driver runs on a private pool opened from the caller's connection
//     settings, and closing that pool is all its Close does;
//   - SQLite: the driver holds nothing but the pool, so it is simply not closed.
package dbmigrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"entgo.io/ent/dialect"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/groupbuy/groupbuy/ent/migrate/migrations"
)

// versionTable is golang-migrate's default bookkeeping table (one row: version, dirty).
const versionTable = "schema_migrations"

// AdvisoryLockKey is the PostgreSQL advisory lock Up holds while it migrates, so replicas of the
// same database take turns (advisory locks are scoped to the current database); pg_locks shows
// who holds it. It differs from the key golang-migrate derives for its own lock, which is then
// always free when taken.
const AdvisoryLockKey int64 = 0x67627570_6d696772 // "gbupmigr"

// innerLockTimeout bounds golang-migrate's own lock wait. Replicas queue on AdvisoryLockKey,
// which honours ctx, so this only matters when another golang-migrate runs on the same database.
const innerLockTimeout = time.Minute

// Up applies every pending migration for dialect (ent's dialect.Postgres or dialect.SQLite).
// Several processes may call it at once on PostgreSQL: they take turns on an advisory lock and
// the later ones find nothing to do. Cancelling ctx stops waiting for the lock, and stops between
// two migration files; a file that has started runs to its end.
func Up(ctx context.Context, db *sql.DB, dialectName string) error {
	_, err := Apply(ctx, db, dialectName)
	return err
}

// Result is what Apply did.
type Result struct {
	From, To uint        // the database's migration before and after (0: none)
	Applied  []Migration // the files it ran, oldest first
	Waited   bool        // another process was migrating (PostgreSQL): Apply waited for it first
}

// Apply is Up, telling what it did.
func Apply(ctx context.Context, db *sql.DB, dialectName string) (Result, error) {
	all, err := Embedded(dialectName)
	if err != nil {
		return Result{}, err
	}
	var res Result
	from := func() (err error) {
		res.From, _, err = Version(ctx, db, dialectName)
		return err
	}
	switch dialectName {
	case dialect.Postgres:
		res.Waited, err = upPostgres(ctx, db, from)
	case dialect.SQLite:
		if err = from(); err == nil {
			err = upSQLite(ctx, db)
		}
	}
	if err != nil {
		return res, err
	}
	if res.To, _, err = Version(ctx, db, dialectName); err != nil {
		return res, err
	}
	for _, m := range all {
		if m.Version > res.From && m.Version <= res.To {
			res.Applied = append(res.Applied, m)
		}
	}
	return res, nil
}

// Version reports the last migration applied to db and whether it failed half-way (dirty). A
// database no migration ran on is at version 0. It only reads the version table, so it neither
// creates it nor waits for a migration in progress.
func Version(ctx context.Context, db *sql.DB, dialectName string) (version uint, dirty bool, err error) {
	var exists string
	switch dialectName {
	case dialect.Postgres:
		exists = "SELECT to_regclass($1) IS NOT NULL"
	case dialect.SQLite:
		exists = "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?"
	default:
		return 0, false, fmt.Errorf("migration version: unsupported dialect %q", dialectName)
	}
	var found bool
	if err := db.QueryRowContext(ctx, exists, versionTable).Scan(&found); err != nil {
		return 0, false, fmt.Errorf("migration version: look for %s: %w", versionTable, err)
	}
	if !found {
		return 0, false, nil
	}
	err = db.QueryRowContext(ctx, "SELECT version, dirty FROM "+versionTable+" LIMIT 1").Scan(&version, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("migration version: read %s: %w", versionTable, err)
	}
	return version, dirty, nil
}

func upSQLite(ctx context.Context, db *sql.DB) error {
	// The sqlite driver's lock is in-process only; the service runs SQLite as a single process.
	drv, err := sqliteDriver(db)
	if err != nil {
		return fmt.Errorf("migrate sqlite: prepare: %w", err)
	}
	// No m.Close(): it would close the caller's pool, and the driver holds nothing else.
	return apply(ctx, migrations.SQLite, "sqlite", drv)
}

// upPostgres migrates under the advisory lock, running before (reading the version it starts
// from) once it holds it. waited tells whether another process held the lock first.
func upPostgres(ctx context.Context, db *sql.DB, before func() error) (waited bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("migrate postgres: connect: %w", err)
	}
	defer func() { err = errors.Join(err, release(conn)) }()
	cfg, err := connConfig(conn)
	if err != nil {
		return false, err
	}
	if waited, err = lock(ctx, conn); err != nil {
		return waited, err
	}
	defer func() { err = errors.Join(err, unlock(conn)) }()
	if err := before(); err != nil {
		return waited, err
	}
	return waited, migratePostgres(ctx, cfg)
}

// lock takes the migration lock on conn, waiting for another migrator if there is one.
func lock(ctx context.Context, conn *sql.Conn) (waited bool, err error) {
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", AdvisoryLockKey).Scan(&got); err != nil {
		discard(conn)
		return false, fmt.Errorf("migrate postgres: take the migration lock: %w", err)
	}
	if got {
		return false, nil
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", AdvisoryLockKey); err != nil {
		// The server may have granted the lock just as ctx ended.
		discard(conn)
		return true, fmt.Errorf("migrate postgres: wait for the migration lock: %w", err)
	}
	return true, nil
}

// migratePostgres runs golang-migrate on a private pool with cfg's settings.
func migratePostgres(ctx context.Context, cfg *pgx.ConnConfig) (err error) {
	private := stdlib.OpenDB(*cfg)
	drv, err := migratepgx.WithInstance(private, &migratepgx.Config{})
	if err != nil {
		_ = private.Close()
		return fmt.Errorf("migrate postgres: prepare: %w", err)
	}
	// Closing drv closes its dedicated connection and the private pool, never the caller's.
	defer func() {
		if cerr := drv.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("migrate postgres: close: %w", cerr))
		}
	}()
	return apply(ctx, migrations.Postgres, "pgx5", drv)
}

// connConfig copies the settings of a pgx connection, so the private pool reaches the same server,
// database and user the caller's pool does.
func connConfig(conn *sql.Conn) (*pgx.ConnConfig, error) {
	var cfg *pgx.ConnConfig
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("migrate postgres: want a pgx (github.com/jackc/pgx/v5/stdlib) pool, got %T", dc)
		}
		cfg = c.Conn().Config()
		return nil
	})
	return cfg, err
}

// unlock releases the advisory lock even when ctx is already cancelled.
func unlock(conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", AdvisoryLockKey); err != nil {
		discard(conn)
		return fmt.Errorf("migrate postgres: release the migration lock: %w", err)
	}
	return nil
}

// discard makes the pool close conn instead of reusing it: a session that may hold the advisory
// lock must not go back to the pool, or it would block every later migration.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

func release(conn *sql.Conn) error {
	if err := conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("migrate postgres: return connection: %w", err)
	}
	return nil
}

// apply runs the pending migrations of fsys on drv.
func apply(ctx context.Context, fsys fs.FS, name string, drv database.Driver) error {
	src, err := iofs.New(fsys, ".")
	if err != nil {
		return fmt.Errorf("migrate %s: read embedded migrations: %w", name, err)
	}
	defer func() { _ = src.Close() }()
	m, err := migrate.NewWithInstance("iofs", src, name, drv)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	m.LockTimeout = innerLockTimeout
	stop := stopOnCancel(ctx, m)
	defer stop()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		// golang-migrate returns nil after a graceful stop; pending files may remain.
		return fmt.Errorf("migrate %s: stopped: %w", name, err)
	}
	return nil
}

// stopOnCancel asks m to stop after the current file when ctx ends; golang-migrate itself takes
// no context.
func stopOnCancel(ctx context.Context, m *migrate.Migrate) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			m.GracefulStop <- true
		case <-done:
		}
	}()
	return func() { close(done) }
}
