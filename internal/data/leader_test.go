package data_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/geo"
)

var peoplesSquare = geo.LatLng{Lat: 31.2304, Lng: 121.4737}

// leaderUsecase is the leader use cases on the stack's repositories, keeping depth uplines.
func (s *stack) leaderUsecase(depth int) *leader.Usecase {
	s.t.Helper()
	cfg := leader.Config{GridRes: 7, PickupRes: 9, MaxRadiusMeters: 3000, RebindInterval: 24 * time.Hour,
		FirstChoiceGrace: 30 * time.Minute, UplineDepth: depth, IndexRefresh: time.Second}
	bc := s.config()
	bc.Leader = cfg
	uc := s.build(s.clock.Now, datatest.NoWechat(), bc).Leader
	cell, err := geo.CellAt(peoplesSquare, 7)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := uc.SaveGrid(s.t.Context(), cell.String(), leader.GridEdit{Name: "人民广场", Serving: true}); err != nil {
		s.t.Fatal(err)
	}
	return uc
}

var opsActor = identity.Principal{Kind: identity.SubjectConsole, ID: 1, Roles: []identity.Role{identity.RoleOps}}

// applyAs signs openid up and files an application with invite.
func (s *stack) applyAs(uc *leader.Usecase, openid, invite string) *leader.Leader {
	s.t.Helper()
	u, err := s.users.UpsertByOpenID(s.t.Context(), openid, "", []identity.Role{identity.RoleShopper}, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	l, err := uc.Apply(s.t.Context(), identity.Principal{Kind: identity.SubjectUser, ID: u.ID}, leader.Application{
		RealName: "测试团长", Phone: "13800000000", PointName: "测试自提点", Address: "上海市黄浦区测试路1号",
		Location: peoplesSquare, OpeningHours: "08:00-20:00", InviteCode: invite,
	})
	if err != nil {
		s.t.Fatalf("apply %s: %v", openid, err)
	}
	return l
}

func (s *stack) approve(uc *leader.Usecase, id int64) *leader.Leader {
	s.t.Helper()
	l, err := uc.Approve(s.t.Context(), opsActor, id)
	if err != nil {
		s.t.Fatalf("approve %d: %v", id, err)
	}
	return l
}

// The recruiting chain is fixed at approval and cut to the configured depth.
func TestUplineIsCutToDepth(t *testing.T) {
	for _, depth := range []int{1, 2} {
		s := newStack(t, openPostgres(t))
		uc := s.leaderUsecase(depth)
		a := s.approve(uc, s.applyAs(uc, "o-a", "").ID)
		b := s.approve(uc, s.applyAs(uc, "o-b", a.InviteCode).ID)
		c := s.approve(uc, s.applyAs(uc, "o-c", b.InviteCode).ID)
		want := map[int][]int64{1: {b.ID}, 2: {b.ID, a.ID}}[depth]
		if len(c.Upline) != len(want) || c.Upline[0] != want[0] || (depth == 2 && c.Upline[1] != want[1]) {
			t.Errorf("depth %d: upline %v, want %v", depth, c.Upline, want)
		}
		if len(b.Upline) != 1 || b.Upline[0] != a.ID {
			t.Errorf("depth %d: B's upline %v, want [%d]", depth, b.Upline, a.ID)
		}
	}
}

// A chain that leads back to the applicant is refused, and refusing it changes nothing.
func TestRecruitingCycleIsRefused(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(2)
	a := s.approve(uc, s.applyAs(uc, "o-a", "").ID)
	b := s.approve(uc, s.applyAs(uc, "o-b", a.InviteCode).ID)
	// Put A back to pending, recruited by its own recruit: the chain B → A would close a loop.
	s.exec(`UPDATE leaders SET status = 'pending', recruiter_id = $1, upline = NULL WHERE id = $2`, b.ID, a.ID)
	_, err := uc.Approve(t.Context(), opsActor, a.ID)
	if !errors.Is(err, leader.ErrInviteCycle) {
		t.Fatalf("approve into a cycle: %v, want ErrInviteCycle", err)
	}
	var got string
	if err := s.db.SQL.QueryRow(`SELECT status FROM leaders WHERE id = $1`, a.ID).Scan(&got); err != nil || got != "pending" {
		t.Fatalf("a refused approval changed the status to %s", got)
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1`, a.ID); n != 1 {
		t.Fatalf("%d receiver registrations for A, want only the first approval's", n)
	}

	// Its own invite code is no recruiter either.
	if _, err := uc.Apply(t.Context(), identity.Principal{Kind: identity.SubjectUser, ID: b.UserID},
		leader.Application{RealName: "测试团长", Phone: "13800000000", PointName: "测试自提点",
			Address: "上海市黄浦区测试路1号", Location: peoplesSquare, OpeningHours: "08:00-20:00",
			InviteCode: b.InviteCode}); !errors.Is(err, leader.ErrInviteCycle) && !errors.Is(err, bizerr.ErrConflict) {
		t.Fatalf("self invite: %v", err)
	}
}

// Two ops approving one application at once: one wins, the other is told the state changed, and
// the receiver is queued once.
func TestConcurrentApprovalsHaveOneWinner(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	a := s.applyAs(uc, "o-a", "")
	errs := make([]error, 8)
	waitAll(t, len(errs), 30*time.Second, func(i int) {
		_, errs[i] = uc.Approve(t.Context(), opsActor, a.ID)
	})
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case refusedBy(err, leader.Lifecycle.Entity()), errors.Is(err, bizerr.ErrConflict):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d approvals won, want 1", wins)
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1`, a.ID); n != 1 {
		t.Fatalf("%d receiver registrations, want 1", n)
	}
}

// A leader pausing from one device while editing its point from another keeps both changes: the
// read-modify-save of each holds the row.
func TestConcurrentLeaderEditsKeepEveryChange(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	a := s.approve(uc, s.applyAs(uc, "o-a", "").ID)
	me := identity.Principal{Kind: identity.SubjectUser, ID: a.UserID}
	moved := geo.LatLng{Lat: peoplesSquare.Lat + 0.0005, Lng: peoplesSquare.Lng}
	errs := make([]error, 2)
	for round := range 10 {
		s.exec(`UPDATE leaders SET paused = false, lat = $1 WHERE id = $2`, peoplesSquare.Lat, a.ID)
		waitAll(t, 2, 30*time.Second, func(i int) {
			if i == 0 {
				_, errs[0] = uc.SetPaused(t.Context(), me, true, "假期")
				return
			}
			_, errs[1] = uc.UpdatePoint(t.Context(), me, leader.PointEdit{Name: "新自提点", Address: "上海市黄浦区测试路2号",
				Location: moved, OpeningHours: "09:00-21:00"})
		})
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v", round, errs)
		}
		got, err := uc.Mine(t.Context(), me)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Paused || got.Point.Location != moved {
			t.Fatalf("round %d: paused %v at %v; a concurrent edit was lost", round, got.Paused, got.Point.Location)
		}
	}
}

// countingRepo counts the rows the change feed hands the finder; everything else is the real
// repository.
type countingRepo struct {
	leader.Repo
	rows int
}

func (c *countingRepo) ChangedSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*leader.Leader, error) {
	out, err := c.Repo.ChangedSince(ctx, since, afterID, limit)
	c.rows += len(out)
	return out, err
}

// The finder re-reads recent changes only while a late commit could still arrive: once a poll
// starts pollOverlap (10 s) after the newest change, it reads nothing old again, and a new
// change is picked up by itself.
func TestFinderStopsRereadingSettledChanges(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	var ids []int64
	for _, openid := range []string{"o-1", "o-2", "o-3"} {
		ids = append(ids, s.approve(uc, s.applyAs(uc, openid, "").ID).ID)
	}
	// By hand on purpose: the finder reads through a wrapper that counts its queries.
	repo := &countingRepo{Repo: leaderstore.NewLeaderRepo(s.data, s.keys)}
	clock := time.Now().UTC()
	f := leader.NewFinder(repo, leader.Config{PickupRes: 9, MaxRadiusMeters: 3000}, func() time.Time { return clock })
	poll := func() int {
		t.Helper()
		repo.rows = 0
		if err := f.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		return repo.rows
	}
	if n := poll(); n != 3 {
		t.Fatalf("first poll read %d rows, want 3", n)
	}
	if n := poll(); n != 3 {
		t.Fatalf("a poll within the overlap read %d rows, want the 3 recent ones again", n)
	}
	clock = clock.Add(11 * time.Second)
	if n := poll(); n != 0 {
		t.Fatalf("a poll past the overlap read %d rows, want 0", n)
	}
	s.exec(`UPDATE leaders SET paused = true, updated_at = $1 WHERE id = $2`, clock, ids[1])
	if n := poll(); n != 1 {
		t.Fatalf("a poll after one change read %d rows, want 1", n)
	}
	found, _, err := f.Nearby(t.Context(), peoplesSquare, 3000, 0, 10)
	if err != nil || len(found) != 2 {
		t.Fatalf("nearby after pausing one of three: %d found, %v", len(found), err)
	}
}

// Suspension is not removal: a suspended leader is still owed what it earned before, which only
// reaches it through profit-sharing, so it stays a receiver. Suspending and reinstating queue no
// receiver registration; only the approval's add exists.
func TestSuspensionKeepsTheLeaderAReceiver(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	a := s.approve(uc, s.applyAs(uc, "o-suspended", "").ID)
	if _, err := uc.Suspend(t.Context(), opsActor, a.ID, "投诉核实中"); err != nil {
		t.Fatalf("suspend: %v", err)
	}
	if _, err := uc.Reinstate(t.Context(), opsActor, a.ID); err != nil {
		t.Fatalf("reinstate: %v", err)
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1`, a.ID); n != 1 {
		t.Fatalf("%d receiver registrations, want the approval's add only", n)
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1 AND op = 'add'`, a.ID); n != 1 {
		t.Fatal("the approval's registration is not an add")
	}
}

// Removal ends a leader for good and queues its removal as a receiver in the same transaction;
// a removed leader cannot be reinstated or removed again.
func TestRemovalQueuesTheReceiversDeletion(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	a := s.approve(uc, s.applyAs(uc, "o-removed", "").ID)
	if _, err := uc.Remove(t.Context(), opsActor, a.ID, ""); err == nil {
		t.Fatal("removal without a reason accepted")
	}
	l, err := uc.Remove(t.Context(), opsActor, a.ID, "合作终止")
	if err != nil || l.Status != leader.StatusRemoved {
		t.Fatalf("remove = %+v, %v", l, err)
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1 AND op = 'delete' AND state = 'pending'`, a.ID); n != 1 {
		t.Fatalf("%d pending deletions queued, want 1", n)
	}
	for name, act := range map[string]func() error{
		"reinstate": func() error { _, err := uc.Reinstate(t.Context(), opsActor, a.ID); return err },
		"remove":    func() error { _, err := uc.Remove(t.Context(), opsActor, a.ID, "again"); return err },
	} {
		if err := act(); !refusedBy(err, leader.Lifecycle.Entity()) {
			t.Errorf("%s a removed leader: %v, want a transition error", name, err)
		}
	}
	if n := s.count(`SELECT count(*) FROM receiver_registrations WHERE leader_id = $1`, a.ID); n != 2 {
		t.Fatalf("%d registrations, want the add and one delete", n)
	}
}

// Switching a leader to a merchant receiver queues the openid's deletion and the merchant's
// addition, in that order; asking again changes nothing; removal then deletes the merchant.
func TestMerchantReceiverReplacesTheOpenID(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	a := s.approve(uc, s.applyAs(uc, "o-station", "").ID)
	m := leader.MerchantReceiver{MchID: "1900000301", Name: "黄浦站供应链有限公司"}
	if _, err := uc.UseMerchantReceiver(t.Context(), opsActor, a.ID, leader.MerchantReceiver{MchID: "12ab", Name: "x"}); err == nil {
		t.Fatal("a malformed merchant id accepted")
	}
	for range 2 {
		if _, err := uc.UseMerchantReceiver(t.Context(), opsActor, a.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := uc.Remove(t.Context(), opsActor, a.ID, "合作终止"); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.SQL.QueryContext(t.Context(), `SELECT op, receiver_type, account FROM receiver_registrations WHERE leader_id = $1 ORDER BY id`, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var op, typ, account string
		if err := rows.Scan(&op, &typ, &account); err != nil {
			t.Fatal(err)
		}
		got = append(got, op+" "+typ+" "+account)
	}
	want := []string{"add PERSONAL_OPENID o-station", "delete PERSONAL_OPENID o-station", "add MERCHANT_ID 1900000301", "delete MERCHANT_ID 1900000301"}
	if !slices.Equal(got, want) {
		t.Fatalf("registrations = %q, want %q", got, want)
	}
}
