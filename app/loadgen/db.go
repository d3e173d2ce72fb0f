package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// benchDBPrefix is testenv's prefix for test databases: a benchmark database left behind by a
// killed run is swept by the next test run after a day, like any test database.
const benchDBPrefix = "gbtest_"

// benchDBName is what "db create" makes and the only thing "db drop" drops.
var benchDBName = regexp.MustCompile(`^gbtest_[0-9]+_[0-9a-f]+_bench_[a-z_]+$`)

// dbCmd creates or drops a benchmark database on a PostgreSQL server, without psql.
func dbCmd(args []string) error {
	if len(args) == 0 {
		return errors.New(`db: want "create" or "drop"`)
	}
	fs := flag.NewFlagSet("db "+args[0], flag.ContinueOnError)
	admin := fs.String("admin", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"DSN of an existing database on the server, to run CREATE/DROP DATABASE from (create)")
	dsn := fs.String("dsn", "", "DSN of the database to drop, as printed by db create (drop)")
	purpose := fs.String("purpose", "nearby", "word in the new database's name (create)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch args[0] {
	case "create":
		if !regexp.MustCompile(`^[a-z_]{1,20}$`).MatchString(*purpose) {
			return fmt.Errorf("-purpose %q: want 1 to 20 of a-z and _", *purpose)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := fmt.Sprintf("%s%d_%s_bench_%s", benchDBPrefix, time.Now().Unix(), hex.EncodeToString(b), *purpose)
		out, err := withDatabase(*admin, name)
		if err != nil {
			return err
		}
		if err := adminExec(ctx, *admin, `CREATE DATABASE "`+name+`"`); err != nil {
			return err
		}
		fmt.Println(out)
		return nil
	case "drop":
		cfg, err := pgx.ParseConfig(*dsn)
		if err != nil {
			return fmt.Errorf("-dsn: %w", err)
		}
		if !benchDBName.MatchString(cfg.Database) {
			return fmt.Errorf("refusing to drop %q: not a database made by loadgen db create", cfg.Database)
		}
		admin, err := withDatabase(*dsn, "postgres")
		if err != nil {
			return err
		}
		// FORCE (PostgreSQL 13+) disconnects a server that did not stop.
		return adminExec(ctx, admin, `DROP DATABASE IF EXISTS "`+cfg.Database+`" WITH (FORCE)`)
	}
	return fmt.Errorf("db %s: want create or drop", args[0])
}

func adminExec(ctx context.Context, dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// CREATE/DROP DATABASE take no parameters: the name was generated here or matched benchDBName.
	if _, err := db.ExecContext(ctx, stmt); err != nil { //nolint:gosec // see above: no input reaches stmt unchecked
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase points a PostgreSQL URL or keyword/value DSN at another database.
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name, nil // a later keyword overrides an earlier one
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}
