package identitystore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/consoleaccount"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type consoleRepo struct{ data *sqldb.DB }

// NewConsoleRepo stores console accounts.
func NewConsoleRepo(data *sqldb.DB) identity.ConsoleRepo { return &consoleRepo{data: data} }

func (r *consoleRepo) Create(ctx context.Context, a *identity.ConsoleAccount) (*identity.ConsoleAccount, error) {
	row, err := r.data.Client(ctx).ConsoleAccount.Create().
		SetUsername(a.Username).
		SetPasswordHash(a.PasswordHash).
		SetRole(consoleaccount.Role(a.Role)).
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("create console account %q", a.Username))
	}
	return toConsoleAccount(row), nil
}

func (r *consoleRepo) GetByUsername(ctx context.Context, username string) (*identity.ConsoleAccount, error) {
	row, err := r.data.Client(ctx).ConsoleAccount.Query().
		Where(consoleaccount.Username(username)).
		Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get console account %q", username))
	}
	return toConsoleAccount(row), nil
}

func (r *consoleRepo) Get(ctx context.Context, id int64) (*identity.ConsoleAccount, error) {
	row, err := r.data.Client(ctx).ConsoleAccount.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get console account %d", id))
	}
	return toConsoleAccount(row), nil
}

// notLockedAt matches accounts not locked at now.
func notLockedAt(now time.Time) predicate.ConsoleAccount {
	return consoleaccount.Or(consoleaccount.LockedUntilIsNil(), consoleaccount.LockedUntilLTE(now))
}

// ClaimAttempt increments in one UPDATE guarded by the lock, so concurrent attempts are all
// counted and none is counted against a locked account.
func (r *consoleRepo) ClaimAttempt(ctx context.Context, id int64, now time.Time) (*identity.ConsoleAccount, error) {
	c := r.data.Client(ctx)
	err := c.ConsoleAccount.Update().
		Where(consoleaccount.ID(int(id)), notLockedAt(now)).
		AddFailedAttempts(1).
		Exec(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("count attempt on console account %d", id))
	}
	return r.Get(ctx, id)
}

func (r *consoleRepo) Lock(ctx context.Context, id int64, now, until time.Time) (*identity.ConsoleAccount, error) {
	err := r.data.Client(ctx).ConsoleAccount.Update().
		Where(consoleaccount.ID(int(id)), notLockedAt(now)).
		SetLockedUntil(until).
		SetFailedAttempts(0).
		Exec(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("lock console account %d", id))
	}
	return r.Get(ctx, id)
}

func (r *consoleRepo) RecordSuccess(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := r.data.Client(ctx).ConsoleAccount.Update().
		Where(consoleaccount.ID(int(id)), notLockedAt(now)).
		SetFailedAttempts(0).
		ClearLockedUntil().
		SetLastLoginAt(now).
		Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("record login of console account %d", id))
	}
	return n == 1, nil
}

func (r *consoleRepo) Unlock(ctx context.Context, username string) (*identity.ConsoleAccount, error) {
	n, err := r.data.Client(ctx).ConsoleAccount.Update().
		Where(consoleaccount.Username(username)).
		SetFailedAttempts(0).
		ClearLockedUntil().
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("unlock console account %q", username))
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
