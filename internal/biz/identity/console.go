package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// ConsoleUsecase signs console staff in with a password and manages their accounts.
type ConsoleUsecase struct {
	repo     ConsoleRepo
	sessions *sessions
	cfg      Config
	now      port.Clock

	dummyOnce sync.Once
	dummyHash string
}

// NewConsoleUsecase wires the use case.
func NewConsoleUsecase(repo ConsoleRepo, sessionRepo SessionRepo, issuer TokenIssuer, cfg Config,
	now port.Clock) *ConsoleUsecase {
	return &ConsoleUsecase{
		repo: repo, cfg: cfg, now: now,
		sessions: &sessions{repo: sessionRepo, issuer: issuer, cfg: cfg, now: now},
	}
}

// Login checks a password. After cfg.MaxFailedAttempts failures in a row the account is locked for
// cfg.Lockout; while locked even the right password is refused, so guessing gains nothing.
func (uc *ConsoleUsecase) Login(ctx context.Context, username, password string) (*Tokens, error) {
	acct, err := uc.repo.GetByUsername(ctx, username)
	if errors.Is(err, bizerr.ErrNotFound) {
		uc.burnVerify(password) // answer as slowly as for a real account: no username probing
		return nil, ErrCredentialsInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("look up console account: %w", err)
	}
	now := uc.now()
	if acct.Disabled {
		return nil, ErrAccountDisabled
	}
	if acct.LockedAt(now) {
		return nil, &LockedError{Until: *acct.LockedUntil}
	}
	ok, err := passhash.Verify(password, acct.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("verify password of %q: %w", username, err)
	}
	if !ok {
		return nil, uc.fail(ctx, acct)
	}
	if err := uc.repo.RecordSuccess(ctx, acct.ID, now); err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	return uc.sessions.start(ctx, Principal{Kind: SubjectConsole, ID: acct.ID, Roles: []Role{acct.Role}})
}

// fail counts a failed login and reports the lock when this failure caused one.
func (uc *ConsoleUsecase) fail(ctx context.Context, acct *ConsoleAccount) error {
	now := uc.now()
	after, err := uc.repo.RecordFailure(ctx, acct.ID, uc.cfg.MaxFailedAttempts, now.Add(uc.cfg.Lockout))
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	if after.LockedAt(now) {
		return &LockedError{Until: *after.LockedUntil}
	}
	return ErrCredentialsInvalid
}

// Me returns the signed-in console account.
func (uc *ConsoleUsecase) Me(ctx context.Context, p Principal) (*ConsoleAccount, error) {
	if p.Kind != SubjectConsole {
		return nil, fmt.Errorf("principal is a %s, not a console account: %w", p.Kind, bizerr.ErrNotFound)
	}
	return uc.repo.Get(ctx, p.ID)
}

// CreateAccount adds a console account. Only the program's own command calls it.
func (uc *ConsoleUsecase) CreateAccount(ctx context.Context, username string, role Role, password string) (*ConsoleAccount, error) {
	if _, err := ParseConsoleRole(string(role)); err != nil {
		return nil, bizerr.Invalid("role", err.Error())
	}
	if err := CheckUsername(username); err != nil {
		return nil, err
	}
	if err := passhash.CheckStrength(password); err != nil {
		return nil, bizerr.Invalid("password", err.Error())
	}
	hash, err := passhash.HashWith(password, uc.cfg.PasswordParams)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return uc.repo.Create(ctx, &ConsoleAccount{Username: username, PasswordHash: hash, Role: role})
}

// Unlock lifts a lock-out.
func (uc *ConsoleUsecase) Unlock(ctx context.Context, username string) (*ConsoleAccount, error) {
	return uc.repo.Unlock(ctx, username)
}

const usernameChars = "abcdefghijklmnopqrstuvwxyz0123456789._-"

// CheckUsername accepts 3 to 64 of a-z, 0-9, '.', '_' and '-', as the API does.
func CheckUsername(username string) error {
	if len(username) < 3 || len(username) > 64 {
		return bizerr.Invalid("username", "must be 3 to 64 characters")
	}
	for _, c := range username {
		if !strings.ContainsRune(usernameChars, c) {
			return bizerr.Invalid("username", "may hold only a-z, 0-9, '.', '_' and '-'")
		}
	}
	return nil
}

// burnVerify spends the time of one password check against a throwaway hash of the same cost.
func (uc *ConsoleUsecase) burnVerify(password string) {
	uc.dummyOnce.Do(func() { uc.dummyHash, _ = passhash.HashWith("not-a-real-password", uc.cfg.PasswordParams) })
	_, _ = passhash.Verify(password, uc.dummyHash)
}
