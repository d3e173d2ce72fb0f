package promo

import (
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// CouponState is where a shopper's coupon is.
type CouponState string

const (
	CouponAvailable CouponState = "available"
	CouponLocked    CouponState = "locked"
	CouponUsed      CouponState = "used"
	CouponExpired   CouponState = "expired"
)

// CouponLifecycle is the only way a coupon's state moves. Locked → available and used →
// available are the releases (an order cancelled or expired unpaid, a whole refund), each to
// expired instead when the coupon's validity is over.
var CouponLifecycle = lifecycle.New("coupon",
	[]CouponState{CouponAvailable, CouponLocked, CouponUsed, CouponExpired},
	map[CouponState][]CouponState{
		CouponAvailable: {CouponLocked, CouponExpired},
		CouponLocked:    {CouponUsed, CouponAvailable, CouponExpired},
		CouponUsed:      {CouponAvailable, CouponExpired},
	})

// Coupon is one coupon a shopper holds. Seq numbers the shopper's coupons of the template from 1
// to its per-shopper limit: (template, shopper, seq) is unique, so the database itself refuses a
// claim beyond the limit.
type Coupon struct {
	ID         int64
	TemplateID int64
	UserID     int64
	Seq        int
	Rules      Rules
	State      CouponState
	ValidFrom  time.Time
	ValidUntil time.Time
	OrderID    int64 // the order that locked or used it; 0 when available
	// IssueKey is derived from why it was issued (IssueKey functions): issuing again for the
	// same cause finds this coupon instead of a second one.
	IssueKey string
	// Most is what the claim booked against the template's amount budget.
	Most int64
	// Discount is what it took off its order, once used.
	Discount  int64
	ClaimedAt time.Time
	UsedAt    time.Time
}

// Usable reports whether the coupon can go on an order at now.
func (c *Coupon) Usable(now time.Time) bool {
	return c.State == CouponAvailable && !now.Before(c.ValidFrom) && now.Before(c.ValidUntil)
}

// Released is the state a coupon goes back to when its order no longer holds it at now.
func (c *Coupon) Released(now time.Time) CouponState {
	if now.Before(c.ValidUntil) {
		return CouponAvailable
	}
	return CouponExpired
}
