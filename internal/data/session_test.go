package data_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// tokenHash is how sessions are stored: SHA-256 of the refresh token, in hex.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newSession stores a session of family for user 1 with a random token hash.
func (s *stack) newSession(family string) *identity.Session {
	s.t.Helper()
	sess := &identity.Session{
		Kind: identity.SubjectUser, SubjectID: 1, Family: family,
		TokenHash: tokenHash(rand.Text()), ExpiresAt: s.clock.Now().Add(time.Hour),
	}
	if err := s.sessions.Create(s.t.Context(), sess); err != nil {
		s.t.Fatalf("create session: %v", err)
	}
	if sess.ID <= 0 {
		s.t.Fatalf("Create left session id %d", sess.ID)
	}
	return sess
}

func (s *stack) session(token string) *identity.Session {
	s.t.Helper()
	sess, err := s.sessions.GetByHash(s.t.Context(), tokenHash(token))
	if err != nil {
		s.t.Fatalf("get session: %v", err)
	}
	return sess
}

// Create and GetByHash round-trip every field; a second session with the same hash conflicts.
func TestSessionCreateGet(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	want := s.newSession("family-a")
	got, err := s.sessions.GetByHash(ctx, want.TokenHash)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.ID != want.ID || got.Kind != want.Kind || got.SubjectID != want.SubjectID || got.Family != want.Family ||
		got.TokenHash != want.TokenHash || !got.ExpiresAt.Equal(want.ExpiresAt) || got.UsedAt != nil || got.RevokedAt != nil {
		t.Errorf("GetByHash = %+v, want %+v", got, want)
	}
	dup := *want
	if err := s.sessions.Create(ctx, &dup); !errors.Is(err, bizerr.ErrConflict) {
		t.Errorf("second session with the same hash: err = %v, want ErrConflict", err)
	}
}

// MarkUsed is a compare-and-set in the database: of thirty concurrent claims exactly one wins,
// the used time is the winner's, and a used, revoked or unknown session is never claimed.
func TestSessionMarkUsedCompareAndSet(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testMarkUsedRace(t, s, 30)

	ctx := t.Context()
	revoked := s.newSession("family-revoked")
	if err := s.sessions.RevokeFamily(ctx, "family-revoked", s.clock.Now()); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	for _, tc := range []struct {
		name string
		id   int64
	}{
		{"revoked", revoked.ID},
		{"unknown", 987654321},
	} {
		won, err := s.sessions.MarkUsed(ctx, tc.id, s.clock.Now())
		if err != nil || won {
			t.Errorf("MarkUsed of a %s session = %v, %v; want false, nil", tc.name, won, err)
		}
	}
}

func testMarkUsedRace(t *testing.T, s *stack, n int) {
	sess := s.newSession("family-race")
	base := s.clock.Now()
	wins := make([]bool, n)
	errs := make([]error, n)
	waitAll(t, n, time.Minute, func(i int) {
		wins[i], errs[i] = s.sessions.MarkUsed(t.Context(), sess.ID, base.Add(time.Duration(i)*time.Second))
	})
	winner := -1
	for i := range n {
		if errs[i] != nil {
			t.Errorf("goroutine %d: %v", i, errs[i])
		}
		if wins[i] {
			if winner >= 0 {
				t.Errorf("goroutines %d and %d both claimed the session", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no goroutine claimed the session")
	}
	got, err := s.sessions.GetByHash(t.Context(), sess.TokenHash)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if want := base.Add(time.Duration(winner) * time.Second); got.UsedAt == nil || !got.UsedAt.Equal(want) {
		t.Errorf("used_at = %v, want the winner's %v", got.UsedAt, want)
	}
}

// RevokeFamily revokes every session of the family, used or not, leaves other families alone,
// and does not move the time of sessions already revoked.
func TestSessionRevokeFamily(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	a1, a2, a3 := s.newSession("family-a"), s.newSession("family-a"), s.newSession("family-a")
	b := s.newSession("family-b")
	if won, err := s.sessions.MarkUsed(ctx, a1.ID, s.clock.Now()); err != nil || !won {
		t.Fatalf("mark used: %v %v", won, err)
	}
	first := s.clock.Advance(time.Minute)
	if err := s.sessions.RevokeFamily(ctx, "family-a", first); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	later := s.clock.Advance(time.Minute)
	if err := s.sessions.RevokeFamily(ctx, "family-a", later); err != nil {
		t.Fatalf("revoke again: %v", err)
	}
	for _, sess := range []*identity.Session{a1, a2, a3} {
		got, err := s.sessions.GetByHash(ctx, sess.TokenHash)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
			t.Errorf("session %d revoked_at = %v, want %v", sess.ID, got.RevokedAt, first)
		}
	}
	if got, _ := s.sessions.GetByHash(ctx, b.TokenHash); got.RevokedAt != nil {
		t.Errorf("session of another family revoked at %v", got.RevokedAt)
	}
	if err := s.sessions.RevokeFamily(ctx, "family-none", later); err != nil {
		t.Errorf("revoking an unknown family: %v, want nil", err)
	}
}

// Refresh through the real database: each refresh rotates the token within the family (the old
// row used, a new row added), roles are read afresh, and presenting a used token revokes the
// whole family, the successor included, so neither the thief nor the victim keeps a session.
func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testRefreshRotationAndReuse(t, s)
}

func testRefreshRotationAndReuse(t *testing.T, s *stack) {
	ctx := t.Context()
	wx := s.wechat()
	uc := s.authUsecase(wx)
	t1 := s.login(wx, uc, "openid-refresh")
	family := s.session(t1.RefreshToken).Family
	if !slices.Equal(t1.Principal.Roles, []identity.Role{identity.RoleShopper}) {
		t.Errorf("login roles = %v, want [shopper]", t1.Principal.Roles)
	}

	// The user is approved as a leader between two refreshes.
	err := s.db.Ent.User.UpdateOneID(int(t1.Principal.ID)).SetRoles([]string{"shopper", "leader"}).Exec(ctx)
	if err != nil {
		t.Fatalf("make the user a leader: %v", err)
	}
	t2, err := uc.Refresh(ctx, t1.RefreshToken)
	if err != nil {
		t.Fatalf("refresh 1: %v", err)
	}
	if t2.RefreshToken == t1.RefreshToken || t2.AccessToken == "" {
		t.Errorf("refresh did not rotate the token")
	}
	if !t2.Principal.Has(identity.RoleLeader) || t2.Principal.ID != t1.Principal.ID {
		t.Errorf("principal after refresh = %+v, want user %d with leader", t2.Principal, t1.Principal.ID)
	}
	old, next := s.session(t1.RefreshToken), s.session(t2.RefreshToken)
	if old.UsedAt == nil || old.RevokedAt != nil {
		t.Errorf("rotated-out session: used %v revoked %v; want used, not revoked", old.UsedAt, old.RevokedAt)
	}
	if next.Family != family || next.UsedAt != nil || next.SubjectID != t1.Principal.ID || next.Kind != identity.SubjectUser {
		t.Errorf("successor session = %+v, want unused, family %s, user %d", next, family, t1.Principal.ID)
	}
	t3, err := uc.Refresh(ctx, t2.RefreshToken)
	if err != nil {
		t.Fatalf("refresh 2: %v", err)
	}
	if n := s.count("SELECT count(*) FROM sessions WHERE family = $1", family); n != 3 {
		t.Errorf("sessions in the family = %d, want 3", n)
	}

	// The first token shows up again: it leaked.
	if _, err := uc.Refresh(ctx, t1.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenReused) {
		t.Fatalf("reuse of a rotated token: err = %v, want ErrRefreshTokenReused", err)
	}
	if n := s.count("SELECT count(*) FROM sessions WHERE family = $1 AND revoked_at IS NULL", family); n != 0 {
		t.Errorf("%d sessions of the family still unrevoked after reuse (the revocation must commit)", n)
	}
	if _, err := uc.Refresh(ctx, t3.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenInvalid) {
		t.Errorf("successor after reuse: err = %v, want ErrRefreshTokenInvalid", err)
	}
	if _, err := uc.Refresh(ctx, t2.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenReused) {
		t.Errorf("used token of a revoked family: err = %v, want ErrRefreshTokenReused", err)
	}
	if _, err := uc.Refresh(ctx, "not-a-token"); !errors.Is(err, identity.ErrRefreshTokenInvalid) {
		t.Errorf("unknown token: err = %v, want ErrRefreshTokenInvalid", err)
	}

	// Logout revokes the family of a fresh login; another login's family is untouched.
	t4, t5 := s.login(wx, uc, "openid-refresh"), s.login(wx, uc, "openid-refresh")
	if _, err := uc.Logout(ctx, t4.RefreshToken); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, err := uc.Refresh(ctx, t4.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenInvalid) {
		t.Errorf("refresh after logout: err = %v, want ErrRefreshTokenInvalid", err)
	}
	if _, err := uc.Refresh(ctx, t5.RefreshToken); err != nil {
		t.Errorf("other session after logout: %v", err)
	}
}

// Several refreshes of one token at once (a client racing itself, or a thief): exactly one gets
// tokens, the others are told of reuse, and the winner's new token is revoked with the family.
func TestRefreshConcurrentReuse(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	wx := s.wechat()
	uc := s.authUsecase(wx)
	tokens := s.login(wx, uc, "openid-racer")
	const n = 8
	results := make([]*identity.Tokens, n)
	errs := make([]error, n)
	waitAll(t, n, time.Minute, func(i int) {
		results[i], errs[i] = uc.Refresh(t.Context(), tokens.RefreshToken)
	})
	var winner *identity.Tokens
	for i := range n {
		switch {
		case errs[i] == nil:
			if winner != nil {
				t.Errorf("two refreshes of one token succeeded")
			}
			winner = results[i]
		case !errors.Is(errs[i], identity.ErrRefreshTokenReused):
			t.Errorf("goroutine %d: err = %v, want ErrRefreshTokenReused", i, errs[i])
		}
	}
	if winner == nil {
		t.Fatalf("no refresh succeeded")
	}
	if _, err := uc.Refresh(t.Context(), winner.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenInvalid) {
		t.Errorf("winner's token after the race: err = %v, want ErrRefreshTokenInvalid (family revoked)", err)
	}
}

// A refresh token works until just before its expiry on the use case's clock and is refused
// from the expiry on, without being marked used.
func TestRefreshExpired(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	wx := s.wechat()
	uc := s.authUsecase(wx)
	for _, tc := range []struct {
		after   time.Duration
		wantErr error
	}{
		{testConfig.RefreshTTL - time.Second, nil},
		{testConfig.RefreshTTL, identity.ErrRefreshTokenInvalid},
		{testConfig.RefreshTTL + 24*time.Hour, identity.ErrRefreshTokenInvalid},
	} {
		t.Run(fmt.Sprint(tc.after), func(t *testing.T) {
			issued := s.clock.Now()
			tokens := s.login(wx, uc, "openid-expiry")
			s.clock.Set(issued.Add(tc.after))
			_, err := uc.Refresh(t.Context(), tokens.RefreshToken)
			if !errors.Is(err, tc.wantErr) && (err != nil || tc.wantErr != nil) {
				t.Fatalf("refresh %v after login: err = %v, want %v", tc.after, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if sess := s.session(tokens.RefreshToken); sess.UsedAt != nil || sess.RevokedAt != nil {
					t.Errorf("expired session was changed: %+v", sess)
				}
			}
		})
	}
}

// InTx commits nothing when fn fails or panics: the user and session written inside are gone.
func TestInTxRollback(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testInTx(t, s)
}

func testInTx(t *testing.T, s *stack) {
	ctx := t.Context()
	write := func(ctx context.Context, openid string) error {
		u, err := s.users.UpsertByOpenID(ctx, openid, "", []identity.Role{identity.RoleShopper}, s.clock.Now())
		if err != nil {
			return err
		}
		return s.sessions.Create(ctx, &identity.Session{
			Kind: identity.SubjectUser, SubjectID: u.ID, Family: "family-" + openid,
			TokenHash: tokenHash(openid), ExpiresAt: s.clock.Now().Add(time.Hour),
		})
	}
	written := func(openid string) (users, sessions int) {
		return s.count("SELECT count(*) FROM users WHERE openid = $1", openid),
			s.count("SELECT count(*) FROM sessions WHERE family = $1", "family-"+openid)
	}

	t.Run("error rolls back", func(t *testing.T) {
		err := s.data.InTx(ctx, func(ctx context.Context) error {
			if err := write(ctx, "tx-error"); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("InTx err = %v, want fn's error", err)
		}
		if u, ss := written("tx-error"); u != 0 || ss != 0 {
			t.Errorf("after rollback: %d users, %d sessions; want none", u, ss)
		}
	})

	t.Run("panic rolls back and re-panics", func(t *testing.T) {
		func() {
			defer func() {
				if err, _ := recover().(error); !errors.Is(err, errBoom) {
					t.Errorf("recovered %v, want the original panic", err)
				}
			}()
			_ = s.data.InTx(ctx, func(ctx context.Context) error {
				if err := write(ctx, "tx-panic"); err != nil {
					t.Errorf("write: %v", err)
				}
				panic(errBoom)
			})
		}()
		if u, ss := written("tx-panic"); u != 0 || ss != 0 {
			t.Errorf("after panic: %d users, %d sessions; want none", u, ss)
		}
	})

	t.Run("uncommitted writes are invisible outside", func(t *testing.T) {
		err := s.data.InTx(ctx, func(ctx context.Context) error {
			if err := write(ctx, "tx-commit"); err != nil {
				return err
			}
			if u, _ := written("tx-commit"); u != 0 {
				t.Errorf("user visible outside the transaction before commit")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if u, ss := written("tx-commit"); u != 1 || ss != 1 {
			t.Errorf("after commit: %d users, %d sessions; want 1, 1", u, ss)
		}
	})

	t.Run("nested joins the outer", func(t *testing.T) {
		err := s.data.InTx(ctx, func(outer context.Context) error {
			u, err := s.users.UpsertByOpenID(outer, "tx-nested", "", []identity.Role{identity.RoleShopper}, s.clock.Now())
			if err != nil {
				return err
			}
			err = s.data.InTx(outer, func(inner context.Context) error {
				// The outer transaction's uncommitted user is visible: same transaction.
				if _, err := s.users.Get(inner, u.ID); err != nil {
					return fmt.Errorf("inner transaction cannot see the outer's user: %w", err)
				}
				return s.sessions.Create(inner, &identity.Session{
					Kind: identity.SubjectUser, SubjectID: u.ID, Family: "family-tx-nested",
					TokenHash: tokenHash("tx-nested"), ExpiresAt: s.clock.Now().Add(time.Hour),
				})
			})
			if err != nil {
				return err
			}
			// The inner InTx returned without committing anything of its own.
			if _, ss := written("tx-nested"); ss != 0 {
				t.Errorf("inner InTx committed on its own")
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx err = %v, want errBoom", err)
		}
		if u, ss := written("tx-nested"); u != 0 || ss != 0 {
			t.Errorf("outer rollback left %d users, %d sessions; the inner InTx must have joined it", u, ss)
		}
	})
}
