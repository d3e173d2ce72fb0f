package data_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
)

// A template survives the store field for field, an edit changes the template and not the
// coupons issued, and budgets cannot fall below what is issued.
func TestPromoTemplateEditKeepsIssuedCoupons(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	admin := e.replicas[0].PromoAdmin
	tpl := e.template(10, 10*100, 2)
	tpl.Scope = promo.Scope{Kind: promo.ScopeSKUs, IDs: []int64{5, 6}}
	tpl.Validity = promo.Validity{Window: promo.Window{From: e.now.Add(-time.Hour).Truncate(time.Second),
		Until: e.now.Add(72 * time.Hour).Truncate(time.Second)}}
	v, err := admin.UpdateTemplate(ctx, tpl)
	if err != nil {
		t.Fatal(err)
	}
	if v.Scope.IDs[1] != 6 || !v.Validity.Window.Until.Equal(tpl.Validity.Window.Until) || v.Validity.Days != 0 {
		t.Fatalf("stored template %+v", v.Template)
	}
	for _, u := range []int64{7, 7, 8} {
		if _, err := e.replicas[1].Claims.Claim(ctx, u, tpl.ID); err != nil {
			t.Fatal(err)
		}
	}
	edit := *v.Template
	edit.Discount.AmountOff = 200
	edit.Scope = promo.Scope{Kind: promo.ScopeAll}
	edit.Budget = promo.Budget{Count: 3, Amount: 300, PerShopper: 2}
	v, err = admin.UpdateTemplate(ctx, &edit)
	if err != nil {
		t.Fatalf("lower the budgets to what is issued: %v", err)
	}
	if v.Figures.Issued != 3 || v.Figures.Booked != 300 || v.Left() != 0 {
		t.Errorf("figures %+v, left %d", v.Figures, v.Left())
	}
	mine, err := e.replicas[0].PromoShop.Mine(ctx, 7, promo.CouponAvailable, 0, 10)
	if err != nil || len(mine) != 2 {
		t.Fatalf("shopper 7's coupons: %d, %v", len(mine), err)
	}
	for _, c := range mine {
		if c.Rules.Discount.AmountOff != 100 || c.Rules.Scope.Kind != promo.ScopeSKUs || c.Most != 100 {
			t.Errorf("coupon %d followed the edit: %+v", c.ID, c.Rules)
		}
	}
	for _, b := range []struct {
		budget promo.Budget
		field  string
	}{
		{promo.Budget{Count: 2, Amount: 10_000, PerShopper: 2}, "budget.count"},
		{promo.Budget{Count: 10, Amount: 299, PerShopper: 2}, "budget.amount_fen"},
		{promo.Budget{Count: 10, Amount: 10_000, PerShopper: 1}, "budget.per_shopper"},
	} {
		low := *v.Template
		low.Budget = b.budget
		_, err := admin.UpdateTemplate(ctx, &low)
		var invalid *bizerr.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != b.field {
			t.Errorf("budget %+v: %v, want invalid %s", b.budget, err, b.field)
		}
	}
	// A refused edit changed nothing, and claims go on with the budgets as they were.
	if _, err := e.replicas[0].Claims.Claim(ctx, 9, tpl.ID); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Errorf("claim after the budget was lowered to what is issued: %v", err)
	}
	e.checkAgree(v.Template)
	raised := *v.Template
	raised.Budget.Count, raised.Budget.Amount = 4, 500
	if _, err := admin.UpdateTemplate(ctx, &raised); err != nil {
		t.Fatal(err)
	}
	c, err := e.replicas[0].Claims.Claim(ctx, 9, tpl.ID)
	if err != nil || c.Rules.Discount.AmountOff != 200 || c.Most != 200 {
		t.Fatalf("claim after raising: %+v, %v; want the edited discount", c, err)
	}
	if _, err := e.replicas[1].Claims.Claim(ctx, 10, tpl.ID); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Errorf("fifth claim of a budget of 4 coupons, 500 fen with 500 booked: %v", err)
	}
}

// Pause, resume and end move through the lifecycle; a paused or ended template issues nothing,
// an ended one takes no edit and no move. Claims are made on the replica that moves the template:
// the others' claims see a move within a second (promostore's template cache).
func TestPromoTemplateLifecycle(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	admin := e.replicas[0].PromoAdmin
	tpl := e.template(10, 1000, 1)
	if _, err := admin.MoveTemplate(ctx, tpl.ID, promo.TemplatePaused); err != nil {
		t.Fatal(err)
	}
	if _, err := e.replicas[0].Claims.Claim(ctx, 5, tpl.ID); !errors.Is(err, promo.ErrNotIssuing) {
		t.Errorf("claim of a paused template: %v", err)
	}
	if _, err := admin.MoveTemplate(ctx, tpl.ID, promo.TemplateActive); err != nil {
		t.Fatal(err)
	}
	if _, err := e.replicas[0].Claims.Claim(ctx, 5, tpl.ID); err != nil {
		t.Errorf("claim of a resumed template: %v", err)
	}
	v, err := admin.MoveTemplate(ctx, tpl.ID, promo.TemplateEnded)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.MoveTemplate(ctx, tpl.ID, promo.TemplateActive); !errors.Is(err, lifecycle.ErrRefused) {
		t.Errorf("resume an ended template: %v", err)
	}
	if _, err := admin.UpdateTemplate(ctx, v.Template); !errors.Is(err, lifecycle.ErrRefused) {
		t.Errorf("edit an ended template: %v", err)
	}
	if _, err := e.replicas[0].Claims.Claim(ctx, 6, tpl.ID); !errors.Is(err, promo.ErrNotIssuing) {
		t.Errorf("claim of an ended template: %v", err)
	}
	list, err := e.replicas[0].PromoShop.Claimable(ctx, 5)
	if err != nil || len(list) != 0 {
		t.Errorf("claimable after the end: %d, %v", len(list), err)
	}
}

// The shop lists what a shopper can claim, with its holdings and what is left.
func TestPromoShopClaimable(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	one := e.template(1, 100, 1)
	two := e.template(5, 500, 2)
	if _, err := e.replicas[0].Claims.Claim(ctx, 3, one.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.replicas[0].Claims.Claim(ctx, 4, two.ID); err != nil {
		t.Fatal(err)
	}
	list, err := e.replicas[1].PromoShop.Claimable(ctx, 4)
	if err != nil || len(list) != 2 {
		t.Fatalf("claimable: %d, %v", len(list), err)
	}
	byID := map[int64]promo.Claimable{}
	for _, c := range list {
		byID[c.ID] = c
	}
	if c := byID[one.ID]; !c.SoldOut || c.Held != 0 || c.Reached {
		t.Errorf("template of one coupon, claimed by another: %+v", c)
	}
	if c := byID[two.ID]; c.SoldOut || c.Held != 1 || c.Reached {
		t.Errorf("template of five, one held of two allowed: %+v", c)
	}
}

// Activities survive the store, and the ones that apply are read through a cache that a write
// of the same replica clears.
func TestPromoActivities(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	admin := e.replicas[0].PromoAdmin
	a, err := admin.CreateActivity(ctx, &promo.Activity{Name: "满99减10",
		Scope:  promo.Scope{Kind: promo.ScopeBatches, IDs: []int64{3}},
		Window: promo.Window{From: e.now.Add(-time.Hour), Until: e.now.Add(time.Hour)},
		Tiers:  []promo.Tier{{Threshold: 9900, Off: 1000}, {Threshold: 19900, GiftItemID: 12, GiftQty: 1}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != promo.ActivityActive || len(a.Tiers) != 2 || a.Tiers[1].GiftItemID != 12 || a.Scope.IDs[0] != 3 {
		t.Fatalf("stored activity %+v", a)
	}
	store := e.replicas[0].PromoStore
	applying, err := store.Applying(ctx, e.now)
	if err != nil || len(applying) != 1 {
		t.Fatalf("applying: %d, %v", len(applying), err)
	}
	if _, err := admin.MoveActivity(ctx, a.ID, promo.ActivityPaused); err != nil {
		t.Fatal(err)
	}
	if applying, _ := store.Applying(ctx, e.now); len(applying) != 0 {
		t.Errorf("a paused activity still applies on the replica that paused it")
	}
	if applying, _ := store.Applying(ctx, e.now.Add(2*time.Hour)); len(applying) != 0 {
		t.Errorf("an activity applies after its window")
	}
	bad := *a
	bad.Tiers = []promo.Tier{{Threshold: 1000, Off: 1000}}
	var invalid *bizerr.InvalidError
	if _, err := admin.UpdateActivity(ctx, &bad); !errors.As(err, &invalid) {
		t.Errorf("a tier saving its whole threshold: %v", err)
	}
	if got, _ := admin.Activity(ctx, a.ID); got.Tiers[0].Off != 1000 || got.Tiers[0].Threshold != 9900 {
		t.Errorf("a refused edit changed the activity: %+v", got.Tiers)
	}
}

// The expiry sweep moves available coupons past their validity to expired, on two replicas at
// once, and leaves a locked one to its order.
func TestCouponExpirySweep(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	tpl := e.template(20, 2000, 1)
	for u := int64(1); u <= 12; u++ {
		if _, err := e.replicas[u%2].Claims.Claim(ctx, u, tpl.ID); err != nil {
			t.Fatal(err)
		}
	}
	held, err := e.replicas[0].PromoShop.Mine(ctx, 1, promo.CouponAvailable, 0, 10)
	if err != nil || len(held) != 1 {
		t.Fatalf("shopper 1's coupons: %d, %v", len(held), err)
	}
	if err := e.replicas[0].CouponStore.Lock(ctx, held[0].ID, 1, 77, e.now); err != nil {
		t.Fatal(err)
	}
	// Nothing is due yet.
	if err := e.replicas[0].CouponExpiry.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.replicas[0].PromoAdmin.Template(ctx, tpl.ID); v.Figures.Expired != 0 {
		t.Fatalf("expired before their validity: %+v", v.Figures)
	}
	later := e.now.Add(8 * 24 * time.Hour)
	var wg sync.WaitGroup
	for i := range e.replicas {
		e.clocks[i].Set(later)
		wg.Go(func() {
			if err := e.replicas[i].CouponExpiry.Tick(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	v, err := e.replicas[0].PromoAdmin.Template(ctx, tpl.ID)
	if err != nil || v.Figures.Expired != 11 || v.Figures.Locked != 1 || v.Figures.Issued != 12 {
		t.Fatalf("figures after the sweep: %+v, %v; want 11 expired, 1 locked", v.Figures, err)
	}
}

// Pauses, resumes, edits and an end race on two replicas: once the end has succeeded the
// template stays ended, whatever finished after it.
func TestPromoTemplateEndRacesOtherMoves(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	endings := 0
	for round := range 5 {
		tpl := e.template(10, 1000, 1)
		var (
			wg    sync.WaitGroup
			ended bool
			mu    sync.Mutex
		)
		for g := range 12 {
			admin := e.replicas[g%2].PromoAdmin
			wg.Go(func() {
				switch g % 4 {
				case 0:
					if _, err := admin.MoveTemplate(ctx, tpl.ID, promo.TemplateEnded); err == nil {
						mu.Lock()
						ended = true
						mu.Unlock()
					}
				case 1:
					_, _ = admin.MoveTemplate(ctx, tpl.ID, promo.TemplatePaused)
				case 2:
					_, _ = admin.MoveTemplate(ctx, tpl.ID, promo.TemplateActive)
				default:
					edit := *tpl
					edit.Name = "改名"
					_, _ = admin.UpdateTemplate(ctx, &edit)
				}
			})
		}
		wg.Wait()
		v, err := e.replicas[0].PromoAdmin.Template(ctx, tpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ended {
			endings++
			if v.Status != promo.TemplateEnded {
				t.Fatalf("round %d: status %s: a move after the end brought it back", round, v.Status)
			}
		}
	}
	if endings == 0 {
		t.Fatal("no end succeeded in any round: the test proves nothing")
	}
}

// Rewards are granted once per key within the budgets and the per-shopper limit, through the
// same counters as claims: a key granted from 20 goroutines on two replicas issues one coupon
// and books one.
func TestCouponGrantOncePerKey(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	tpl := e.templateOf(promo.ChannelInvitation, 3, 300, 2)
	ids := make(chan int64, 20)
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			c, err := e.replicas[g%2].Claims.Grant(ctx, tpl.ID, 1, promo.InvitationKey(9, "inviter"))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- c.ID
		})
	}
	wg.Wait()
	close(ids)
	first := int64(0)
	for id := range ids {
		if first == 0 {
			first = id
		}
		if id != first {
			t.Fatalf("one key granted coupons %d and %d", first, id)
		}
	}
	if issued := e.checkAgree(tpl); issued.Count != 1 {
		t.Fatalf("one key issued %d coupons", issued.Count)
	}
	if _, err := e.replicas[0].Claims.Grant(ctx, tpl.ID, 1, promo.InvitationKey(10, "inviter")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.replicas[1].Claims.Grant(ctx, tpl.ID, 1, promo.InvitationKey(11, "inviter")); !errors.Is(err, promo.ErrShopperLimit) {
		t.Errorf("third reward of a limit of 2: %v", err)
	}
	if _, err := e.replicas[1].Claims.Grant(ctx, tpl.ID, 2, promo.InvitationKey(10, "invitee")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.replicas[0].Claims.Grant(ctx, tpl.ID, 3, promo.InvitationKey(12, "invitee")); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Errorf("fourth reward of a budget of 3: %v", err)
	}
	if _, err := e.replicas[0].Claims.Claim(ctx, 4, tpl.ID); !errors.Is(err, promo.ErrNotIssuing) {
		t.Errorf("claim of an invitation template: %v", err)
	}
	claimable := e.template(5, 500, 1)
	if _, err := e.replicas[0].Claims.Grant(ctx, claimable.ID, 4, promo.InvitationKey(13, "invitee")); !errors.Is(err, promo.ErrNotIssuing) {
		t.Errorf("grant of a claim template: %v", err)
	}
	e.checkAgree(tpl)
}

// The embedded default (SQLite and the in-process Redis of `make run`) claims, counts and
// lists coupons as PostgreSQL and Redis do.
func TestCouponsOnTheEmbeddedDefault(t *testing.T) {
	db := openSQLite(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	s := newStackWith(t, db, rdb, "gb", newKeyring(t, "k1", map[string]string{"k1": generateKey(t)}))
	cfg := s.config()
	cfg.Commission = commission.Config{Levels: 1, CapBP: commission.DefaultCapBP}
	built := s.build(s.clock.Now, datatest.NoWechat(), cfg)
	ctx := t.Context()
	now := s.clock.Now()
	v, err := built.PromoAdmin.CreateTemplate(ctx, &promo.Template{Name: "满10减1",
		Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: 100, Threshold: 1000},
		Scope:    promo.Scope{Kind: promo.ScopeBatches, IDs: []int64{4}}, Validity: promo.Validity{Days: 3},
		Budget: promo.Budget{Count: 2, Amount: 200, PerShopper: 1}, FundedBy: promo.FundedByPlatform,
		Channel: promo.ChannelClaim, ClaimWindow: promo.Window{From: now.Add(-time.Hour), Until: now.Add(time.Hour)}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []int64{1, 2} {
		if _, err := built.Claims.Claim(ctx, u, v.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := built.Claims.Claim(ctx, 3, v.ID); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Errorf("third claim of 2: %v", err)
	}
	got, err := built.PromoAdmin.Template(ctx, v.ID)
	if err != nil || got.Figures.Issued != 2 || got.Figures.Booked != 200 || got.Scope.IDs[0] != 4 {
		t.Fatalf("template %+v, %v", got, err)
	}
	mine, err := built.PromoShop.Mine(ctx, 1, "", 0, 10)
	if err != nil || len(mine) != 1 || mine[0].Rules.Scope.IDs[0] != 4 {
		t.Fatalf("shopper 1's coupons: %d, %v", len(mine), err)
	}
}

// An ops send grants one coupon a shopper within the budget, from two replicas ticking at once,
// records each shopper once, and finishes.
func TestCouponSend(t *testing.T) {
	e := newClaimEnv(t)
	ctx := t.Context()
	tpl := e.templateOf(promo.ChannelSend, 5, 500, 1)
	sends := e.replicas[0].CouponSends
	var invalid *bizerr.InvalidError
	if _, err := sends.Create(ctx, tpl.ID, nil, "", 1); !errors.As(err, &invalid) {
		t.Errorf("a send to nobody: %v", err)
	}
	if _, err := sends.Create(ctx, tpl.ID, []int64{3, -1}, "", 1); !errors.As(err, &invalid) {
		t.Errorf("a send to shopper -1: %v", err)
	}
	if _, err := sends.Create(ctx, e.template(5, 500, 1).ID, []int64{3}, "", 1); !errors.As(err, &invalid) {
		t.Errorf("a send of a claim template: %v", err)
	}
	send, err := sends.Create(ctx, tpl.ID, []int64{11, 12, 13, 13, 14, 15, 16, 17}, "会员日", 1)
	if err != nil || send.Total != 7 {
		t.Fatalf("send %+v, %v; want 7 shoppers", send, err)
	}
	for range 3 {
		var wg sync.WaitGroup
		for i := range e.replicas {
			wg.Go(func() {
				if err := e.replicas[i].CouponSends.Tick(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	got, err := sends.Send(ctx, send.ID)
	if err != nil || got.Status != promo.SendDone || got.Issued != 5 || got.Skipped != 2 || got.FinishedAt.IsZero() {
		t.Fatalf("send after the ticks: %+v, %v; want done, 5 issued, 2 skipped", got, err)
	}
	if issued := e.checkAgree(tpl); issued.Count != 5 {
		t.Errorf("database: %d coupons, want 5", issued.Count)
	}
}
