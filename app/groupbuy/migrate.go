package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// migrateCmd applies the migrations embedded in the binary and says what it did. Several
// replicas may run it at once: on PostgreSQL the runner holds an advisory lock.
func migrateCmd(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	confPath := confFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	bc, err := loadConfig(*confPath)
	if err != nil {
		return err
	}
	m, closeDB, err := wireMigrator(bc)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report, err := m.apply(ctx)
	if err != nil {
		return err
	}
	fmt.Println(report)
	return nil
}

// migratorSet is what `migrate` and serve's schema check are built from: the configured
// database and nothing else (no Redis, no WeChat).
var migratorSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	wire.FieldsOf(new(*conf.Bootstrap), "Data"),
	sqldb.Open,
	wire.Struct(new(migrator), "*"),
)

// migrator brings the opened database's schema up to date, or checks that it is.
type migrator struct {
	DB *sqldb.DB
}

// apply applies the migrations embedded in the binary and says what it did.
func (m *migrator) apply(ctx context.Context) (string, error) {
	res, err := dbmigrate.Apply(ctx, m.DB.SQL, m.DB.Dialect)
	if err != nil {
		return "", err
	}
	all, err := dbmigrate.Embedded(m.DB.Dialect)
	if err != nil {
		return "", err
	}
	return migrateReport(m.DB.Dialect, res, all), nil
}

// check refuses a schema behind this program, after waiting for a migration in progress
// (waiting is called when it starts to wait).
func (m *migrator) check(ctx context.Context, waiting func()) error {
	return dbmigrate.Check(ctx, m.DB.SQL, m.DB.Dialect, waiting)
}

// migrateReport says what a migration run did: applied N migrations up to X, found the database
// already at X, or waited for another process's migration.
func migrateReport(dialect string, res dbmigrate.Result, all []dbmigrate.Migration) string {
	at := migrationName(res.To, all)
	switch n := len(res.Applied); {
	case n > 0:
		s := fmt.Sprintf("applied %d migration%s (%s", n, plural(n), res.Applied[0].Name)
		if n > 1 {
			s += " … " + res.Applied[n-1].Name
		}
		return s + fmt.Sprintf("): the %s database is at %s", dialect, at)
	case res.Waited:
		return fmt.Sprintf("waited for another process migrating the database: the %s database is at %s, nothing left to apply", dialect, at)
	case res.To == 0:
		return fmt.Sprintf("the %s database has no migrations and this program none to apply", dialect)
	}
	return fmt.Sprintf("the %s database is already at %s: nothing to apply", dialect, at)
}

func migrationName(version uint, all []dbmigrate.Migration) string {
	for _, m := range all {
		if m.Version == version {
			return m.Name
		}
	}
	return "migration " + strconv.FormatUint(uint64(version), 10) // newer than this program
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// checkSchema refuses to serve a database whose schema is behind this program (or dirty): every
// request would fail with "relation … does not exist" while /readyz said ready. It exits with the
// missing migrations and the command to run, rather than waiting not-ready, because a database
// nobody is migrating stays behind until an operator acts, and a process that stops says so
// where they look (the orchestrator restarts it with back-off). A migration already in progress
// (a rolling migration: `groupbuy migrate` from another replica or job) is waited for, then the
// schema checked.
func checkSchema(bc *conf.Bootstrap, confPath string, logger log.Logger) error {
	m, closeDB, err := wireMigrator(bc)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := log.NewHelper(logger)
	err = m.check(ctx, func() {
		h.Infow("msg", "another process is migrating the database: waiting for it before serving")
	})
	var behind *dbmigrate.SchemaError
	if errors.As(err, &behind) {
		return fmt.Errorf("%w\nrun: groupbuy migrate -conf %s", err, confPath)
	}
	return err
}
