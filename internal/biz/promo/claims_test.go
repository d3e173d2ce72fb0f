package promo

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

var day0 = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func claimTemplate() *Template {
	return &Template{ID: 4, Name: "满50减5",
		Discount:    Discount{Kind: FixedOff, AmountOff: 500, Threshold: 5000},
		Scope:       Scope{Kind: ScopeSKUs, IDs: []int64{3, 9}},
		Validity:    Validity{Days: 7},
		Budget:      Budget{Count: 100, Amount: 50_000, PerShopper: 2},
		FundedBy:    FundedByPlatform,
		Channel:     ChannelClaim,
		ClaimWindow: Window{From: day0, Until: day0.Add(48 * time.Hour)},
		Status:      TemplateActive}
}

// A claimed coupon copies the rules, and an edit of the template afterwards changes nothing of
// it: the scope's ids are its own.
func TestNewClaimedCopiesTheRules(t *testing.T) {
	tpl := claimTemplate()
	at := day0.Add(time.Hour)
	c := NewClaimed(tpl, 11, 2, at)
	if c.IssueKey != "claim:4:11:2" || c.Seq != 2 || c.Most != 500 || c.State != CouponAvailable {
		t.Fatalf("coupon %+v", c)
	}
	if !c.ValidFrom.Equal(at) || !c.ValidUntil.Equal(at.Add(7*24*time.Hour)) {
		t.Fatalf("validity %v–%v, want 7 days from the claim", c.ValidFrom, c.ValidUntil)
	}
	tpl.Discount.AmountOff = 900
	tpl.Name = "edited"
	tpl.Scope.IDs[0] = 77
	if c.Rules.Discount.AmountOff != 500 || c.Rules.Name != "满50减5" {
		t.Fatalf("the coupon followed an edit of its template: %+v", c.Rules)
	}
	if c.Rules.Scope.IDs[0] != 3 {
		t.Errorf("the coupon's scope shares the template's id slice: an edit in place changed it")
	}
}

// A coupon of a fixed window is valid for the window whenever it is claimed.
func TestNewClaimedWindowValidity(t *testing.T) {
	tpl := claimTemplate()
	tpl.Validity = Validity{Window: Window{From: day0, Until: day0.Add(72 * time.Hour)}}
	c := NewClaimed(tpl, 1, 1, day0.Add(5*time.Hour))
	if !c.ValidFrom.Equal(day0) || !c.ValidUntil.Equal(day0.Add(72*time.Hour)) {
		t.Fatalf("validity %v–%v", c.ValidFrom, c.ValidUntil)
	}
}

func TestBudgetCovers(t *testing.T) {
	issued := Issued{Count: 10, Amount: 5000, PerShopper: map[int64]int{1: 1, 2: 3}}
	for _, tc := range []struct {
		b     Budget
		field string
	}{
		{Budget{Count: 10, Amount: 5000, PerShopper: 3}, ""},
		{Budget{Count: 9, Amount: 5000, PerShopper: 3}, "budget.count"},
		{Budget{Count: 10, Amount: 4999, PerShopper: 3}, "budget.amount_fen"},
		{Budget{Count: 10, Amount: 5000, PerShopper: 2}, "budget.per_shopper"},
	} {
		err := budgetCovers(tc.b, issued)
		var invalid *bizerr.InvalidError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.b, err)
		case tc.field != "" && (!errors.As(err, &invalid) || invalid.Field != tc.field):
			t.Errorf("%+v: %v, want invalid %s", tc.b, err, tc.field)
		}
	}
}

// What is left is the lower of the count left and what the amount left pays for at the current
// discount.
func TestLeft(t *testing.T) {
	tpl := claimTemplate()
	for _, tc := range []struct {
		f    Figures
		want int64
	}{
		{Figures{}, 100},
		{Figures{Issued: 99, Booked: 49_500}, 1},
		{Figures{Issued: 50, Booked: 49_800}, 0},
		{Figures{Issued: 100, Booked: 10}, 0},
		{Figures{Issued: 120, Booked: 60_000}, 0}, // more issued than a lowered budget: none, not negative
	} {
		if got := (TemplateView{Template: tpl, Figures: tc.f}).Left(); got != tc.want {
			t.Errorf("%+v: left %d, want %d", tc.f, got, tc.want)
		}
	}
}

// Bad input is refused before any store is asked (the use cases here have none).
func TestClaimRefusesBadInput(t *testing.T) {
	c := &Claims{}
	for _, tc := range []struct {
		user, template int64
		field          string
	}{{0, 1, "user_id"}, {1, 0, "template_id"}, {-1, 1, "user_id"}, {1, -5, "template_id"}} {
		_, err := c.Claim(t.Context(), tc.user, tc.template)
		var invalid *bizerr.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != tc.field {
			t.Errorf("claim(%d, %d): %v, want invalid %s", tc.user, tc.template, err, tc.field)
		}
	}
	s := &Shop{}
	if _, err := s.Mine(t.Context(), 1, "lost", 0, 10); err == nil {
		t.Error("coupons in state lost: no error")
	}
	if _, err := (&Admin{}).Templates(t.Context(), TemplateFilter{Channel: "mail"}); err == nil {
		t.Error("templates of channel mail: no error")
	}
}
