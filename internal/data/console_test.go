package data_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
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

// ClaimAttempt counts attempts while the account is unlocked and refuses to count against a
// lock; Lock locks once (a second Lock does not move it); RecordSuccess clears the count but not a
// lock that is in force, and notes the login.
func TestConsoleAttemptsAndLock(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	a := s.createAccount("attempts")
	now := s.clock.Now()
	for i := 1; i <= 3; i++ {
		after, err := s.consoles.ClaimAttempt(ctx, a.ID, now)
		if err != nil || after.FailedAttempts != i || after.LockedUntil != nil {
			t.Fatalf("attempt %d: %+v, %v; want count %d, unlocked", i, after, err, i)
		}
	}
	until := now.Add(time.Hour)
	locked, err := s.consoles.Lock(ctx, a.ID, now, until)
	if err != nil || locked.LockedUntil == nil || !locked.LockedUntil.Equal(until) || locked.FailedAttempts != 0 {
		t.Fatalf("lock: %+v, %v; want locked until %v, count 0", locked, err, until)
	}
	if again, _ := s.consoles.Lock(ctx, a.ID, now, until.Add(time.Hour)); !again.LockedUntil.Equal(until) {
		t.Errorf("a second lock moved the first: %v", again.LockedUntil)
	}
	if during, _ := s.consoles.ClaimAttempt(ctx, a.ID, now); during.FailedAttempts != 0 {
		t.Errorf("an attempt was counted against a lock: count %d", during.FailedAttempts)
	}
	if applied, err := s.consoles.RecordSuccess(ctx, a.ID, now); err != nil || applied {
		t.Errorf("a success cleared a lock in force: applied %v, %v", applied, err)
	}

	after := until.Add(time.Second)
	if claimed, _ := s.consoles.ClaimAttempt(ctx, a.ID, after); claimed.FailedAttempts != 1 {
		t.Errorf("after the lock expired: count %d, want 1", claimed.FailedAttempts)
	}
	if applied, err := s.consoles.RecordSuccess(ctx, a.ID, after); err != nil || !applied {
		t.Fatalf("record success after the lock: %v, %v", applied, err)
	}
	cleared, err := s.consoles.Get(ctx, a.ID)
	if err != nil || cleared.FailedAttempts != 0 || cleared.LockedUntil != nil {
		t.Errorf("after RecordSuccess: %+v, %v; want count 0, unlocked", cleared, err)
	}
	var last any
	if err := s.db.SQL.QueryRowContext(ctx, s.q("SELECT last_login_at FROM console_accounts WHERE id = $1"), a.ID).Scan(&last); err != nil {
		t.Fatalf("read last_login_at: %v", err)
	}
	if got := s.timeValue(last); !got.Valid || !got.Time.Equal(after) {
		t.Errorf("last_login_at = %v, want %v", got, after)
	}
}

// Concurrent attempts are all counted: the increment is one UPDATE, not read-modify-write.
func TestConsoleConcurrentAttemptsCount(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	a := s.createAccount("counted")
	const n = 20
	errs := make([]error, n)
	waitAll(t, n, time.Minute, func(i int) {
		_, errs[i] = s.consoles.ClaimAttempt(t.Context(), a.ID, s.clock.Now())
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
		t.Errorf("after %d concurrent attempts: count %d, locked %v; want %d, unlocked", n, got.FailedAttempts, got.LockedUntil, n)
	}
}

// A burst of guesses with the right password last cannot outrun the lock: at most the limit's
// worth of attempts is checked, so the right password in a burst of 40 is refused as locked.
func TestConsoleBurstCannotOutrunTheLock(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	uc := s.consoleUsecase()
	s.createAccount("burst")
	const n = 40
	errs := make([]error, n)
	tokens := make([]*identity.Tokens, n)
	waitAll(t, n, time.Minute, func(i int) {
		password := fmt.Sprintf("Wrong-password-%02d", i)
		if i == n-1 {
			// The right password goes once the burst's claims reach the limit, while their
			// slow password checks may still be running: a sleep here raced a loaded machine.
			waitForClaims(t, s, "burst", testConfig.MaxFailedAttempts)
			password = testPassword
		}
		tokens[i], errs[i] = uc.Login(t.Context(), "burst", password)
	})
	invalid := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, identity.ErrCredentialsInvalid):
			invalid++
		case errors.Is(err, identity.ErrAccountLocked):
		case i == n-1 && err == nil:
			t.Errorf("the right password got in after %d guesses in the same burst", n-1)
		default:
			t.Errorf("attempt %d: %v", i, err)
		}
	}
	if invalid >= testConfig.MaxFailedAttempts {
		t.Errorf("%d wrong passwords were checked; at most %d may be before the lock", invalid, testConfig.MaxFailedAttempts-1)
	}
	if _, err := uc.Login(t.Context(), "burst", testPassword); !errors.Is(err, identity.ErrAccountLocked) {
		t.Errorf("after the burst the right password: %v, want locked", err)
	}
}

// Password checks are bounded: while every slot is taken, a login for a known and for an unknown
// username alike waits and, when its deadline passes, is refused as busy without counting an
// attempt; once a slot is free both are checked as usual.
func TestConsoleLoginWaitsForABoundedCheck(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	cfg := testConfig
	cfg.PasswordChecks = passhash.NewLimiter(2)
	bc := s.config()
	bc.Identity = cfg
	uc := s.build(s.clock.Now, datatest.NoWechat(), bc).Console
	s.createAccount("bounded")
	var held []func()
	for range 2 {
		release, err := cfg.PasswordChecks.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	for _, login := range []struct{ username, password string }{
		{"bounded", testPassword}, {"bounded", "Wrong-password-01"}, {"nobody.here", testPassword},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		tokens, err := uc.Login(ctx, login.username, login.password)
		cancel()
		if tokens != nil || !errors.Is(err, identity.ErrLoginBusy) {
			t.Errorf("%s while every check is taken: %v, want ErrLoginBusy", login.username, err)
		}
	}
	if a, err := s.consoles.GetByUsername(t.Context(), "bounded"); err != nil || a.FailedAttempts != 0 {
		t.Errorf("attempts counted for logins that were never checked: %+v, %v", a, err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := uc.Login(t.Context(), "nobody.here", testPassword)
		done <- err
	}()
	held[0]() // a waiting login takes the freed slot
	if err := <-done; !errors.Is(err, identity.ErrCredentialsInvalid) {
		t.Errorf("unknown username once a check is free: %v", err)
	}
	if _, err := uc.Login(t.Context(), "bounded", testPassword); err != nil {
		t.Errorf("right password once a check is free: %v", err)
	}
	held[1]()
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
	_, _ = s.consoles.ClaimAttempt(ctx, a.ID, s.clock.Now()) // a count under the lock, cleared by Unlock too
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

// waitForClaims waits until username's account has counted at least n attempts, or is locked.
func waitForClaims(t *testing.T, s *stack, username string, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		a, err := s.consoles.GetByUsername(context.Background(), username)
		if err == nil && (a.FailedAttempts >= n || a.LockedUntil != nil) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("%s: fewer than %d attempts counted in 30 s", username, n)
}
