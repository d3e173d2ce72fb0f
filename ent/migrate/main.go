//go:build ignore

// Command main writes the next versioned migration: the difference between the ent schema
// (migrate.Tables) and what the migration directory already builds, as golang-migrate
// NNNN_name.up.sql / .down.sql files plus atlas.sum, for PostgreSQL and for SQLite. Run it from the
// repository root:
//
//	go run -mod=mod ./ent/migrate/main.go <name>
//
// The current state comes from replaying the directory on a development database (a scratch
// PostgreSQL database, an in-memory SQLite one), so the files are what the real engine accepts.
// When the schema did not change nothing is written, which keeps `make generate` idempotent.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go

	"github.com/groupbuy/groupbuy/ent/migrate"
)

const (
	postgresDir        = "ent/migrate/migrations/postgres"
	sqliteDir          = "ent/migrate/migrations/sqlite"
	defaultDevPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// A name becomes part of a file name: keep it to what every tool and file system accepts.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

// target is one dialect's migration directory and how to get an empty database to replay it on.
type target struct {
	dialect string
	dir     string
	devDB   func(context.Context) (*sql.DB, func(), error)
}

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 || !validName.MatchString(os.Args[1]) {
		log.Fatal("usage: go run -mod=mod ./ent/migrate/main.go <name>   (name: lower case, digits, _)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		log.Fatalf("ent/migrate: %v", err)
	}
}

func run(ctx context.Context, name string) error {
	if _, err := os.Stat("ent/migrate/schema.go"); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	targets := []target{
		{dialect: dialect.Postgres, dir: postgresDir, devDB: postgresDev},
		{dialect: dialect.SQLite, dir: sqliteDir, devDB: sqliteDev},
	}
	// One number for both directories, so a change has the same version on either engine even
	// when one dialect needed no statement for an earlier change.
	version, err := nextVersion(postgresDir, sqliteDir)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := diff(ctx, t, name, version); err != nil {
			return fmt.Errorf("%s: %w", t.dialect, err)
		}
	}
	return nil
}

// nextVersion is one more than the highest version in any of the directories. Versions are a plain
// sequence (0001, 0002, …) rather than timestamps: the output depends only on the inputs, and the
// order of migrations is the order they were merged in, not the order of their authors' clocks.
func nextVersion(dirs ...string) (uint64, error) {
	var highest uint64
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("create %s: %w", dir, err)
		}
		names, err := filepath.Glob(filepath.Join(dir, "*.up.sql"))
		if err != nil {
			return 0, fmt.Errorf("list %s: %w", dir, err)
		}
		for _, n := range names {
			digits, _, _ := strings.Cut(filepath.Base(n), "_")
			v, err := strconv.ParseUint(digits, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: file name does not start with a version number", n)
			}
			highest = max(highest, v)
		}
	}
	return highest + 1, nil
}

// diff replays dir on an empty development database and writes the changes that remain to reach
// the ent schema.
func diff(ctx context.Context, t target, name string, version uint64) error {
	dir, err := sqltool.NewGolangMigrateDir(t.dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", t.dir, err)
	}
	db, cleanup, err := t.devDB(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	m, err := schema.NewMigrate(entsql.OpenDB(t.dialect, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(sequenceFormatter{version: version}),
		schema.WithErrNoPlan(true),
		// Removed fields and indexes must leave the database too (a stale NOT NULL column breaks
		// inserts); the generated SQL is reviewed before it is committed.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return fmt.Errorf("set up diff: %w", err)
	}
	before, err := sqlFiles(t.dir)
	if err != nil {
		return err
	}
	switch err := m.NamedDiff(ctx, name, migrate.Tables...); {
	case errors.Is(err, atlasmigrate.ErrNoPlan):
		fmt.Printf("%s: no changes\n", t.dialect)
		return nil
	case err != nil:
		return fmt.Errorf("diff %s against the ent schema: %w", t.dir, err)
	}
	after, err := sqlFiles(t.dir)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(after)) {
		if !before[name] {
			fmt.Printf("%s: wrote %s\n", t.dialect, filepath.Join(t.dir, name))
		}
	}
	return nil
}

// sqlFiles lists the .sql files of dir, to report which ones a diff added.
func sqlFiles(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	files := map[string]bool{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files[e.Name()] = true
		}
	}
	return files, nil
}

// sequenceFormatter writes atlas' golang-migrate files, numbered with the given version in place
// of the creation timestamp atlas would use.
type sequenceFormatter struct{ version uint64 }

func (f sequenceFormatter) Format(plan *atlasmigrate.Plan) ([]atlasmigrate.File, error) {
	files, err := sqltool.GolangMigrateFormatter.Format(plan)
	if err != nil {
		return nil, err
	}
	out := make([]atlasmigrate.File, 0, len(files))
	for _, file := range files {
		// The formatter names files "<timestamp>_<name>.up.sql"; keep everything after the stamp.
		_, rest, ok := strings.Cut(file.Name(), "_")
		if !ok {
			return nil, fmt.Errorf("unexpected migration file name %q", file.Name())
		}
		name := fmt.Sprintf("%04d_%s", f.version, rest)
		out = append(out, atlasmigrate.NewLocalFile(name, file.Bytes()))
	}
	return out, nil
}

// postgresDev creates a scratch database on the server named by GROUPBUY_DEV_POSTGRES and returns
// a pool on it; cleanup drops it.
func postgresDev(ctx context.Context) (*sql.DB, func(), error) {
	dsn := os.Getenv("GROUPBUY_DEV_POSTGRES")
	if dsn == "" {
		dsn = defaultDevPostgres
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("parse GROUPBUY_DEV_POSTGRES: %w", err)
	}
	admin := stdlib.OpenDB(*cfg)
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		return nil, nil, fmt.Errorf("connect to the development PostgreSQL %s:%d (start it with `make services`, or set GROUPBUY_DEV_POSTGRES): %w", cfg.Host, cfg.Port, err)
	}
	name := "groupbuy_migrate_" + randomHex()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return nil, nil, fmt.Errorf("create scratch database: %w", err)
	}
	dev := cfg.Copy()
	dev.Database = name
	db := stdlib.OpenDB(*dev)
	cleanup := func() {
		_ = db.Close()
		// FORCE: a connection atlas left behind must not keep the scratch database alive.
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			log.Printf("ent/migrate: drop scratch database %s: %v", name, err)
		}
		_ = admin.Close()
	}
	return db, cleanup, nil
}

// sqliteDev opens an empty in-memory SQLite database. One connection only: every connection to
// :memory: is a database of its own.
func sqliteDev(ctx context.Context) (*sql.DB, func(), error) {
	db, err := sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(1)")
	if err != nil {
		return nil, nil, fmt.Errorf("open in-memory sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("open in-memory sqlite: %w", err)
	}
	return db, func() { _ = db.Close() }, nil
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
