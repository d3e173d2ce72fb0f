package identity

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// Accounts administers console accounts: it creates them and lifts lock-outs. It is apart from
// ConsoleUsecase because neither touches a session, a token or an access mark: the program's
// `account` command runs on the database alone, and works while Redis is down.
type Accounts struct {
	repo ConsoleRepo
	cfg  Config
}

// NewAccounts administers the accounts of repo, hashing passwords with cfg.PasswordParams.
func NewAccounts(repo ConsoleRepo, cfg Config) *Accounts {
	return &Accounts{repo: repo, cfg: cfg}
}

// CreateAccount adds a console account. Only the program's own command calls it.
func (a *Accounts) CreateAccount(ctx context.Context, username string, role Role, password string) (*ConsoleAccount, error) {
	if _, err := ParseConsoleRole(string(role)); err != nil {
		return nil, bizerr.Invalid("role", err.Error())
	}
	if err := CheckUsername(username); err != nil {
		return nil, err
	}
	if err := passhash.CheckStrength(password); err != nil {
		return nil, bizerr.Invalid("password", err.Error())
	}
	hash, err := passhash.HashWith(password, a.cfg.PasswordParams)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return a.repo.Create(ctx, &ConsoleAccount{Username: username, PasswordHash: hash, Role: role})
}

// Unlock lifts a lock-out.
func (a *Accounts) Unlock(ctx context.Context, username string) (*ConsoleAccount, error) {
	return a.repo.Unlock(ctx, username)
}
