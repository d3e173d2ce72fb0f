package promo

import (
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// Line is one line of a cart: a batch item at its presale price, and what pricing makes of it.
type Line struct {
	ItemID int64
	SKUID  int64
	Price  int64 // presale unit price, fen
	Qty    int64
	RateBP int // the item's level-0 commission rate
	Gift   bool

	Gross     int64 // Price × Qty
	PromoOff  int64 // the 满减 allocated to the line; all of Gross for a gift
	CouponOff int64 // the coupon allocated to the line
	// LeaderFunded is the part of the order's leader-funded coupon this line's commission
	// bears: allocated by the lines' level-0 commission, so it never exceeds it.
	LeaderFunded int64
}

// Amount is what the shopper pays for the line.
func (l *Line) Amount() int64 { return l.Gross - l.PromoOff - l.CouponOff }

// Cart is an order as pricing sees it.
type Cart struct {
	BatchID  int64
	LeaderID int64
	GridCell string
	Lines    []Line
	At       time.Time
}

// GiftLookup finds a batch item by id, as a line of quantity 0 at its presale price, for a gift.
type GiftLookup func(itemID int64) (Line, bool)

// Quote is a priced cart: its lines (gifts last), the promotions applied and what is paid.
type Quote struct {
	Lines     []Line
	Gross     int64
	PromoOff  int64 // money off by the 满减 (gifts not counted)
	CouponOff int64
	Amount    int64 // payable: Gross − PromoOff − CouponOff − the gifts' gross, at least 1 fen

	ActivityID int64
	Tier       Tier
	CouponID   int64
	// LeaderFunded is what the serving leader's commission bears of CouponOff.
	LeaderFunded int64
	// ShareCap is the most the payment may share under WeChat's maximum ratio (Pricing.Limit);
	// CommissionCut is what commission at its worst (every line at the commission cap, less
	// what the leader funds) exceeds it by: commission.Split cuts that much, highest level
	// first, when the order is credited. Decided here, so profit-sharing is never refused.
	ShareCap      int64
	CommissionCut int64
}

// Errors of pricing; a CouponError says why one coupon does not apply.
var (
	ErrCouponNotUsable  = errors.New("coupon is not usable")
	ErrBelowThreshold   = errors.New("order is below the coupon's threshold")
	ErrOutOfScope       = errors.New("coupon does not apply to these items")
	ErrLeaderCannotFund = errors.New("the leader's commission on this order cannot fund the coupon")
	ErrGiftUnavailable  = errors.New("the gift item is not in the batch")
)

// CouponError is a coupon that does not apply to a cart, and why (one of the errors above).
type CouponError struct {
	CouponID int64
	Err      error
}

func (e *CouponError) Error() string { return fmt.Sprintf("coupon %d: %v", e.CouponID, e.Err) }
func (e *CouponError) Unwrap() error { return e.Err }

// Pricing prices carts with the commission cap it checks leader-funded coupons against, and
// WeChat's maximum profit-sharing ratio the commission of the payable must fit (no limit when
// Limit.MaxBP is 0).
type Pricing struct {
	CapBP int
	Limit ratio.Limit
}

// Price prices the cart: the 满减 among activities that saves the most (gift tiers valued at the
// gift's gross; on a tie the lower id), then the coupon, if any. A coupon that does not apply is
// a *CouponError. The cart's lines are not modified.
func (p Pricing) Price(c Cart, activities []*Activity, coupon *Coupon, gifts GiftLookup) (*Quote, error) {
	q := &Quote{Lines: make([]Line, len(c.Lines))}
	for i, l := range c.Lines {
		l.Gross, l.PromoOff, l.CouponOff, l.LeaderFunded = l.Price*l.Qty, 0, 0, 0
		q.Lines[i] = l
		q.Gross += l.Gross
	}
	if err := p.applyActivity(q, &c, activities, gifts); err != nil {
		return nil, err
	}
	if coupon != nil {
		if err := p.applyCoupon(q, &c, coupon); err != nil {
			return nil, &CouponError{CouponID: coupon.ID, Err: err}
		}
	}
	q.Amount = 0
	for i := range q.Lines {
		q.Amount += q.Lines[i].Amount()
	}
	q.ShareCap, q.CommissionCut = p.shareRoom(q)
	return q, nil
}

// shareRoom is the payment's share cap and what the worst-case commission exceeds it by. The
// fee is rounded to the fen, so on a tiny payment the worst case can pass the cap even when the
// commission cap equals WeChat's ratio.
func (p Pricing) shareRoom(q *Quote) (cap, cut int64) {
	var worst int64
	for i := range q.Lines {
		l := &q.Lines[i]
		worst += ratio.Of(l.Amount(), p.CapBP) - l.LeaderFunded
	}
	if p.Limit.MaxBP <= 0 {
		return worst, 0
	}
	cap = p.Limit.Cap(q.Amount)
	return cap, max(worst-cap, 0)
}

// applyActivity applies the best activity's reached tier.
func (p Pricing) applyActivity(q *Quote, c *Cart, activities []*Activity, gifts GiftLookup) error {
	var best *Activity
	var bestTier Tier
	var bestValue int64
	for _, a := range activities {
		if !a.Applies(c.At) || !a.Scope.takesOrder(c) {
			continue
		}
		t, ok := a.reached(sumOf(q.Lines, a.Scope, Line.payableBeforeCoupon))
		if !ok {
			continue
		}
		value := t.Off
		if t.gift() {
			g, found := gifts(t.GiftItemID)
			if !found {
				continue
			}
			value = g.Price * t.GiftQty
		}
		if best == nil || value > bestValue || value == bestValue && a.ID < best.ID {
			best, bestTier, bestValue = a, t, value
		}
	}
	if best == nil {
		return nil
	}
	q.ActivityID, q.Tier = best.ID, bestTier
	if bestTier.gift() {
		g, _ := gifts(bestTier.GiftItemID)
		g.Qty, g.Gift = bestTier.GiftQty, true
		g.Gross = g.Price * g.Qty
		g.PromoOff = g.Gross
		q.Lines = append(q.Lines, g)
		q.Gross += g.Gross
		return nil
	}
	// Keep at least 1 fen to pay: a tier saving the whole of a cart made only of its scope.
	off := min(bestTier.Off, q.Gross-1)
	q.PromoOff = off
	allocate(q.Lines, off, best.Scope, Line.payableBeforeCoupon, func(l *Line, part int64) { l.PromoOff += part })
	return nil
}

// applyCoupon applies the coupon to what the lines in its scope pay after the 满减: the
// threshold is reached on that amount (先满减后用券), and at least 1 fen stays to pay.
func (p Pricing) applyCoupon(q *Quote, c *Cart, cp *Coupon) error {
	if !cp.Usable(c.At) {
		return ErrCouponNotUsable
	}
	scope := cp.Rules.Scope
	if !scope.takesOrder(c) {
		return ErrOutOfScope
	}
	eligible := sumOf(q.Lines, scope, Line.payableBeforeCoupon)
	if eligible == 0 {
		return ErrOutOfScope
	}
	if eligible < cp.Rules.Discount.Threshold {
		return ErrBelowThreshold
	}
	payable := int64(0)
	for i := range q.Lines {
		payable += q.Lines[i].Amount()
	}
	off := min(cp.Rules.Discount.Off(eligible), payable-1)
	if off <= 0 {
		return ErrBelowThreshold
	}
	allocate(q.Lines, off, scope, Line.payableBeforeCoupon, func(l *Line, part int64) { l.CouponOff += part })
	q.CouponOff, q.CouponID = off, cp.ID
	if cp.Rules.FundedBy == FundedByLeader {
		return p.fundByLeader(q, off)
	}
	return nil
}

// fundByLeader allocates a leader-funded discount over the lines' level-0 commission (at the
// rate, within the cap, on what each line pays): no line's commission goes below zero, and a
// discount larger than the whole commission does not apply.
func (p Pricing) fundByLeader(q *Quote, off int64) error {
	shares := make([]int64, len(q.Lines))
	var total int64
	for i := range q.Lines {
		l := &q.Lines[i]
		shares[i] = min(ratio.Of(l.Amount(), l.RateBP), ratio.Of(l.Amount(), p.CapBP))
		total += shares[i]
	}
	if total < off {
		return ErrLeaderCannotFund
	}
	for i, part := range Allocate(off, shares) {
		q.Lines[i].LeaderFunded = part
	}
	q.LeaderFunded = off
	return nil
}

// payableBeforeCoupon is what a non-gift line pays after the 满减: the weight of both
// allocations and the amount thresholds are reached on.
func (l Line) payableBeforeCoupon() int64 {
	if l.Gift {
		return 0
	}
	return l.Gross - l.PromoOff
}

func sumOf(lines []Line, s Scope, weight func(Line) int64) int64 {
	var sum int64
	for i := range lines {
		if s.takesLine(&lines[i]) {
			sum += weight(lines[i])
		}
	}
	return sum
}

// allocate spreads amount over the lines in scope, weighted by weight, by the largest remainder.
func allocate(lines []Line, amount int64, s Scope, weight func(Line) int64, add func(*Line, int64)) {
	ws := make([]int64, len(lines))
	for i := range lines {
		if s.takesLine(&lines[i]) {
			ws[i] = weight(lines[i])
		}
	}
	for i, part := range Allocate(amount, ws) {
		add(&lines[i], part)
	}
}

// Best prices the cart with each of the coupons and returns the quote that saves the most (on a
// tie, the coupon that expires first, then the lower id), or the quote without a coupon when none
// applies.
func (p Pricing) Best(c Cart, activities []*Activity, coupons []*Coupon, gifts GiftLookup) (*Quote, error) {
	best, err := p.Price(c, activities, nil, gifts)
	if err != nil {
		return nil, err
	}
	var bestCoupon *Coupon
	for _, cp := range coupons {
		q, err := p.Price(c, activities, cp, gifts)
		var ce *CouponError
		if errors.As(err, &ce) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if bestCoupon == nil && q.CouponOff > 0 || bestCoupon != nil && better(q, cp, best, bestCoupon) {
			best, bestCoupon = q, cp
		}
	}
	return best, nil
}

func better(q *Quote, cp *Coupon, best *Quote, bestCoupon *Coupon) bool {
	switch {
	case q.CouponOff != best.CouponOff:
		return q.CouponOff > best.CouponOff
	case !cp.ValidUntil.Equal(bestCoupon.ValidUntil):
		return cp.ValidUntil.Before(bestCoupon.ValidUntil)
	}
	return cp.ID < bestCoupon.ID
}
