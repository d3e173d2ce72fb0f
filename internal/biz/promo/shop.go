package promo

import (
	"context"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// maxClaimable bounds the templates the shop lists to claim: a shop shows a handful.
const maxClaimable = 50

// Holdings counts a shopper's coupons of templates, for the shop's "claimed" marks.
type Holdings interface {
	HeldBy(ctx context.Context, userID int64, templateIDs []int64) (map[int64]int, error)
}

// Shop is what a shopper reads of coupons.
type Shop struct {
	repo     Repo
	coupons  Coupons
	holdings Holdings
	now      port.Clock
}

// NewShop reads templates from repo and coupons from coupons.
func NewShop(repo Repo, coupons Coupons, holdings Holdings, now port.Clock) *Shop {
	return &Shop{repo: repo, coupons: coupons, holdings: holdings, now: now}
}

// Claimable is a template a shopper can claim now, as the shop shows it.
type Claimable struct {
	*Template
	// Held is how many of its coupons the shopper holds; Reached when that is its limit.
	Held    int
	Reached bool
	// SoldOut: none are left (已抢光), from the database's figures, which lag the counters by
	// the claims in flight: a claim decides.
	SoldOut bool
}

// Claimable lists the templates that issue by claim now, newest first, with the shopper's
// holdings and whether any are left.
func (s *Shop) Claimable(ctx context.Context, userID int64) ([]Claimable, error) {
	if userID <= 0 {
		return nil, bizerr.Invalid("user_id", "a signed-in shopper")
	}
	ts, err := s.repo.Templates(ctx, TemplateFilter{Channel: ChannelClaim, IssuesAt: s.now(), Limit: maxClaimable})
	if err != nil {
		return nil, err
	}
	views, err := withFigures(ctx, s.repo, ts)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	held, err := s.holdings.HeldBy(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Claimable, len(views))
	for i, v := range views {
		n := held[v.ID]
		out[i] = Claimable{Template: v.Template, Held: n, Reached: n >= v.Budget.PerShopper, SoldOut: v.Left() == 0}
	}
	return out, nil
}

// Mine pages through the shopper's coupons in a state (all when empty), newest first.
func (s *Shop) Mine(ctx context.Context, userID int64, state CouponState, beforeID int64, limit int) ([]*Coupon, error) {
	if userID <= 0 {
		return nil, bizerr.Invalid("user_id", "a signed-in shopper")
	}
	switch state {
	case "", CouponAvailable, CouponLocked, CouponUsed, CouponExpired:
	default:
		return nil, bizerr.Invalid("state", "available, locked, used or expired")
	}
	if beforeID < 0 {
		return nil, bizerr.Invalid("before_id", "a positive id")
	}
	return s.coupons.OfUser(ctx, userID, state, beforeID, port.PageLimit(limit))
}
