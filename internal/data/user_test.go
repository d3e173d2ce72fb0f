package data_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// UpsertByOpenID creates a user once and finds it afterwards: the id stays, the roles given at
// creation stay (later logins pass other roles), last_login_at follows every login, and a unionid
// learned later is filled in but never blanked by a login that does not carry one.
func TestUserUpsertByOpenID(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testUserUpsert(t, s)
}

func testUserUpsert(t *testing.T, s *stack) {
	ctx := t.Context()
	steps := []struct {
		name        string
		unionid     string
		roles       []identity.Role
		wantUnionID string
	}{
		{name: "first login creates", unionid: "", roles: []identity.Role{identity.RoleShopper}, wantUnionID: ""},
		{name: "second login finds, roles kept", unionid: "", roles: []identity.Role{identity.RoleLeader}, wantUnionID: ""},
		{name: "unionid filled later", unionid: "union-1", roles: nil, wantUnionID: "union-1"},
		{name: "login without unionid keeps it", unionid: "", roles: nil, wantUnionID: "union-1"},
		{name: "changed unionid replaces it", unionid: "union-2", roles: nil, wantUnionID: "union-2"},
	}
	var id int64
	for i, step := range steps {
		at := s.clock.Advance(time.Minute)
		u, err := s.users.UpsertByOpenID(ctx, "openid-upsert", step.unionid, step.roles, at)
		if err != nil {
			t.Fatalf("%s: upsert: %v", step.name, err)
		}
		if i == 0 {
			id = u.ID
		}
		if u.ID != id || u.ID <= 0 {
			t.Errorf("%s: id = %d, want %d", step.name, u.ID, id)
		}
		if u.OpenID != "openid-upsert" || u.UnionID != step.wantUnionID {
			t.Errorf("%s: openid, unionid = %q, %q; want openid-upsert, %q", step.name, u.OpenID, u.UnionID, step.wantUnionID)
		}
		if !slices.Equal(u.Roles, []identity.Role{identity.RoleShopper}) {
			t.Errorf("%s: roles = %v, want [shopper] (the roles of creation)", step.name, u.Roles)
		}
		if u.Phone != "" {
			t.Errorf("%s: phone = %q, want none", step.name, u.Phone)
		}
		row := s.userRow(u.ID)
		if !row.lastLoginAt.Valid || !row.lastLoginAt.Time.Equal(at) {
			t.Errorf("%s: last_login_at = %v, want %v", step.name, row.lastLoginAt, at)
		}
	}
	if n := s.count("SELECT count(*) FROM users WHERE openid = $1", "openid-upsert"); n != 1 {
		t.Errorf("rows for openid-upsert = %d, want 1", n)
	}
	other, err := s.users.UpsertByOpenID(ctx, "openid-other", "", []identity.Role{identity.RoleShopper}, s.clock.Now())
	if err != nil {
		t.Fatalf("upsert other: %v", err)
	}
	if other.ID == id {
		t.Errorf("another openid got the same id %d", id)
	}
}

// Thirty first logins of one person racing each other end with one row, and every caller is
// told the same id: ON CONFLICT, not read-then-insert.
func TestUserUpsertConcurrent(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testUserUpsertConcurrent(t, s, 30)
}

func testUserUpsertConcurrent(t *testing.T, s *stack, n int) {
	ids := make([]int64, n)
	errs := make([]error, n)
	at := s.clock.Now()
	waitAll(t, n, time.Minute, func(i int) {
		u, err := s.users.UpsertByOpenID(t.Context(), "openid-race", "", []identity.Role{identity.RoleShopper}, at)
		if err == nil {
			ids[i] = u.ID
		}
		errs[i] = err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("goroutine %d got id %d, goroutine 0 got %d", i, id, ids[0])
		}
	}
	if got := s.count("SELECT count(*) FROM users WHERE openid = $1", "openid-race"); got != 1 {
		t.Errorf("rows for openid-race = %d, want exactly 1", got)
	}
}

// SetPhone stores the number sealed: the column does not hold it in clear, names the key, and
// Get opens it back. Sealing the same number twice gives different ciphertexts (random nonce).
func TestUserSetPhoneSealed(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	testUserSetPhone(t, s)
}

func testUserSetPhone(t *testing.T, s *stack) {
	ctx := t.Context()
	const phone = "13800138000"
	u, err := s.users.UpsertByOpenID(ctx, "openid-phone", "", []identity.Role{identity.RoleShopper}, s.clock.Now())
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	got, err := s.users.SetPhone(ctx, u.ID, phone)
	if err != nil {
		t.Fatalf("set phone: %v", err)
	}
	if got.Phone != phone || got.ID != u.ID {
		t.Errorf("SetPhone returned id %d phone %q, want %d %q", got.ID, got.Phone, u.ID, phone)
	}
	row := s.userRow(u.ID)
	if !row.phoneSealed.Valid || row.phoneSealed.String == "" {
		t.Fatalf("phone_sealed is empty")
	}
	if strings.Contains(row.phoneSealed.String, phone) || strings.Contains(row.phoneSealed.String, phone[3:]) {
		t.Errorf("phone_sealed %q holds the number in clear", row.phoneSealed.String)
	}
	if !strings.HasPrefix(row.phoneSealed.String, "v1.k1.") || row.phoneKeyID.String != "k1" {
		t.Errorf("phone_sealed = %q, phone_key_id = %q; want sealed with k1", row.phoneSealed.String, row.phoneKeyID.String)
	}
	reread, err := s.users.Get(ctx, u.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if reread.Phone != phone {
		t.Errorf("Get phone = %q, want %q", reread.Phone, phone)
	}

	// Binding the same number again seals afresh; a new number replaces the old.
	if _, err := s.users.SetPhone(ctx, u.ID, phone); err != nil {
		t.Fatalf("set phone again: %v", err)
	}
	if again := s.userRow(u.ID); again.phoneSealed.String == row.phoneSealed.String {
		t.Errorf("sealing the same number twice gave the same value %q (nonce reused?)", again.phoneSealed.String)
	}
	if _, err := s.users.SetPhone(ctx, u.ID, "13900139000"); err != nil {
		t.Fatalf("set new phone: %v", err)
	}
	if reread, err := s.users.Get(ctx, u.ID); err != nil || reread.Phone != "13900139000" {
		t.Errorf("after replacing: Get = %+v, %v; want phone 13900139000", reread, err)
	}
}

// The sealed phone is bound to its row: copied with SQL into another user's row it fails to
// open there (seal.ErrAuth), while the original row still opens. The error names the user and
// never carries the number.
func TestUserPhoneBoundToRow(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	const phone = "13700137000"
	alice, err := s.users.UpsertByOpenID(ctx, "openid-alice", "", []identity.Role{identity.RoleShopper}, s.clock.Now())
	if err != nil {
		t.Fatalf("upsert alice: %v", err)
	}
	mallory, err := s.users.UpsertByOpenID(ctx, "openid-mallory", "", []identity.Role{identity.RoleShopper}, s.clock.Now())
	if err != nil {
		t.Fatalf("upsert mallory: %v", err)
	}
	if _, err := s.users.SetPhone(ctx, alice.ID, phone); err != nil {
		t.Fatalf("set phone: %v", err)
	}
	s.exec(`UPDATE users SET (phone_sealed, phone_key_id) =
		(SELECT phone_sealed, phone_key_id FROM users WHERE id = $1) WHERE id = $2`, alice.ID, mallory.ID)

	_, err = s.users.Get(ctx, mallory.ID)
	if !errors.Is(err, seal.ErrAuth) {
		t.Fatalf("Get of the row holding a copied phone: err = %v, want seal.ErrAuth", err)
	}
	if errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("copied phone reported as not found: %v", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(mallory.ID)) || strings.Contains(err.Error(), phone) {
		t.Errorf("error %q should name user %d and not hold the phone", err, mallory.ID)
	}
	if a, err := s.users.Get(ctx, alice.ID); err != nil || a.Phone != phone {
		t.Errorf("alice after the copy: %+v, %v; want phone %s", a, err, phone)
	}
}

// Key rotation through configuration: a phone sealed with k1 still opens once k2 is active and
// k1 kept; new phones seal with k2 (phone_key_id says so); with k1 removed the old row fails
// with seal.ErrUnknownKey, naming the user, and the k2 row still opens.
func TestUserPhoneKeyRotation(t *testing.T) {
	t.Parallel()
	db := openPostgres(t)
	ctx := t.Context()
	k1, k2 := generateKey(t), generateKey(t)
	rdb, prefix := testenv.Redis(t)
	before := newStackWith(t, db, rdb, redisdb.KeyPrefix(prefix), newKeyring(t, "k1", map[string]string{"k1": k1}))
	old, err := before.users.UpsertByOpenID(ctx, "openid-old", "", []identity.Role{identity.RoleShopper}, before.clock.Now())
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if _, err := before.users.SetPhone(ctx, old.ID, "13600136000"); err != nil {
		t.Fatalf("set phone with k1: %v", err)
	}
	if id := before.userRow(old.ID).phoneKeyID.String; id != "k1" {
		t.Fatalf("phone_key_id = %q, want k1", id)
	}

	rotated := newStackWith(t, db, rdb, redisdb.KeyPrefix(prefix), newKeyring(t, "k2", map[string]string{"k1": k1, "k2": k2}))
	if u, err := rotated.users.Get(ctx, old.ID); err != nil || u.Phone != "13600136000" {
		t.Fatalf("old phone after rotation: %+v, %v", u, err)
	}
	fresh, err := rotated.users.UpsertByOpenID(ctx, "openid-new", "", []identity.Role{identity.RoleShopper}, rotated.clock.Now())
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if _, err := rotated.users.SetPhone(ctx, fresh.ID, "13500135000"); err != nil {
		t.Fatalf("set phone with k2: %v", err)
	}
	row := rotated.userRow(fresh.ID)
	if row.phoneKeyID.String != "k2" || !strings.HasPrefix(row.phoneSealed.String, "v1.k2.") {
		t.Errorf("new phone: phone_key_id %q, sealed %q; want k2", row.phoneKeyID.String, row.phoneSealed.String)
	}
	if n := rotated.count("SELECT count(*) FROM users WHERE phone_key_id = $1", "k1"); n != 1 {
		t.Errorf("rows still on k1 = %d, want 1 (the rotation job finds them by phone_key_id)", n)
	}

	retired := newStackWith(t, db, rdb, redisdb.KeyPrefix(prefix), newKeyring(t, "k2", map[string]string{"k2": k2}))
	if u, err := retired.users.Get(ctx, fresh.ID); err != nil || u.Phone != "13500135000" {
		t.Errorf("k2 phone with k1 removed: %+v, %v", u, err)
	}
	_, err = retired.users.Get(ctx, old.ID)
	switch {
	case err == nil:
		t.Fatalf("Get of a k1 row with k1 removed succeeded")
	case !errors.Is(err, seal.ErrUnknownKey):
		t.Errorf("err = %v, want seal.ErrUnknownKey", err)
	case errors.Is(err, bizerr.ErrNotFound):
		t.Errorf("missing key reported as not found: %v", err)
	case !strings.Contains(err.Error(), fmt.Sprintf("user %d", old.ID)):
		t.Errorf("error %q does not say which user", err)
	}
}

// Only a missing row is ErrNotFound. A closed pool or a cancelled context is a different error,
// so an outage is never answered with "no such user" (or "wrong password").
func TestNotFoundOnlyWhenMissing(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	closedDB := openPostgres(t)
	closed := newStackWith(t, closedDB, nil, "", s.keys)
	if err := closedDB.Ent.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	type lookup func(ctx context.Context, s *stack) error
	getUser := func(ctx context.Context, s *stack) error { _, err := s.users.Get(ctx, 424242); return err }
	getAccount := func(ctx context.Context, s *stack) error { _, err := s.consoles.Get(ctx, 424242); return err }
	getByName := func(ctx context.Context, s *stack) error {
		_, err := s.consoles.GetByUsername(ctx, "nobody")
		return err
	}
	unlock := func(ctx context.Context, s *stack) error { _, err := s.consoles.Unlock(ctx, "nobody"); return err }
	getSession := func(ctx context.Context, s *stack) error {
		_, err := s.sessions.GetByHash(ctx, strings.Repeat("0", 64))
		return err
	}
	setPhone := func(ctx context.Context, s *stack) error {
		_, err := s.users.SetPhone(ctx, 424242, "13800138000")
		return err
	}

	for _, tc := range []struct {
		name         string
		s            *stack
		ctx          context.Context
		fn           lookup
		wantNotFound bool
	}{
		{"user missing", s, t.Context(), getUser, true},
		{"user closed db", closed, t.Context(), getUser, false},
		{"user cancelled", s, cancelled, getUser, false},
		{"set phone of missing user", s, t.Context(), setPhone, true},
		{"console account missing", s, t.Context(), getAccount, true},
		{"console account closed db", closed, t.Context(), getAccount, false},
		{"console username missing", s, t.Context(), getByName, true},
		{"console username closed db", closed, t.Context(), getByName, false},
		{"unlock missing", s, t.Context(), unlock, true},
		{"unlock closed db", closed, t.Context(), unlock, false},
		{"session missing", s, t.Context(), getSession, true},
		{"session closed db", closed, t.Context(), getSession, false},
		{"session cancelled", s, cancelled, getSession, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn(tc.ctx, tc.s)
			if err == nil {
				t.Fatalf("no error")
			}
			if got := errors.Is(err, bizerr.ErrNotFound); got != tc.wantNotFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, got, tc.wantNotFound)
			}
		})
	}

	// The use case turns only ErrNotFound into "wrong credentials"; a dead database is an error.
	_, err := closed.consoleUsecase().Login(t.Context(), "nobody", testPassword)
	if err == nil || errors.Is(err, identity.ErrCredentialsInvalid) {
		t.Errorf("console login on a closed database: %v, want an error other than ErrCredentialsInvalid", err)
	}
}
