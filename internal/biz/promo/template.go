package promo

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// Funder is who pays for a coupon's discount.
type Funder string

const (
	// FundedByPlatform: the platform's revenue bears the discount.
	FundedByPlatform Funder = "platform"
	// FundedByLeader: the serving leader's commission on the order bears it, never below zero.
	FundedByLeader Funder = "leader"
)

// Channel is how shoppers get a template's coupons.
type Channel string

const (
	// ChannelClaim: shoppers claim it in the shop (领券).
	ChannelClaim Channel = "claim"
	// ChannelSend: ops send it to a list of shoppers.
	ChannelSend Channel = "send"
	// ChannelNewShopper: issued once at a shopper's first login.
	ChannelNewShopper Channel = "new_shopper"
	// ChannelInvitation: issued to inviter and invitee when an invitation pays out.
	ChannelInvitation Channel = "invitation"
)

// TemplateStatus is whether a template issues coupons.
type TemplateStatus string

const (
	TemplateActive TemplateStatus = "active"
	TemplatePaused TemplateStatus = "paused"
	// TemplateEnded issues no more, for good; coupons already issued stay usable.
	TemplateEnded TemplateStatus = "ended"
)

// TemplateLifecycle is the only way a template's status moves.
var TemplateLifecycle = lifecycle.New("coupon template",
	[]TemplateStatus{TemplateActive, TemplatePaused, TemplateEnded},
	map[TemplateStatus][]TemplateStatus{
		TemplateActive: {TemplatePaused, TemplateEnded},
		TemplatePaused: {TemplateActive, TemplateEnded},
	})

// Validity is how long a claimed coupon can be used: a fixed window, or Days from the claim.
type Validity struct {
	Window Window
	Days   int
}

// maxValidDays bounds a relative validity: a year is already generous for fresh goods.
const maxValidDays = 366

// Until is when a coupon claimed at claimedAt stops being usable.
func (v Validity) Until(claimedAt time.Time) time.Time {
	if v.Days > 0 {
		return claimedAt.Add(time.Duration(v.Days) * 24 * time.Hour)
	}
	return v.Window.Until
}

// From is when a coupon claimed at claimedAt becomes usable.
func (v Validity) From(claimedAt time.Time) time.Time {
	if v.Days > 0 {
		return claimedAt
	}
	return v.Window.From
}

func (v Validity) check() error {
	if v.Days != 0 {
		if v.Days < 0 || v.Days > maxValidDays || !v.Window.From.IsZero() || !v.Window.Until.IsZero() {
			return bizerr.Invalid("validity.days", "1 to 366 days after the claim, or a window, not both")
		}
		return nil
	}
	return v.Window.check("validity")
}

// Budget bounds what a template issues: Count coupons and Amount fen of discount, booked at
// Discount.Most() a coupon at claim, and PerShopper coupons to any one shopper.
type Budget struct {
	Count      int64
	Amount     int64
	PerShopper int
}

// maxBudgetCount bounds a template's coupons (ten million): more is a typo.
const maxBudgetCount = 10_000_000

func (b Budget) check(most int64) error {
	switch {
	case b.Count <= 0 || b.Count > maxBudgetCount:
		return bizerr.Invalid("budget.count", "1 to 10,000,000 coupons")
	case b.PerShopper <= 0 || b.PerShopper > 100:
		return bizerr.Invalid("budget.per_shopper", "1 to 100 coupons a shopper")
	case b.Amount < most || b.Amount > maxBudgetCount*MaxAmount/1000:
		return bizerr.Invalid("budget.amount_fen", "at least one coupon's discount")
	}
	return nil
}

// Template is what ops configure; a shopper's Coupon copies its rules at claim.
type Template struct {
	ID       int64
	Name     string
	Discount Discount
	Scope    Scope
	Validity Validity
	Budget   Budget
	FundedBy Funder
	Channel  Channel
	// ClaimWindow is when the template issues coupons.
	ClaimWindow Window
	Status      TemplateStatus
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Check validates a template as ops submit it. capBP is the commission cap: a leader-funded
// coupon must fit within the commission of the smallest order it applies to (its threshold net
// of its discount) at that cap, or it could never be funded; pricing checks the actual order.
func (t *Template) Check(capBP int) error {
	t.Name = strings.TrimSpace(t.Name)
	if n := utf8.RuneCountInString(t.Name); n == 0 || n > 40 {
		return bizerr.Invalid("name", "1 to 40 characters")
	}
	for _, check := range []func() error{t.Discount.check, t.Scope.check, t.Validity.check,
		func() error { return t.Budget.check(t.Discount.Most()) },
		func() error { return t.ClaimWindow.check("claim_window") }} {
		if err := check(); err != nil {
			return err
		}
	}
	switch t.Channel {
	case ChannelClaim, ChannelSend, ChannelNewShopper, ChannelInvitation:
	default:
		return bizerr.Invalid("channel", "claim, send, new_shopper or invitation")
	}
	switch t.FundedBy {
	case FundedByPlatform:
	case FundedByLeader:
		if t.Channel != ChannelClaim && t.Channel != ChannelSend {
			return bizerr.Invalid("funded_by", "a leader funds only coupons claimed or sent, not platform rewards")
		}
		if t.Discount.Threshold == 0 || t.Discount.Most() > ratio.Of(t.Discount.Threshold-t.Discount.Most(), capBP) {
			return bizerr.Invalid("funded_by", "the discount could exceed the leader's commission: raise the threshold or lower the discount")
		}
	default:
		return bizerr.Invalid("funded_by", "platform or leader")
	}
	if t.Validity.Days == 0 && t.Validity.Window.Until.Before(t.ClaimWindow.Until) {
		return bizerr.Invalid("validity", "coupons must stay usable until claiming ends")
	}
	return nil
}

// Issues reports whether the template issues coupons at now.
func (t *Template) Issues(now time.Time) bool {
	return t.Status == TemplateActive && t.ClaimWindow.Contains(now)
}

// Rules is what a coupon copies from its template at claim: later edits of the template change
// nothing already issued.
type Rules struct {
	Name     string
	Discount Discount
	Scope    Scope
	FundedBy Funder
}

// Rules are the template's rules as a claim copies them.
func (t *Template) Rules() Rules {
	return Rules{Name: t.Name, Discount: t.Discount, Scope: t.Scope, FundedBy: t.FundedBy}
}
