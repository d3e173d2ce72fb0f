package data

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/consoleaccount"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

type consoleRepo struct{ data *Data }

// NewConsoleRepo stores console accounts.
func NewConsoleRepo(data *Data) identity.ConsoleRepo { return &consoleRepo{data: data} }

func (r *consoleRepo) Create(ctx context.Context, a *identity.ConsoleAccount) (*identity.ConsoleAccount, error) {
	row, err := r.data.client(ctx).ConsoleAccount.Create().
		SetUsername(a.Username).
		SetPasswordHash(a.PasswordHash).
		SetRole(consoleaccount.Role(a.Role)).
		Save(ctx)
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("create console account %q", a.Username))
	}
	return toConsoleAccount(row), nil
}

func (r *consoleRepo) GetByUsername(ctx context.Context, username string) (*identity.ConsoleAccount, error) {
	row, err := r.data.client(ctx).ConsoleAccount.Query().
		Where(consoleaccount.Username(username)).
		Only(ctx)
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("get console account %q", username))
	}
	return toConsoleAccount(row), nil
}

func (r *consoleRepo) Get(ctx context.Context, id int64) (*identity.ConsoleAccount, error) {
	row, err := r.data.client(ctx).ConsoleAccount.Get(ctx, int(id))
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("get console account %d", id))
	}
	return toConsoleAccount(row), nil
}

// RecordFailure increments in one UPDATE (no lost count under concurrent guesses), then locks
// with a second UPDATE guarded by the count, so only a count that reached the limit locks.
func (r *consoleRepo) RecordFailure(ctx context.Context, id int64, maxAttempts int,
	lockUntil time.Time) (*identity.ConsoleAccount, error) {
	var out *identity.ConsoleAccount
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		c := r.data.client(ctx)
		if err := c.ConsoleAccount.UpdateOneID(int(id)).AddFailedAttempts(1).Exec(ctx); err != nil {
			return dbErr(err, fmt.Sprintf("count failed login of console account %d", id))
		}
		err := c.ConsoleAccount.Update().
			Where(consoleaccount.ID(int(id)), consoleaccount.FailedAttemptsGTE(maxAttempts)).
			SetFailedAttempts(0).
			SetLockedUntil(lockUntil).
			Exec(ctx)
		if err != nil {
			return dbErr(err, fmt.Sprintf("lock console account %d", id))
		}
		row, err := c.ConsoleAccount.Get(ctx, int(id))
		if err != nil {
			return dbErr(err, fmt.Sprintf("reload console account %d", id))
		}
		out = toConsoleAccount(row)
		return nil
	})
	return out, err
}

func (r *consoleRepo) RecordSuccess(ctx context.Context, id int64, at time.Time) error {
	err := r.data.client(ctx).ConsoleAccount.UpdateOneID(int(id)).
		SetFailedAttempts(0).
		ClearLockedUntil().
		SetLastLoginAt(at).
		Exec(ctx)
	return dbErr(err, fmt.Sprintf("record login of console account %d", id))
}

func (r *consoleRepo) Unlock(ctx context.Context, username string) (*identity.ConsoleAccount, error) {
	n, err := r.data.client(ctx).ConsoleAccount.Update().
		Where(consoleaccount.Username(username)).
		SetFailedAttempts(0).
		ClearLockedUntil().
		Save(ctx)
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("unlock console account %q", username))
	}
	if n == 0 {
		return nil, fmt.Errorf("unlock console account %q: %w", username, bizerr.ErrNotFound)
	}
	return r.GetByUsername(ctx, username)
}

func toConsoleAccount(row *ent.ConsoleAccount) *identity.ConsoleAccount {
	return &identity.ConsoleAccount{
		ID:             int64(row.ID),
		Username:       row.Username,
		PasswordHash:   row.PasswordHash,
		Role:           identity.Role(row.Role),
		FailedAttempts: row.FailedAttempts,
		LockedUntil:    row.LockedUntil,
		Disabled:       row.Disabled,
	}
}
