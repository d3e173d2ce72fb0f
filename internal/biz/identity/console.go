package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// ConsoleUsecase signs console staff in with a password and manages their accounts.
type ConsoleUsecase struct {
	*Accounts // the API's unlock, and the demo seed's accounts

	repo     ConsoleRepo
	sessions *sessions
	cfg      Config
	checks   *passhash.Limiter
	now      port.Clock

	dummyOnce sync.Once
	dummyHash string
}

// NewConsoleUsecase wires the use case. Without cfg.PasswordChecks, one password is checked at a
// time.
func NewConsoleUsecase(repo ConsoleRepo, sessionRepo SessionRepo, issuer TokenIssuer, marks AccessMarks,
	cfg Config, now port.Clock) *ConsoleUsecase {
	checks := cfg.PasswordChecks
	if checks == nil {
		checks = passhash.NewLimiter(1)
	}
	return &ConsoleUsecase{
		Accounts: NewAccounts(repo, cfg), repo: repo, cfg: cfg, checks: checks, now: now,
		sessions: &sessions{repo: sessionRepo, issuer: issuer, marks: marks, cfg: cfg, now: now},
	}
}

// Login checks a password. Each attempt is counted as failed before the password is checked;
// beyond cfg.MaxFailedAttempts attempts in a row the account is locked for cfg.Lockout, and while
// locked even the right password is refused, so guessing — also in bursts of parallel requests —
// gains nothing. A disabled account is only reported to whoever knows its password.
//
// Every check, for a known username or not, waits for one of cfg.PasswordChecks' slots until
// ctx ends (ErrLoginBusy): an argon2id check holds its whole memory cost while it runs, and
// unknown usernames burn a check of the same cost so that their answer takes as long.
func (uc *ConsoleUsecase) Login(ctx context.Context, username, password string) (*Tokens, error) {
	acct, err := uc.repo.GetByUsername(ctx, username)
	known := err == nil
	if !known && !errors.Is(err, bizerr.ErrNotFound) {
		return nil, fmt.Errorf("look up console account: %w", err)
	}
	// The slot is taken before the attempt is counted: a login turned away for want of a slot
	// was never checked and brings the account no nearer its lock.
	release, err := uc.checks.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLoginBusy, err)
	}
	if !known {
		defer release()
		uc.burnVerify(password) // answer as slowly as for a real account: no username probing
		return nil, ErrCredentialsInvalid
	}
	now := uc.now()
	err = uc.attempt(ctx, acct, password, now)
	release()
	if err != nil {
		return nil, err
	}
	if acct.Disabled {
		return nil, ErrAccountDisabled
	}
	return uc.succeed(ctx, acct, now)
}

// attempt counts one attempt at acct and checks password; nil means it matched.
func (uc *ConsoleUsecase) attempt(ctx context.Context, acct *ConsoleAccount, password string, now time.Time) error {
	claimed, err := uc.repo.ClaimAttempt(ctx, acct.ID, now)
	if err != nil {
		return fmt.Errorf("count login attempt: %w", err)
	}
	if claimed.LockedAt(now) {
		return &LockedError{Until: *claimed.LockedUntil}
	}
	if claimed.FailedAttempts > uc.cfg.MaxFailedAttempts {
		return uc.lock(ctx, acct.ID, now) // attempts beyond the limit are not even checked
	}
	ok, err := passhash.Verify(password, acct.PasswordHash)
	if err != nil {
		return fmt.Errorf("verify password of %q: %w", acct.Username, err)
	}
	if !ok {
		if claimed.FailedAttempts >= uc.cfg.MaxFailedAttempts {
			return uc.lock(ctx, acct.ID, now)
		}
		return ErrCredentialsInvalid
	}
	return nil
}

// succeed clears the count and opens a session, unless a concurrent attempt locked the account
// meanwhile: then the lock wins.
func (uc *ConsoleUsecase) succeed(ctx context.Context, acct *ConsoleAccount, now time.Time) (*Tokens, error) {
	applied, err := uc.repo.RecordSuccess(ctx, acct.ID, now)
	if err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	if !applied {
		return nil, uc.lockedError(ctx, acct.ID)
	}
	return uc.sessions.start(ctx, Principal{Kind: SubjectConsole, ID: acct.ID, Roles: []Role{acct.Role}})
}

// lock locks the account (if no one did already) and reports the lock.
func (uc *ConsoleUsecase) lock(ctx context.Context, id int64, now time.Time) error {
	after, err := uc.repo.Lock(ctx, id, now, now.Add(uc.cfg.Lockout))
	if err != nil {
		return fmt.Errorf("lock console account: %w", err)
	}
	if after.LockedUntil == nil {
		return ErrCredentialsInvalid
	}
	return &LockedError{Until: *after.LockedUntil}
}

func (uc *ConsoleUsecase) lockedError(ctx context.Context, id int64) error {
	a, err := uc.repo.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("reload console account: %w", err)
	}
	if a.LockedUntil == nil {
		return ErrCredentialsInvalid
	}
	return &LockedError{Until: *a.LockedUntil}
}

// Me returns the signed-in console account.
func (uc *ConsoleUsecase) Me(ctx context.Context, p Principal) (*ConsoleAccount, error) {
	if p.Kind != SubjectConsole {
		return nil, fmt.Errorf("principal is a %s, not a console account: %w", p.Kind, bizerr.ErrNotFound)
	}
	return uc.repo.Get(ctx, p.ID)
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
