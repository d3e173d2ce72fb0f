package promo

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func cart(lines ...Line) Cart {
	return Cart{BatchID: 7, LeaderID: 3, GridCell: "8831aa5a9dfffff", Lines: lines, At: t0}
}

func noGifts(int64) (Line, bool) { return Line{}, false }

func coupon(id int64, d Discount, s Scope, by Funder) *Coupon {
	return &Coupon{ID: id, Rules: Rules{Discount: d, Scope: s, FundedBy: by}, State: CouponAvailable,
		ValidFrom: t0.Add(-time.Hour), ValidUntil: t0.Add(24 * time.Hour)}
}

func activity(id int64, s Scope, tiers ...Tier) *Activity {
	return &Activity{ID: id, Scope: s, Tiers: tiers, Status: ActivityActive,
		Window: Window{From: t0.Add(-time.Hour), Until: t0.Add(time.Hour)}}
}

var all = Scope{Kind: ScopeAll}

// A hand-computed order: lines of ¥30.00 (3 × 10.00), ¥20.00 and ¥9.90, gross ¥59.90.
//   - 满减 "满50减8" reaches its second tier (满30减5 < 50 ≤ 59.90): 800 fen over 3000:2000:990
//     is 400.67, 267.11, 132.22 → floors 400, 267, 132 (799) and the fen to the largest
//     remainder (line 1): 401, 267, 132.
//   - coupon 10% off capped at ¥5.00 on SKU 2 and 3 only: they pay 2000−267 + 990−132 = 2591
//     after the 满减, 10% is 259 fen: over 1733:858 is 172.66, 86.34 → 173, 86.
//
// Paid: 2599 + 1560 + 772 = 4931 = 5990 − 800 − 259.
func TestPriceHandComputedOrder(t *testing.T) {
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 1000, Qty: 3}, Line{ItemID: 2, SKUID: 2, Price: 2000, Qty: 1},
		Line{ItemID: 3, SKUID: 3, Price: 990, Qty: 1})
	acts := []*Activity{activity(1, all, Tier{Threshold: 3000, Off: 500}, Tier{Threshold: 5000, Off: 800})}
	cp := coupon(9, Discount{Kind: PercentOff, PercentBP: 1000, MaxOff: 500}, Scope{Kind: ScopeSKUs, IDs: []int64{2, 3}}, FundedByPlatform)
	q, err := Pricing{CapBP: 3000}.Price(c, acts, cp, noGifts)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ promo, coupon, paid int64 }{{401, 0, 2599}, {267, 173, 1560}, {132, 86, 772}}
	for i, w := range want {
		l := q.Lines[i]
		if l.PromoOff != w.promo || l.CouponOff != w.coupon || l.Amount() != w.paid {
			t.Errorf("line %d: promo %d coupon %d paid %d, want %+v", i, l.PromoOff, l.CouponOff, l.Amount(), w)
		}
	}
	if q.Gross != 5990 || q.PromoOff != 800 || q.CouponOff != 259 || q.Amount != 4931 || q.ActivityID != 1 || q.CouponID != 9 {
		t.Errorf("quote %+v", q)
	}
	if c.Lines[0].Gross != 0 {
		t.Error("Price changed the cart's lines")
	}
}

func TestBestActivityAndGift(t *testing.T) {
	gifts := func(id int64) (Line, bool) {
		return Line{ItemID: id, SKUID: 40, Price: 600}, id == 4
	}
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 5000, Qty: 1})
	// Saving ¥5 loses to a gift worth 2 × ¥6; the gift line is paid nothing and counts as promo.
	acts := []*Activity{activity(1, all, Tier{Threshold: 5000, Off: 500}),
		activity(2, Scope{Kind: ScopeBatches, IDs: []int64{7}}, Tier{Threshold: 4000, GiftItemID: 4, GiftQty: 2})}
	q, err := Pricing{}.Price(c, acts, nil, gifts)
	if err != nil {
		t.Fatal(err)
	}
	if q.ActivityID != 2 || len(q.Lines) != 2 || !q.Lines[1].Gift || q.Lines[1].Amount() != 0 || q.Lines[1].Gross != 1200 {
		t.Fatalf("quote %+v", q)
	}
	if q.Amount != 5000 || q.PromoOff != 0 {
		t.Errorf("amount %d promo %d, want 5000 and 0", q.Amount, q.PromoOff)
	}
	// Below every tier, or outside the window: nothing applies.
	c.Lines[0].Price = 3999
	if q, _ := (Pricing{}).Price(c, acts, nil, gifts); q.ActivityID != 0 || q.Amount != 3999 {
		t.Errorf("below the tiers: %+v", q)
	}
	c.At = t0.Add(2 * time.Hour)
	c.Lines[0].Price = 9000
	if q, _ := (Pricing{}).Price(c, acts, nil, gifts); q.ActivityID != 0 {
		t.Errorf("after the window: %+v", q)
	}
}

func TestCouponNeverTakesTheLastFen(t *testing.T) {
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 300, Qty: 1})
	q, err := Pricing{}.Price(c, nil, coupon(1, Discount{Kind: FixedOff, AmountOff: 500}, all, FundedByPlatform), noGifts)
	if err != nil {
		t.Fatal(err)
	}
	if q.Amount != 1 || q.CouponOff != 299 {
		t.Errorf("amount %d off %d, want 1 and 299", q.Amount, q.CouponOff)
	}
}

func TestCouponRefusals(t *testing.T) {
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 1000, Qty: 2, RateBP: 1000})
	fixed := Discount{Kind: FixedOff, AmountOff: 300, Threshold: 2500}
	used := coupon(1, Discount{Kind: FixedOff, AmountOff: 100}, all, FundedByPlatform)
	used.State = CouponLocked
	expired := coupon(2, Discount{Kind: FixedOff, AmountOff: 100}, all, FundedByPlatform)
	expired.ValidUntil = t0
	for _, tc := range []struct {
		name string
		cp   *Coupon
		want error
	}{
		{"below threshold", coupon(3, fixed, all, FundedByPlatform), ErrBelowThreshold},
		{"other SKU", coupon(4, Discount{Kind: FixedOff, AmountOff: 100}, Scope{Kind: ScopeSKUs, IDs: []int64{2}}, FundedByPlatform), ErrOutOfScope},
		{"other leader", coupon(5, Discount{Kind: FixedOff, AmountOff: 100}, Scope{Kind: ScopeLeaders, IDs: []int64{4}}, FundedByPlatform), ErrOutOfScope},
		{"other grid", coupon(6, Discount{Kind: FixedOff, AmountOff: 100}, Scope{Kind: ScopeGrids, Cells: []string{"x"}}, FundedByPlatform), ErrOutOfScope},
		{"locked", used, ErrCouponNotUsable},
		{"expired", expired, ErrCouponNotUsable},
		// 10% of ¥18 is 180 fen of commission: a leader cannot fund ¥2.
		{"leader cannot fund", coupon(7, Discount{Kind: FixedOff, AmountOff: 200}, all, FundedByLeader), ErrLeaderCannotFund},
	} {
		_, err := Pricing{CapBP: 3000}.Price(c, nil, tc.cp, noGifts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestLeaderFundedAllocatedByCommission(t *testing.T) {
	// Lines paying 2000 at 10% and 1000 at 0%: only the first line's commission can fund.
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 2100, Qty: 1, RateBP: 1000}, Line{ItemID: 2, SKUID: 2, Price: 1050, Qty: 1})
	q, err := Pricing{CapBP: 3000}.Price(c, nil, coupon(1, Discount{Kind: FixedOff, AmountOff: 150}, all, FundedByLeader), noGifts)
	if err != nil {
		t.Fatal(err)
	}
	if q.Lines[0].LeaderFunded != 150 || q.Lines[1].LeaderFunded != 0 || q.LeaderFunded != 150 {
		t.Errorf("leader funded %d, %d", q.Lines[0].LeaderFunded, q.Lines[1].LeaderFunded)
	}
}

func TestBestCoupon(t *testing.T) {
	c := cart(Line{ItemID: 1, SKUID: 1, Price: 1000, Qty: 5})
	small := coupon(1, Discount{Kind: FixedOff, AmountOff: 300}, all, FundedByPlatform)
	big := coupon(2, Discount{Kind: PercentOff, PercentBP: 1000, MaxOff: 800}, all, FundedByPlatform)
	sameSooner := coupon(3, Discount{Kind: FixedOff, AmountOff: 500}, all, FundedByPlatform)
	sameSooner.ValidUntil = t0.Add(time.Hour)
	tooHigh := coupon(4, Discount{Kind: FixedOff, AmountOff: 2000, Threshold: 9000}, all, FundedByPlatform)
	q, err := Pricing{}.Best(c, nil, []*Coupon{small, tooHigh, big, sameSooner}, noGifts)
	if err != nil {
		t.Fatal(err)
	}
	// 10% of ¥50 is ¥5, as much as the fixed ¥5 that expires sooner: the sooner one wins.
	if q.CouponID != 3 || q.Amount != 4500 {
		t.Errorf("best coupon %d, amount %d; want 3 and 4500", q.CouponID, q.Amount)
	}
	if q, _ := (Pricing{}).Best(c, nil, []*Coupon{tooHigh}, noGifts); q.CouponID != 0 || q.Amount != 5000 {
		t.Errorf("no coupon applies: %+v", q)
	}
}

// WeChat's ratio applies to the payment net of its fee, rounded to the fen: on a ¥1.00 payment
// at a 0.6% fee the fee is 1 fen and the ratio of 30% leaves 29 fen, while a line at the 30%
// commission cap carries 30. Pricing decides the 1 fen cut (and credits cut at most that). With
// the commission cap equal to WeChat's ratio any fee makes the worst case pass it (¥100.00: 18
// fen); what a leader funds is room.
func TestPricingCutsCommissionToWeChatsRatio(t *testing.T) {
	p := Pricing{CapBP: 3000, Limit: ratio.Limit{MaxBP: 3000, FeeBP: 60}}
	q, err := p.Price(cart(Line{ItemID: 1, SKUID: 1, Price: 100, Qty: 1, RateBP: 3000}), nil, nil, noGifts)
	if err != nil || q.ShareCap != 29 || q.CommissionCut != 1 {
		t.Fatalf("¥1.00: cap %d cut %d (%v)", q.ShareCap, q.CommissionCut, err)
	}
	q, err = p.Price(cart(Line{ItemID: 1, SKUID: 1, Price: 10000, Qty: 1, RateBP: 2000}), nil, nil, noGifts)
	if err != nil || q.ShareCap != 2982 || q.CommissionCut != 18 {
		t.Fatalf("¥100.00: cap %d cut %d (%v)", q.ShareCap, q.CommissionCut, err)
	}
	leader := coupon(9, Discount{Kind: FixedOff, AmountOff: 100}, all, FundedByLeader)
	q, err = p.Price(cart(Line{ItemID: 1, SKUID: 1, Price: 10000, Qty: 1, RateBP: 3000}), nil, leader, noGifts)
	// Pays 9900: the fee is 59, the cap (9900-59) × 30% = 2952; the worst case 2970 - 100 funded.
	if err != nil || q.ShareCap != 2952 || q.CommissionCut != 0 {
		t.Fatalf("leader-funded: cap %d cut %d (%v)", q.ShareCap, q.CommissionCut, err)
	}
	if q, _ := (Pricing{CapBP: 3000}).Price(cart(Line{ItemID: 1, Price: 100, Qty: 1}), nil, nil, noGifts); q.CommissionCut != 0 {
		t.Fatal("no limit configured: nothing is cut")
	}
}
