package data_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

var (
	shopperLeader = []identity.Role{identity.RoleShopper, identity.RoleLeader}
	shopperOnly   = []identity.Role{identity.RoleShopper}
)

// Marks narrow the roles of a subject's tokens to its latest roles and refuse revoked session
// families; other subjects and sessions are untouched, and a mark lasts one access-token life.
func TestAccessMarks(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	m := s.marks
	p := identity.Principal{Kind: identity.SubjectUser, ID: 42, Roles: shopperLeader, Session: "fam-1"}
	apply := func(p identity.Principal) identity.Principal {
		t.Helper()
		got, err := m.Apply(ctx, p)
		if err != nil {
			t.Fatalf("apply %+v: %v", p, err)
		}
		return got
	}
	if got := apply(p); !slices.Equal(got.Roles, shopperLeader) {
		t.Errorf("no marks: roles %v", got.Roles)
	}
	if err := m.LimitRoles(ctx, identity.SubjectUser, 42, shopperOnly); err != nil {
		t.Fatal(err)
	}
	if got := apply(p); !slices.Equal(got.Roles, shopperOnly) {
		t.Errorf("after the leader role was taken: roles %v", got.Roles)
	}
	console := identity.Principal{Kind: identity.SubjectConsole, ID: 42, Roles: []identity.Role{identity.RoleOps}}
	if got := apply(console); !got.Has(identity.RoleOps) {
		t.Errorf("console account 42 lost its roles to user 42's mark: %v", got.Roles)
	}
	if err := m.LimitRoles(ctx, identity.SubjectUser, 42, nil); err != nil {
		t.Fatal(err)
	}
	if got := apply(p); len(got.Roles) != 0 {
		t.Errorf("after every role was taken: roles %v", got.Roles)
	}

	if err := m.RevokeSession(ctx, identity.SubjectUser, 42, "fam-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(ctx, p); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("revoked session: %v", err)
	}
	p.Session = "fam-2"
	apply(p)
	ttl, err := s.rdb.PTTL(ctx, s.prefix.Key("authz", "{user:42}", "revoked", "fam-1")).Result()
	if err != nil || ttl <= 0 || ttl > testConfig.AccessTTL {
		t.Errorf("revocation mark lives %v (%v), want at most %v", ttl, err, testConfig.AccessTTL)
	}
}

// Logging out and reusing a refresh token mark the session, so its access tokens are refused
// at once.
func TestRevokedSessionMarksItsAccessTokens(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	wx := s.wechat()
	uc := s.authUsecase(wx)

	out, kept := s.login(wx, uc, "openid-marks"), s.login(wx, uc, "openid-marks")
	if who, err := uc.Logout(ctx, out.RefreshToken); err != nil || who.Kind != identity.SubjectUser || who.ID != out.Principal.ID {
		t.Fatalf("logout: %+v, %v; want the session's user %d", who, err, out.Principal.ID)
	}
	if _, err := s.marks.Apply(ctx, out.Principal); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("access of a logged-out session: %v", err)
	}
	if _, err := s.marks.Apply(ctx, kept.Principal); err != nil {
		t.Errorf("another session of the user: %v", err)
	}

	t1 := s.login(wx, uc, "openid-marks")
	t2, err := uc.Refresh(ctx, t1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uc.Refresh(ctx, t1.RefreshToken); !errors.Is(err, identity.ErrRefreshTokenReused) {
		t.Fatalf("reuse: %v", err)
	}
	for _, p := range []identity.Principal{t1.Principal, t2.Principal} {
		if _, err := s.marks.Apply(ctx, p); !errors.Is(err, identity.ErrSessionRevoked) {
			t.Errorf("access of a session revoked for reuse: %v", err)
		}
	}
}

// Suspending or removing a leader limits the tokens its user holds to the roles left; a
// reinstated leader's new tokens carry the role again, its suspended-era tokens do not.
func TestLeaderReviewMarksTheUsersTokens(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	uc := s.leaderUsecase(1)
	l := s.approve(uc, s.applyAs(uc, "o-marked", "").ID)
	held := identity.Principal{Kind: identity.SubjectUser, ID: l.UserID, Roles: shopperLeader, Session: "f"}
	check := func(step string, p identity.Principal, want []identity.Role) {
		t.Helper()
		got, err := s.marks.Apply(ctx, p)
		if err != nil || !slices.Equal(got.Roles, want) {
			t.Errorf("%s: roles %v (%v), want %v", step, got.Roles, err, want)
		}
	}
	check("approved", held, shopperLeader)
	if _, err := uc.Suspend(ctx, opsActor, l.ID, "投诉较多"); err != nil {
		t.Fatal(err)
	}
	check("suspended", held, shopperOnly)
	if _, err := uc.Reinstate(ctx, opsActor, l.ID); err != nil {
		t.Fatal(err)
	}
	check("reinstated, a new token", held, shopperLeader)
	check("reinstated, a token of the suspension", identity.Principal{Kind: identity.SubjectUser, ID: l.UserID,
		Roles: shopperOnly}, shopperOnly)
	if _, err := uc.Remove(ctx, opsActor, l.ID, "严重违规"); err != nil {
		t.Fatal(err)
	}
	check("removed", held, shopperOnly)
	if u, err := s.users.Get(ctx, l.UserID); err != nil || slices.Contains(u.Roles, identity.RoleLeader) {
		t.Errorf("removed leader's user: %+v, %v", u, err)
	}
}

// BenchmarkAccessMarksApply is the cost an authenticated request of a marked subject pays: one
// MGET of the subject's two marks on the real Redis, with a role mark present as after a
// suspension. (A subject without marks costs no read once the replica follows the marks.)
func BenchmarkAccessMarksApply(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	m, stop := identitystore.NewAccessMarks(rdb, redisdb.KeyPrefix(prefix), testConfig, testLogger)
	b.Cleanup(stop)
	ctx := b.Context()
	if err := m.LimitRoles(ctx, identity.SubjectUser, 7, shopperOnly); err != nil {
		b.Fatal(err)
	}
	p := identity.Principal{Kind: identity.SubjectUser, ID: 7, Roles: shopperLeader, Session: "family"}
	for b.Loop() {
		if _, err := m.Apply(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
