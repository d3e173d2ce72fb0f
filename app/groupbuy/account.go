package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// accountSet is what `account` is built from: the console accounts in the database and the
// password policy. Creating an account and lifting a lock-out touch no session or access mark,
// so the command needs neither Redis nor the token signing key.
var accountSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	wire.FieldsOf(new(*conf.Bootstrap), "Data", "Auth"),
	sqldb.Open,
	identitystore.ProviderSet,
	identityConfig,
	identity.NewAccounts,
)

// passwordEnv lets scripts pass a new account's password without it showing in `ps`.
const passwordEnv = "GROUPBUY_ACCOUNT_PASSWORD"

func accountCmd(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("account: want create or unlock")
	}
	fs := flag.NewFlagSet("account "+args[0], flag.ContinueOnError)
	confPath := confFlag(fs)
	username := fs.String("username", "", "console username (a-z, 0-9, '.', '_', '-')")
	role := fs.String("role", "", "ops, finance or admin (create only)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	bc, err := loadConfig(*confPath)
	if err != nil {
		return err
	}
	uc, cleanup, err := wireAccounts(bc)
	if err != nil {
		return fmt.Errorf("build console accounts: %w", err)
	}
	defer cleanup()
	ctx := context.Background()
	switch args[0] {
	case "create":
		return createAccount(ctx, uc, *username, *role)
	case "unlock":
		a, err := uc.Unlock(ctx, *username)
		if err != nil {
			return fmt.Errorf("unlock %q: %w", *username, err)
		}
		fmt.Printf("unlocked %s (%s)\n", a.Username, a.Role)
		return nil
	}
	return fmt.Errorf("account: unknown sub-command %q, want create or unlock", args[0])
}

func createAccount(ctx context.Context, uc *identity.Accounts, username, roleName string) error {
	role, err := identity.ParseConsoleRole(roleName)
	if err != nil {
		return err
	}
	password, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	a, err := uc.CreateAccount(ctx, username, role, password)
	if errors.Is(err, bizerr.ErrConflict) {
		return fmt.Errorf("console account %q already exists", username)
	}
	if err != nil {
		return fmt.Errorf("create %q: %w", username, err)
	}
	fmt.Printf("created console account %s (%s), id %d\n", a.Username, a.Role, a.ID)
	return nil
}

// readPassword takes the password from the environment, else the first line of stdin.
func readPassword(stdin io.Reader) (string, error) {
	if p := os.Getenv(passwordEnv); p != "" {
		return p, nil
	}
	fmt.Fprintf(os.Stderr, "password (or set %s): ", passwordEnv)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	if p := strings.TrimRight(line, "\r\n"); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("no password given")
}
