package promo

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

func TestLifecyclesAreTheDocumentedOnes(t *testing.T) {
	if bad := lifecycle.Walk(CouponLifecycle, map[CouponState][]CouponState{
		CouponAvailable: {CouponLocked, CouponExpired},
		CouponLocked:    {CouponUsed, CouponAvailable, CouponExpired},
		CouponUsed:      {CouponAvailable, CouponExpired},
	}); len(bad) > 0 {
		t.Errorf("coupon: %v", bad)
	}
	if bad := lifecycle.Walk(TemplateLifecycle, map[TemplateStatus][]TemplateStatus{
		TemplateActive: {TemplatePaused, TemplateEnded},
		TemplatePaused: {TemplateActive, TemplateEnded},
	}); len(bad) > 0 {
		t.Errorf("template: %v", bad)
	}
	if bad := lifecycle.Walk(ActivityLifecycle, map[ActivityStatus][]ActivityStatus{
		ActivityActive: {ActivityPaused, ActivityEnded},
		ActivityPaused: {ActivityActive, ActivityEnded},
	}); len(bad) > 0 {
		t.Errorf("activity: %v", bad)
	}
}

func validTemplate() *Template {
	return &Template{Name: " 满50减5 ", Discount: Discount{Kind: FixedOff, AmountOff: 500, Threshold: 5000},
		Scope: Scope{Kind: ScopeAll}, Validity: Validity{Days: 7},
		Budget:   Budget{Count: 1000, Amount: 500_000, PerShopper: 1},
		FundedBy: FundedByPlatform, Channel: ChannelClaim, Status: TemplateActive,
		ClaimWindow: Window{From: t0, Until: t0.Add(72 * time.Hour)}}
}

func TestTemplateCheck(t *testing.T) {
	if err := validTemplate().Check(3000); err != nil {
		t.Fatalf("a valid template: %v", err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*Template)
	}{
		{"name", func(t *Template) { t.Name = "  " }},
		{"discount.amount_off_fen", func(t *Template) { t.Discount.AmountOff = 5000 }},
		{"discount.max_off_fen", func(t *Template) { t.Discount = Discount{Kind: PercentOff, PercentBP: 1000} }},
		{"discount.percent_bp", func(t *Template) { t.Discount = Discount{Kind: PercentOff, PercentBP: 10000, MaxOff: 100} }},
		{"discount.kind", func(t *Template) { t.Discount.Kind = "bogo" }},
		{"scope.ids", func(t *Template) { t.Scope = Scope{Kind: ScopeSKUs} }},
		{"scope.ids", func(t *Template) { t.Scope = Scope{Kind: ScopeLeaders, IDs: []int64{-1}} }},
		{"scope.cells", func(t *Template) { t.Scope = Scope{Kind: ScopeGrids} }},
		{"scope", func(t *Template) { t.Scope = Scope{Kind: ScopeAll, IDs: []int64{1}} }},
		{"validity.days", func(t *Template) { t.Validity.Days = 400 }},
		{"validity", func(t *Template) { t.Validity = Validity{} }},
		{"validity", func(t *Template) {
			t.Validity = Validity{Window: Window{From: t0, Until: t0.Add(time.Hour)}}
		}},
		{"budget.count", func(t *Template) { t.Budget.Count = 0 }},
		{"budget.per_shopper", func(t *Template) { t.Budget.PerShopper = 0 }},
		// The amount budget cannot cover one coupon.
		{"budget.amount_fen", func(t *Template) { t.Budget.Amount = 499 }},
		{"claim_window", func(t *Template) { t.ClaimWindow.Until = t0 }},
		{"channel", func(t *Template) { t.Channel = "sms" }},
		{"funded_by", func(t *Template) { t.FundedBy = "brand" }},
		// ¥5 off ¥50: a leader at the 30% cap earns at most ¥13.50 on the ¥45 paid — fundable;
		// ¥20 off ¥50 is not (30% of ¥30 is ¥9), nor a leader funding a new-shopper reward.
		{"funded_by", func(t *Template) { t.FundedBy, t.Discount.AmountOff = FundedByLeader, 2000 }},
		{"funded_by", func(t *Template) { t.FundedBy, t.Channel = FundedByLeader, ChannelNewShopper }},
	} {
		tpl := validTemplate()
		tc.edit(tpl)
		var inv *bizerr.InvalidError
		if err := tpl.Check(3000); !errors.As(err, &inv) || inv.Field != tc.field {
			t.Errorf("want field %s refused, got %v", tc.field, err)
		}
	}
	leader := validTemplate()
	leader.FundedBy = FundedByLeader
	if err := leader.Check(3000); err != nil {
		t.Errorf("a fundable leader coupon: %v", err)
	}
}

func TestActivityCheck(t *testing.T) {
	ok := &Activity{Name: "满减", Scope: Scope{Kind: ScopeBatches, IDs: []int64{7}},
		Window: Window{From: t0, Until: t0.Add(time.Hour)},
		Tiers:  []Tier{{Threshold: 3000, Off: 300}, {Threshold: 5000, GiftItemID: 9, GiftQty: 1}, {Threshold: 8000, Off: 1000}}}
	if err := ok.Check(); err != nil {
		t.Fatalf("a valid activity: %v", err)
	}
	for _, tc := range []struct {
		field string
		tiers []Tier
		scope ScopeKind
	}{
		{"tiers", nil, ScopeBatches},
		{"tiers.threshold_fen", []Tier{{Threshold: 5000, Off: 500}, {Threshold: 5000, Off: 600}}, ScopeBatches},
		{"tiers.off_fen", []Tier{{Threshold: 5000, Off: 5000}}, ScopeBatches},
		{"tiers.off_fen", []Tier{{Threshold: 3000, Off: 500}, {Threshold: 5000, Off: 400}}, ScopeBatches},
		{"tiers.gift_quantity", []Tier{{Threshold: 3000, GiftItemID: 9}}, ScopeBatches},
		{"tiers.gift_item_id", []Tier{{Threshold: 3000, GiftItemID: 9, GiftQty: 1}}, ScopeAll},
	} {
		a := *ok
		a.Tiers, a.Scope = tc.tiers, Scope{Kind: tc.scope}
		if tc.scope == ScopeBatches {
			a.Scope.IDs = []int64{7}
		}
		var inv *bizerr.InvalidError
		if err := a.Check(); !errors.As(err, &inv) || inv.Field != tc.field {
			t.Errorf("tiers %+v: want %s refused, got %v", tc.tiers, tc.field, err)
		}
	}
}
