package data_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
)

func couponFor(user int64, seq int, key string, until time.Time) *promo.Coupon {
	return &promo.Coupon{TemplateID: 1, UserID: user, Seq: seq, IssueKey: key, Most: 500,
		Rules: promo.Rules{Name: "满50减5", Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: 500, Threshold: 5000},
			Scope: promo.Scope{Kind: promo.ScopeSKUs, IDs: []int64{3, 4}}, FundedBy: promo.FundedByPlatform},
		ValidFrom: until.Add(-48 * time.Hour), ValidUntil: until, ClaimedAt: until.Add(-48 * time.Hour)}
}

func TestCouponStoreIssueIsKeyedByCause(t *testing.T) {
	s := promostore.NewCouponStore(openPostgres(t))
	ctx := t.Context()
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	first, created, err := s.Issue(ctx, couponFor(7, 1, promo.ClaimKey(1, 7, 1), until))
	if err != nil || !created {
		t.Fatalf("issue: %v, created %v", err, created)
	}
	again, created, err := s.Issue(ctx, couponFor(7, 1, promo.ClaimKey(1, 7, 1), until))
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("issue again: %+v, created %v, %v; want coupon %d", again, created, err, first.ID)
	}
	if again.Rules.Scope.IDs[1] != 4 || again.Rules.Discount.Threshold != 5000 || !again.ValidUntil.Equal(until) {
		t.Errorf("rules or validity did not survive the store: %+v", again)
	}
	// The same seq under another cause: the counters and the database disagree.
	if _, _, err := s.Issue(ctx, couponFor(7, 1, promo.SendKey(3, 7), until)); !errors.Is(err, bizerr.ErrConflict) {
		t.Errorf("seq taken twice: %v, want a conflict", err)
	}
	if _, _, err := s.Issue(ctx, couponFor(8, 1, promo.ClaimKey(1, 8, 1), until)); err != nil {
		t.Fatal(err)
	}
	issued, err := s.Issued(ctx, 1)
	if err != nil || issued.Count != 2 || issued.Amount != 1000 || issued.PerShopper[7] != 1 || issued.PerShopper[8] != 1 {
		t.Errorf("issued %+v, %v", issued, err)
	}
}

// Fifty orders race to lock one coupon: one holds it; paying uses it, a whole refund gives it
// back, and an order of another shopper can never lock it.
func TestCouponLockedByOneOrder(t *testing.T) {
	s := promostore.NewCouponStore(openPostgres(t))
	ctx := t.Context()
	now := time.Now().UTC()
	c, _, err := s.Issue(ctx, couponFor(7, 1, promo.ClaimKey(1, 7, 1), now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(ctx, c.ID, 8, 999, now); !errors.Is(err, promo.ErrCouponNotUsable) {
		t.Fatalf("another shopper's order locked it: %v", err)
	}
	var wins atomic.Int64
	var winner atomic.Int64
	var wg sync.WaitGroup
	for order := int64(1); order <= 50; order++ {
		wg.Go(func() {
			err := s.Lock(ctx, c.ID, 7, order, now)
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(order)
			case !errors.Is(err, promo.ErrCouponNotUsable):
				t.Errorf("order %d: %v", order, err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d orders locked the coupon, want 1", wins.Load())
	}
	o := winner.Load()
	if err := s.Use(ctx, c.ID, o, 500, now); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Coupon(ctx, c.ID)
	if got.State != promo.CouponUsed || got.OrderID != o || got.Discount != 500 {
		t.Fatalf("after payment: %+v", got)
	}
	// A release for another order moves nothing; the order's whole refund gives it back.
	if moved, err := s.Release(ctx, c.ID, o+1000, now); err != nil || moved {
		t.Fatalf("release by a stranger: %v, %v", moved, err)
	}
	if moved, err := s.Release(ctx, c.ID, o, now); err != nil || !moved {
		t.Fatalf("release: %v, %v", moved, err)
	}
	got, _ = s.Coupon(ctx, c.ID)
	if got.State != promo.CouponAvailable || got.OrderID != 0 || got.Discount != 0 {
		t.Fatalf("after the whole refund: %+v", got)
	}
	usable, err := s.Usable(ctx, 7, now)
	if err != nil || len(usable) != 1 {
		t.Fatalf("usable: %v, %v", usable, err)
	}
}

func TestCouponReleasedPastValidityExpires(t *testing.T) {
	s := promostore.NewCouponStore(openPostgres(t))
	ctx := t.Context()
	now := time.Now().UTC()
	c, _, _ := s.Issue(ctx, couponFor(7, 1, "k1", now.Add(time.Minute)))
	idle, _, _ := s.Issue(ctx, couponFor(7, 2, "k2", now.Add(time.Minute)))
	if err := s.Lock(ctx, c.ID, 7, 5, now); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	if err := s.Lock(ctx, idle.ID, 7, 6, later); !errors.Is(err, promo.ErrCouponNotUsable) {
		t.Fatalf("an expired coupon was locked: %v", err)
	}
	if moved, err := s.Release(ctx, c.ID, 5, later); err != nil || !moved {
		t.Fatalf("release: %v, %v", moved, err)
	}
	step, err := s.Expire(ctx, promo.ExpiryCursor{}, later, 100)
	if err != nil || step.Seen != 2 || step.Expired != 1 {
		t.Fatalf("expire: %+v, %v; want both seen, the idle one expired", step, err)
	}
	if !step.Next.ValidUntil.Equal(idle.ValidUntil) || step.Next.ID != idle.ID {
		t.Errorf("cursor after the sweep: %+v, want the last coupon (%d)", step.Next, idle.ID)
	}
	for _, id := range []int64{c.ID, idle.ID} {
		if got, _ := s.Coupon(ctx, id); got.State != promo.CouponExpired {
			t.Errorf("coupon %d is %s, want expired", id, got.State)
		}
	}
	if got, _ := s.Coupon(ctx, c.ID); got.OrderID != 5 {
		t.Errorf("an expired coupon keeps its order as history: %+v", got)
	}
}

// The sweep walks coupons in (validity end, id) order from a cursor, a few at a time: coupons
// sharing their end (a template's fixed date) are each seen once across steps, available ones
// expire, a locked one is left to its order, and one not yet due is not reached.
func TestCouponExpiryWalksFromItsCursor(t *testing.T) {
	s := promostore.NewCouponStore(openPostgres(t))
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	end := now.Add(time.Minute)
	var ids []int64
	for i := range 8 {
		until := end
		if i%3 == 2 {
			until = end.Add(-time.Duration(i) * time.Second)
		}
		c, _, err := s.Issue(ctx, couponFor(int64(10+i), 1, fmt.Sprintf("sweep-%d", i), until))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := s.Lock(ctx, ids[4], 14, 99, now); err != nil {
		t.Fatal(err)
	}
	notDue, _, _ := s.Issue(ctx, couponFor(30, 1, "sweep-later", end.Add(time.Hour)))
	later := end.Add(time.Second)
	var cursor promo.ExpiryCursor
	seen, expired, steps := 0, 0, 0
	for ; steps < 10; steps++ {
		step, err := s.Expire(ctx, cursor, later, 3)
		if err != nil {
			t.Fatal(err)
		}
		seen, expired = seen+step.Seen, expired+step.Expired
		if step.Seen > 0 {
			if step.Next.ValidUntil.Before(cursor.ValidUntil) {
				t.Fatalf("the cursor went back: %+v after %+v", step.Next, cursor)
			}
			cursor = step.Next
		}
		if step.Seen < 3 {
			break
		}
	}
	if seen != 8 || expired != 7 || steps != 2 {
		t.Fatalf("seen %d, expired %d in %d steps; want 8 seen, 7 expired, in 3 steps (0..2)", seen, expired, steps)
	}
	for _, id := range ids {
		want := promo.CouponExpired
		if id == ids[4] {
			want = promo.CouponLocked
		}
		if got, _ := s.Coupon(ctx, id); got.State != want {
			t.Errorf("coupon %d is %s, want %s", id, got.State, want)
		}
	}
	if got, _ := s.Coupon(ctx, notDue.ID); got.State != promo.CouponAvailable {
		t.Errorf("a coupon valid for another hour is %s", got.State)
	}
	if step, err := s.Expire(ctx, cursor, later, 3); err != nil || step.Seen != 0 {
		t.Errorf("a step after the end: %+v, %v; want nothing seen", step, err)
	}
}
