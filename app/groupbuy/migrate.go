package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
)

// migrateCmd applies the migrations embedded in the binary. Several replicas may run it at once:
// on PostgreSQL the runner holds an advisory lock.
func migrateCmd(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	confPath := confFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, closeDB, err := openDatabaseOnly(*confPath)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx := context.Background()
	if err := dbmigrate.Up(ctx, db.SQL, db.Dialect); err != nil {
		return err
	}
	version, _, err := dbmigrate.Version(ctx, db.SQL, db.Dialect)
	if err != nil {
		return err
	}
	fmt.Printf("database %s is at migration %d\n", db.Dialect, version)
	return nil
}

// openDatabaseOnly opens the configured database and nothing else: for the commands that need
// neither Redis nor WeChat.
func openDatabaseOnly(confPath string) (*data.Database, func(), error) {
	bc, err := conf.Load(confPath)
	if err != nil {
		return nil, nil, err
	}
	return data.OpenDatabase(bc.GetData())
}
