package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/data/dbmigrate"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// account runs on the database alone: with the configured Redis unreachable it creates an
// account, refuses a duplicate with its message, and unlocks it; an unknown username is not found.
func TestAccountNeedsOnlyTheDatabase(t *testing.T) {
	dsn := testenv.EmptyPostgresDSN(t)
	if err := dbmigrate.Up(context.Background(), testenv.Open(t, dsn), dialect.Postgres); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "groupbuy.yaml")
	yaml := fmt.Sprintf("data:\n  database:\n    driver: postgres\n    source: %q\n  redis:\n    addrs: [\"127.0.0.1:1\"]\n", dsn)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	bc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, closeRedis, err := redisdb.NewRedis(bc.GetData()); err == nil {
		closeRedis()
		t.Fatal("the configured Redis answers: the test would not show that account does without it")
	}
	t.Setenv(passwordEnv, "correct horse battery")
	create := []string{"account", "create", "-conf", path, "-username", "mei", "-role", "ops"}
	if err := run(create); err != nil {
		t.Fatalf("account create: %v", err)
	}
	if err := run(create); err == nil || err.Error() != `console account "mei" already exists` {
		t.Errorf("second account create: %v", err)
	}
	if err := run([]string{"account", "unlock", "-conf", path, "-username", "mei"}); err != nil {
		t.Errorf("account unlock: %v", err)
	}
	err = run([]string{"account", "unlock", "-conf", path, "-username", "nobody"})
	if !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("account unlock of an unknown username: %v, want not found", err)
	}
}
