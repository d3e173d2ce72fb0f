package main

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// serve refuses an un-migrated database with the missing migrations and the command to run,
// and serves a migrated one.
func TestServeRefusesADatabaseBehindIt(t *testing.T) {
	t.Parallel()
	dsn := testenv.EmptyPostgresDSN(t)
	bc := &conf.Bootstrap{Data: &conf.Data{Database: &conf.Data_Database{Driver: "postgres", Source: dsn}}}
	all, err := dbmigrate.Embedded(dialect.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	err = checkSchema(bc, "configs/postgres.yaml", log.DefaultLogger)
	if err == nil {
		t.Fatal("an empty database was accepted")
	}
	for _, want := range []string{all[0].Name, all[len(all)-1].Name, "groupbuy migrate -conf configs/postgres.yaml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %q in:\n%v", want, err)
		}
	}
	if err := dbmigrate.Up(context.Background(), testenv.Open(t, dsn), dialect.Postgres); err != nil {
		t.Fatal(err)
	}
	if err := checkSchema(bc, "configs/postgres.yaml", log.DefaultLogger); err != nil {
		t.Errorf("a migrated database was refused: %v", err)
	}
}

func TestMigrateSaysWhatItDid(t *testing.T) {
	all := []dbmigrate.Migration{{Version: 1, Name: "0001_init"}, {Version: 2, Name: "0002_leaders"}, {Version: 3, Name: "0003_pay"}}
	for _, c := range []struct {
		res  dbmigrate.Result
		want string
	}{
		{dbmigrate.Result{From: 0, To: 3, Applied: all}, "applied 3 migrations (0001_init … 0003_pay): the postgres database is at 0003_pay"},
		{dbmigrate.Result{From: 2, To: 3, Applied: all[2:]}, "applied 1 migration (0003_pay): the postgres database is at 0003_pay"},
		{dbmigrate.Result{From: 3, To: 3}, "the postgres database is already at 0003_pay: nothing to apply"},
		{dbmigrate.Result{From: 3, To: 3, Waited: true}, "waited for another process migrating the database: the postgres database is at 0003_pay, nothing left to apply"},
		{dbmigrate.Result{From: 4, To: 4}, "the postgres database is already at migration 4: nothing to apply"},
	} {
		if got := migrateReport(dialect.Postgres, c.res, all); got != c.want {
			t.Errorf("%+v:\n got %s\nwant %s", c.res, got, c.want)
		}
	}
}
