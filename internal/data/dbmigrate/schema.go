package dbmigrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/ent/migrate/migrations"
)

// Migration is one embedded migration file pair, NNNN_name.up.sql / .down.sql.
type Migration struct {
	Version uint
	Name    string // "0010_settlement"
}

func (m Migration) String() string { return m.Name }

// Embedded lists the migrations built into the program for dialect, oldest first.
func Embedded(dialectName string) ([]Migration, error) {
	var files fs.FS
	switch dialectName {
	case dialect.Postgres:
		files = migrations.Postgres
	case dialect.SQLite:
		files = migrations.SQLite
	default:
		return nil, fmt.Errorf("migrations: unsupported dialect %q", dialectName)
	}
	names, err := fs.Glob(files, "*.up.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: list embedded files: %w", err)
	}
	out := make([]Migration, 0, len(names))
	for _, n := range names {
		name := strings.TrimSuffix(n, ".up.sql")
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migrations: %s has no version number: %w", n, err)
		}
		out = append(out, Migration{Version: uint(v), Name: name})
	}
	slices.SortFunc(out, func(a, b Migration) int { return int(a.Version) - int(b.Version) })
	return out, nil
}

// SchemaError is a database whose schema is not the one the program was built for: migrations
// are missing, or one failed half-way (dirty).
type SchemaError struct {
	Dialect string
	At      Migration   // the database's last migration (Version 0: none)
	Dirty   bool        // At failed half-way
	Missing []Migration // embedded migrations newer than At
}

func (e *SchemaError) Error() string {
	if e.Dirty {
		return fmt.Sprintf("the %s database is dirty: migration %s failed half-way (schema_migrations.dirty); "+
			"finish or undo it by hand, set schema_migrations to the last migration fully applied with dirty = false, "+
			"then migrate again", e.Dialect, e.At)
	}
	names := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		names[i] = m.Name
	}
	at := "has no migrations"
	if e.At.Version > 0 {
		at = "is at migration " + e.At.Name
	}
	return fmt.Sprintf("the %s database %s; this program needs %d more: %s", e.Dialect, at, len(names),
		strings.Join(names, ", "))
}

// Check reports a *SchemaError unless db has every embedded migration, cleanly. A database
// ahead of the program (an older replica after a migration) is fine: migrations add, and the
// program reads only what it knows. On PostgreSQL it first waits for a migration in progress,
// calling waiting (when not nil) before it does: replicas that start during a rolling migration
// start once it is done, while a database nobody migrates is reported at once.
func Check(ctx context.Context, db *sql.DB, dialectName string, waiting func()) error {
	all, err := Embedded(dialectName)
	if err != nil {
		return err
	}
	if dialectName == dialect.Postgres {
		unlock, err := waitForMigrator(ctx, db, waiting)
		if err != nil {
			return err
		}
		defer unlock()
	}
	version, dirty, err := Version(ctx, db, dialectName)
	if err != nil {
		return err
	}
	e := &SchemaError{Dialect: dialectName, At: Migration{Version: version, Name: strconv.FormatUint(uint64(version), 10)}, Dirty: dirty}
	for _, m := range all {
		switch {
		case m.Version == version:
			e.At = m
		case m.Version > version:
			e.Missing = append(e.Missing, m)
		}
	}
	if dirty || len(e.Missing) > 0 {
		return e
	}
	return nil
}

// waitForMigrator holds the migration lock shared while Check reads the version: a migrator
// holds it exclusively, so this waits until it is done; checkers do not wait for each other.
func waitForMigrator(ctx context.Context, db *sql.DB, waiting func()) (unlock func(), err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("schema check: connect: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock_shared($1)", AdvisoryLockKey).Scan(&got); err != nil {
		discard(conn)
		_ = conn.Close()
		return nil, fmt.Errorf("schema check: %w", err)
	}
	if !got {
		if waiting != nil {
			waiting()
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock_shared($1)", AdvisoryLockKey); err != nil {
			discard(conn)
			_ = conn.Close()
			return nil, fmt.Errorf("schema check: wait for the migration in progress: %w", err)
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock_shared($1)", AdvisoryLockKey); err != nil {
			discard(conn)
		}
		_ = conn.Close()
	}, nil
}
