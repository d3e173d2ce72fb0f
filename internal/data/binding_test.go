package data_test

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// The switching rule through PostgreSQL: a new shopper changes its choice freely until its first
// order, may still correct its first choice within the grace period after ordering, and after
// that a choice stands for the rebind interval.
func TestBindingSwitchRule(t *testing.T) {
	db := openPostgres(t)
	s := newStack(t, db)
	ctx := t.Context()
	uc := s.leaderUsecase(1)
	a := s.approve(uc, s.applyAs(uc, "o-bind-leader-a", "").ID)
	b := s.approve(uc, s.applyAs(uc, "o-bind-leader-b", "").ID)
	shopper := func(openid string) identity.Principal {
		u, err := s.users.UpsertByOpenID(ctx, openid, "", []identity.Role{identity.RoleShopper}, s.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return identity.Principal{Kind: identity.SubjectUser, ID: u.ID, Roles: []identity.Role{identity.RoleShopper}}
	}
	bind := func(p identity.Principal, l *leader.Leader) error {
		_, _, err := uc.Bind(ctx, p, l.ID)
		return err
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	refused := func(err error, boundAt time.Time) {
		t.Helper()
		var rebind *leader.RebindError
		if !errors.As(err, &rebind) || !rebind.NextAllowed.Equal(boundAt.Add(24*time.Hour)) {
			t.Fatalf("err = %v, want a refusal until a day after %s", err, boundAt)
		}
	}
	cell, err := geo.CellAt(peoplesSquare, 7)
	must(err)
	now := s.clock.Now()
	batch, err := presalestore.NewBatchRepo(s.data).Create(ctx, &presale.Batch{Title: "水果团", Status: presale.Open,
		OpensAt: now.Add(-time.Hour), CutoffAt: now.Add(time.Hour), PickupDate: now.Add(48 * time.Hour), CreatedBy: 1,
		Items: []presale.Item{{SKUID: 1, ProductID: 1, Title: "水蜜桃", Spec: "6只", Unit: "盒", ListPrice: 5990, Price: 3990,
			Quota: 10, CommissionBP: 1000}},
		Grids: []geo.Cell{cell}})
	must(err)
	placeOrder := func(p identity.Principal, l *leader.Leader) {
		db.Ent.Order.Create().SetUserID(int(p.ID)).SetLeaderID(int(l.ID)).SetBatchID(int(batch.ID)).
			SetGridCell(cell.String()).SetStatus(order.StatusPendingPayment).SetIdempotencyKey("first").
			SetAmount(3990).SetExpiresAt(s.clock.Now().Add(15 * time.Minute)).SaveX(ctx)
	}

	// Before any order every choice is provisional.
	c := shopper("o-bind-shopper-c")
	must(bind(c, a))
	s.clock.Advance(2 * time.Hour)
	must(bind(c, b))
	must(bind(c, a))
	// Once it ordered, the choice it ordered through stands for a day.
	placeOrder(c, a)
	chosen := s.clock.Advance(time.Minute)
	refused(bind(c, b), chosen.Add(-time.Minute))

	// A first choice may be corrected within the grace period after ordering, once.
	d := shopper("o-bind-shopper-d")
	must(bind(d, a))
	placeOrder(d, a)
	s.clock.Advance(20 * time.Minute)
	must(bind(d, b))
	refused(bind(d, a), s.clock.Now())
	s.clock.Advance(24 * time.Hour)
	must(bind(d, a))

	// After the grace period the first choice stands for a day too.
	e := shopper("o-bind-shopper-e")
	must(bind(e, a))
	bound := s.clock.Now()
	placeOrder(e, a)
	s.clock.Advance(31 * time.Minute)
	refused(bind(e, b), bound)
}
