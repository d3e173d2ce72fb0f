package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// Open opens the configured database and checks that it answers. It does not migrate:
// migrations are the explicit `groupbuy migrate` step.
func Open(c *conf.Data) (*DB, func(), error) {
	db, dia, err := openSQL(c.GetDatabase())
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("connect to %s database: %w", dia, err)
	}
	d := &DB{SQL: db, Ent: ent.NewClient(ent.Driver(entsql.OpenDB(dia, db))), Dialect: dia}
	return d, func() { _ = d.Ent.Close() }, nil
}

func openSQL(c *conf.Data_Database) (*sql.DB, string, error) {
	switch c.GetDriver() {
	case "postgres", "postgresql", "pgx":
		db, err := sql.Open("pgx", c.GetSource())
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		tunePool(db, c)
		return db, dialect.Postgres, nil
	case "sqlite", "sqlite3":
		if !conf.DevStandIns { // the driver is linked by sqlite_dev.go
			return nil, "", conf.StandInError("data.database.driver sqlite")
		}
		dsn, err := sqliteDSN(c.GetSource())
		if err != nil {
			return nil, "", err
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, "", fmt.Errorf("open sqlite: %w", err)
		}
		tunePool(db, c)
		return db, dialect.SQLite, nil
	}
	return nil, "", fmt.Errorf("database driver %q: want postgres or sqlite", c.GetDriver())
}

// tunePool applies the pool's limits. database/sql keeps 2 idle connections unless told: a
// service with bursts of concurrent work (settlement's workers) should keep as many idle as may
// be open (configs/postgres.yaml does), or each burst opens new PostgreSQL backends again. It is
// not the default here because many pools share one server in tests and tools, and idle
// connections held by each would exhaust its max_connections.
func tunePool(db *sql.DB, c *conf.Data_Database) {
	if n := c.GetMaxOpenConns(); n > 0 {
		db.SetMaxOpenConns(int(n))
	}
	if n := c.GetMaxIdleConns(); n > 0 {
		db.SetMaxIdleConns(int(n))
	}
	if d := c.GetConnMaxLifetime(); d != nil {
		db.SetConnMaxLifetime(d.AsDuration())
	}
}

// sqliteDSN turns a file path into a DSN with the settings the service depends on: foreign keys
// on, WAL so readers do not block the writer, a busy timeout instead of instant SQLITE_BUSY, and
// BEGIN IMMEDIATE so two transactions never deadlock upgrading a read lock. A leading ~/ is the
// home folder; the folder is created.
func sqliteDSN(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("sqlite: no database file configured")
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("sqlite: expand %s: %w", path, err)
		}
		path = filepath.Join(home, rest)
	}
	if path != ":memory:" && !strings.HasPrefix(path, "file:") {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", fmt.Errorf("sqlite: create folder of %s: %w", path, err)
		}
		path = "file:" + path
	}
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode(), nil
}
