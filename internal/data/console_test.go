package data_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// createAccount adds a console account through the use case, so the stored hash is real.
func (s *stack) createAccount(username string) *identity.ConsoleAccount {
	s.t.Helper()
	a, err := s.consoleUsecase().CreateAccount(s.t.Context(), username, identity.RoleOps, testPassword)
	if err != nil {
		s.t.Fatalf("create console account %s: %v", username, err)
	}
	return a
}

// Creating an account stores it (hashed password, role, nothing locked); a second account with
// the same username is ErrConflict and leaves the first as it was.
func TestConsoleCreate(t *testing.T) {
	t.Parallel()
	testConsoleCreate(t, newStack(t, openPostgres(t)))
}

func testConsoleCreate(t *testing.T, s *stack) {
	ctx := t.Context()
	a := s.createAccount("alice.ops")
	if a.ID <= 0 || a.Username != "alice.ops" || a.Role != identity.RoleOps || a.FailedAttempts != 0 ||
		a.LockedUntil != nil || a.Disabled {
		t.Errorf("created account = %+v", a)
	}
	if a.PasswordHash == "" || strings.Contains(a.PasswordHash, testPassword) {
		t.Errorf("password hash %q is empty or holds the password", a.PasswordHash)
	}
	got, err := s.consoles.GetByUsername(ctx, "alice.ops")
	if err != nil || got.ID != a.ID || got.PasswordHash != a.PasswordHash {
		t.Fatalf("GetByUsername = %+v, %v; want account %d", got, err, a.ID)
	}
	if got, err := s.consoles.Get(ctx, a.ID); err != nil || got.Username != "alice.ops" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	for _, dup := range []*identity.ConsoleAccount{
		{Username: "alice.ops", PasswordHash: "other-hash", Role: identity.RoleFinance},
		{Username: "alice.ops", PasswordHash: a.PasswordHash, Role: identity.RoleOps},
	} {
		_, err := s.consoles.Create(ctx, dup)
		if !errors.Is(err, bizerr.ErrConflict) {
			t.Errorf("duplicate username (role %s): err = %v, want ErrConflict", dup.Role, err)
		}
	}
	// Through the use case too.
	if _, err := s.consoleUsecase().CreateAccount(ctx, "alice.ops", identity.RoleAdmin, testPassword); !errors.Is(err, bizerr.ErrConflict) {
		t.Errorf("CreateAccount duplicate: err = %v, want ErrConflict", err)
	}
	if n := s.count("SELECT count(*) FROM console_accounts WHERE username = $1", "alice.ops"); n != 1 {
		t.Errorf("rows for alice.ops = %d, want 1", n)
	}
	if got, _ := s.consoles.Get(ctx, a.ID); got.Role != identity.RoleOps || got.PasswordHash != a.PasswordHash {
		t.Errorf("first account changed by the failed duplicate: %+v", got)
	}
}

// RecordFailure counts up to the limit and locks exactly when the count reaches it, resetting
// the count; the failure after that counts afresh without moving the lock. RecordSuccess then
// clears both and notes the login.
func TestConsoleRecordFailureLocksAtLimit(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	for _, limit := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			a := s.createAccount(fmt.Sprintf("limit-%d", limit))
			lockUntil := s.clock.Now().Add(time.Hour)
			for i := 1; i < limit; i++ {
				after, err := s.consoles.RecordFailure(ctx, a.ID, limit, lockUntil)
				if err != nil {
					t.Fatalf("failure %d: %v", i, err)
				}
				if after.FailedAttempts != i || after.LockedUntil != nil {
					t.Fatalf("after failure %d of %d: attempts %d, locked until %v; want %d, unlocked",
						i, limit, after.FailedAttempts, after.LockedUntil, i)
				}
			}
			after, err := s.consoles.RecordFailure(ctx, a.ID, limit, lockUntil)
			if err != nil {
				t.Fatalf("failure %d: %v", limit, err)
			}
			if after.LockedUntil == nil || !after.LockedUntil.Equal(lockUntil) || after.FailedAttempts != 0 {
				t.Fatalf("at the limit: attempts %d, locked until %v; want 0, %v", after.FailedAttempts, after.LockedUntil, lockUntil)
			}
			if !after.LockedAt(s.clock.Now()) {
				t.Errorf("account not locked now")
			}

			if limit > 1 {
				later := lockUntil.Add(time.Hour)
				again, err := s.consoles.RecordFailure(ctx, a.ID, limit, later)
				if err != nil {
					t.Fatalf("failure after lock: %v", err)
				}
				if again.FailedAttempts != 1 || again.LockedUntil == nil || !again.LockedUntil.Equal(lockUntil) {
					t.Errorf("failure after lock: attempts %d, locked until %v; want 1, %v (lock not moved)",
						again.FailedAttempts, again.LockedUntil, lockUntil)
				}
			}

			at := s.clock.Now()
			if err := s.consoles.RecordSuccess(ctx, a.ID, at); err != nil {
				t.Fatalf("record success: %v", err)
			}
			cleared, err := s.consoles.Get(ctx, a.ID)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if cleared.FailedAttempts != 0 || cleared.LockedUntil != nil {
				t.Errorf("after RecordSuccess: attempts %d, locked until %v; want 0, nil", cleared.FailedAttempts, cleared.LockedUntil)
			}
			var last any
			if err := s.db.SQL.QueryRowContext(ctx, s.q("SELECT last_login_at FROM console_accounts WHERE id = $1"), a.ID).Scan(&last); err != nil {
				t.Fatalf("read last_login_at: %v", err)
			}
			if got := s.timeValue(last); !got.Valid || !got.Time.Equal(at) {
				t.Errorf("last_login_at = %v, want %v", got, at)
			}
		})
	}
}

// Concurrent failures are all counted: the increment is one UPDATE, not read-modify-write.
func TestConsoleRecordFailureConcurrentCount(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	a := s.createAccount("counted")
	const n = 20
	errs := make([]error, n)
	waitAll(t, n, time.Minute, func(i int) {
		_, errs[i] = s.consoles.RecordFailure(t.Context(), a.ID, 1000, s.clock.Now().Add(time.Hour))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	got, err := s.consoles.Get(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.FailedAttempts != n || got.LockedUntil != nil {
		t.Errorf("after %d concurrent failures: attempts %d, locked %v; want %d, unlocked", n, got.FailedAttempts, got.LockedUntil, n)
	}
}

// Twenty wrong passwords at once through ConsoleUsecase.Login: every answer is "wrong
// credentials" or "locked", nothing panics or deadlocks, at least one caller is told about the
// lock, and afterwards the account is locked so even the right password is refused.
func TestConsoleConcurrentFailedLoginsLock(t *testing.T) {
	t.Parallel()
	testConcurrentFailedLogins(t, newStack(t, openPostgres(t)))
}

func testConcurrentFailedLogins(t *testing.T, s *stack) {
	uc := s.consoleUsecase()
	s.createAccount("target")
	const n = 20
	errs := make([]error, n)
	var panics atomic.Int32
	waitAll(t, n, time.Minute, func(i int) {
		defer func() {
			if p := recover(); p != nil {
				panics.Add(1)
				errs[i] = fmt.Errorf("panic: %v", p)
			}
		}()
		tokens, err := uc.Login(t.Context(), "target", fmt.Sprintf("Wrong-password-%02d", i))
		if tokens != nil {
			err = errors.Join(err, errors.New("got tokens for a wrong password"))
		}
		errs[i] = err
	})
	if panics.Load() > 0 {
		t.Errorf("%d logins panicked", panics.Load())
	}
	locked := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, identity.ErrAccountLocked):
			locked++
			var le *identity.LockedError
			if !errors.As(err, &le) || !le.Until.Equal(s.clock.Now().Add(testConfig.Lockout)) {
				t.Errorf("goroutine %d: lock error %v, want until %v", i, err, s.clock.Now().Add(testConfig.Lockout))
			}
		case errors.Is(err, identity.ErrCredentialsInvalid):
		default:
			t.Errorf("goroutine %d: err = %v, want ErrCredentialsInvalid or ErrAccountLocked", i, err)
		}
	}
	if locked == 0 {
		t.Errorf("no login was told the account got locked")
	}
	acct, err := s.consoles.GetByUsername(t.Context(), "target")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !acct.LockedAt(s.clock.Now()) {
		t.Errorf("after %d concurrent failures the account is not locked: %+v", n, acct)
	}
	if acct.FailedAttempts >= testConfig.MaxFailedAttempts {
		t.Errorf("failed_attempts = %d at or over the limit %d without a reset", acct.FailedAttempts, testConfig.MaxFailedAttempts)
	}
	if _, err := uc.Login(t.Context(), "target", testPassword); !errors.Is(err, identity.ErrAccountLocked) {
		t.Errorf("right password while locked: err = %v, want ErrAccountLocked", err)
	}
}

// Unlock lifts a lock and clears the count; unlocking an unknown username is ErrNotFound.
func TestConsoleUnlock(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	uc := s.consoleUsecase()
	if _, err := uc.Unlock(ctx, "nobody"); !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("unlock of a missing account: err = %v, want ErrNotFound", err)
	}
	a := s.createAccount("locked.out")
	for range testConfig.MaxFailedAttempts {
		_, _ = uc.Login(ctx, "locked.out", "Wrong-password-1")
	}
	if _, err := uc.Login(ctx, "locked.out", testPassword); !errors.Is(err, identity.ErrAccountLocked) {
		t.Fatalf("after %d failures: err = %v, want ErrAccountLocked", testConfig.MaxFailedAttempts, err)
	}
	_, _ = s.consoles.RecordFailure(ctx, a.ID, testConfig.MaxFailedAttempts, s.clock.Now().Add(time.Hour))
	unlocked, err := uc.Unlock(ctx, "locked.out")
	if err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if unlocked.ID != a.ID || unlocked.LockedUntil != nil || unlocked.FailedAttempts != 0 {
		t.Errorf("unlocked account = %+v", unlocked)
	}
	if tokens, err := uc.Login(ctx, "locked.out", testPassword); err != nil || tokens.Principal.ID != a.ID {
		t.Errorf("login after unlock: %v", err)
	}
}

// The lock lasts exactly cfg.Lockout on the use case's clock: refused until then, and the right
// password works from the moment it lifts (clearing the lock in the database). A wrong password
// after the lift counts afresh rather than re-locking at once.
func TestConsoleLockoutExpires(t *testing.T) {
	t.Parallel()
	testLockoutExpires(t, newStack(t, openPostgres(t)))
}

func testLockoutExpires(t *testing.T, s *stack) {
	ctx := t.Context()
	uc := s.consoleUsecase()
	a := s.createAccount("expiring")
	lockedAt := s.clock.Now()
	var err error
	for i := range testConfig.MaxFailedAttempts {
		_, err = uc.Login(ctx, "expiring", "Wrong-password-1")
		if i < testConfig.MaxFailedAttempts-1 && !errors.Is(err, identity.ErrCredentialsInvalid) {
			t.Fatalf("failure %d: err = %v, want ErrCredentialsInvalid", i+1, err)
		}
	}
	var le *identity.LockedError
	if !errors.As(err, &le) || !le.Until.Equal(lockedAt.Add(testConfig.Lockout)) {
		t.Fatalf("failure at the limit: err = %v, want LockedError until %v", err, lockedAt.Add(testConfig.Lockout))
	}

	for _, step := range []struct {
		at         time.Duration // since the lock
		wantLocked bool
	}{
		{0, true},
		{time.Minute, true},
		{testConfig.Lockout - time.Second, true},
		{testConfig.Lockout, false},
	} {
		s.clock.Set(lockedAt.Add(step.at))
		tokens, err := uc.Login(ctx, "expiring", testPassword)
		if step.wantLocked {
			if !errors.Is(err, identity.ErrAccountLocked) || tokens != nil {
				t.Errorf("%v after the lock: err = %v, want ErrAccountLocked", step.at, err)
			}
			continue
		}
		if err != nil || tokens.Principal.ID != a.ID {
			t.Fatalf("%v after the lock: err = %v, want a login", step.at, err)
		}
	}
	acct, err := s.consoles.Get(ctx, a.ID)
	if err != nil || acct.LockedUntil != nil || acct.FailedAttempts != 0 {
		t.Errorf("after the login that followed the lock: %+v, %v; want cleared", acct, err)
	}
	if _, err := uc.Login(ctx, "expiring", "Wrong-password-1"); !errors.Is(err, identity.ErrCredentialsInvalid) {
		t.Errorf("first failure after the lock lifted: err = %v, want ErrCredentialsInvalid", err)
	}
}
