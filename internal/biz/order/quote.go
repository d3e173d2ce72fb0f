package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// Activities lists the 满减 activities checkout prices with (promo.Repo.Applying).
type Activities interface {
	// Applying lists the active activities whose window contains at.
	Applying(ctx context.Context, at time.Time) ([]*promo.Activity, error)
}

// PricingConfig is what pricing checks commission against: the commission cap (all levels of a
// line) and WeChat Pay's maximum profit-sharing ratio of the amount net of its fee.
type PricingConfig struct {
	CapBP int
	Limit ratio.Limit
}

// AmountError is an order whose payable differs from the amount the shopper was shown.
type AmountError struct {
	Expected int64
	Amount   int64 // the payable now, fen
}

func (e *AmountError) Error() string {
	return fmt.Sprintf("the order now costs %d fen, not %d", e.Amount, e.Expected)
}

// QuoteInput is a cart to price: the lines with the prices the shopper saw, and the coupon it
// names (CouponID) or asks the best of its coupons for (BestCoupon).
type QuoteInput struct {
	BatchID    int64
	Lines      []LineInput
	CouponID   int64
	BestCoupon bool
}

// Quote prices a cart as checkout would place it now, without reserving anything.
func (c *Checkout) Quote(ctx context.Context, userID int64, in QuoteInput) (*promo.Quote, error) {
	if err := checkLines(in.Lines); err != nil {
		return nil, err
	}
	if in.CouponID < 0 || in.CouponID > 0 && in.BestCoupon {
		return nil, bizerr.Invalid("coupon_id", "name a coupon or ask for the best one, not both")
	}
	b, err := c.batches.Get(ctx, in.BatchID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	if !b.TakesOrders(now) {
		return nil, fmt.Errorf("batch %d is %s: %w", b.ID, b.Status, presale.ErrNotOpen)
	}
	return c.price(ctx, b, userID, in, now)
}

// price is the one pricing of checkout and quotes: the presale price of each line (checked
// against the price the shopper saw), the best 满减 of the activities applying at now, then the
// shopper's coupon.
func (c *Checkout) price(ctx context.Context, b *presale.Batch, userID int64, in QuoteInput, now time.Time) (*promo.Quote, error) {
	q, _, err := c.priceAt(ctx, b, userID, in, now)
	return q, err
}

// priceAt is price, also returning the leader the cart was priced for (0 when no scope needed
// it): the order must be saved for that leader.
func (c *Checkout) priceAt(ctx context.Context, b *presale.Batch, userID int64, in QuoteInput, now time.Time) (*promo.Quote, int64, error) {
	cart := promo.Cart{BatchID: b.ID, At: now, Lines: make([]promo.Line, 0, len(in.Lines))}
	for _, l := range in.Lines {
		it, ok := b.Item(l.ItemID)
		switch {
		case !ok:
			return nil, 0, bizerr.Invalid("lines.item_id", "item "+strconv.FormatInt(l.ItemID, 10)+" is not in the batch")
		case l.Price != it.Price:
			return nil, 0, &PriceError{ItemID: it.ID, Price: it.Price}
		case it.Limit > 0 && l.Qty > it.Limit:
			return nil, 0, &StockError{ItemID: it.ID, Limit: it.Limit, Err: ErrLimitExceeded}
		}
		cart.Lines = append(cart.Lines, promo.Line{ItemID: it.ID, SKUID: it.SKUID, Price: it.Price, Qty: l.Qty,
			RateBP: it.CommissionBP})
	}
	acts, err := c.applying(ctx, now)
	if err != nil {
		return nil, 0, err
	}
	coupons, err := c.offered(ctx, userID, in, now)
	if err != nil {
		return nil, 0, err
	}
	if needsLeader(acts, coupons) {
		// Scopes of grids and leaders are the shopper's bound leader's, as the order is saved.
		if cart.LeaderID, cart.GridCell, err = c.shoppers.BoundLeader(ctx, userID); err != nil {
			return nil, 0, err
		}
	}
	// An order has one line per item (order_lines is unique on order and item): a gift tier whose
	// gift the shopper also buys does not apply to the order.
	gifts := func(itemID int64) (promo.Line, bool) {
		it, ok := b.Item(itemID)
		for _, l := range in.Lines {
			ok = ok && l.ItemID != itemID
		}
		return promo.Line{ItemID: it.ID, SKUID: it.SKUID, Price: it.Price, RateBP: it.CommissionBP}, ok
	}
	p := promo.Pricing{CapBP: c.pricing.CapBP, Limit: c.pricing.Limit}
	if in.BestCoupon {
		q, err := p.Best(cart, acts, coupons, gifts)
		return q, cart.LeaderID, err
	}
	var cp *promo.Coupon
	if len(coupons) > 0 {
		cp = coupons[0]
	}
	q, err := p.Price(cart, acts, cp, gifts)
	return q, cart.LeaderID, err
}

// offered is the coupons the cart may be priced with: the shopper's usable ones for the best
// coupon, the one it names, or none.
func (c *Checkout) offered(ctx context.Context, userID int64, in QuoteInput, now time.Time) ([]*promo.Coupon, error) {
	if in.BestCoupon {
		return c.coupons.Usable(ctx, userID, now)
	}
	if in.CouponID <= 0 {
		return nil, nil
	}
	cp, err := c.coupons.Coupon(ctx, in.CouponID)
	if errors.Is(err, bizerr.ErrNotFound) || err == nil && cp.UserID != userID {
		// Another shopper's coupon is as unusable as none: its existence is not told.
		return nil, &promo.CouponError{CouponID: in.CouponID, Err: promo.ErrCouponNotUsable}
	}
	if err != nil {
		return nil, err
	}
	return []*promo.Coupon{cp}, nil
}

// needsLeader tells whether a scope of the activities or coupons is of grids or leaders: only
// then does pricing depend on the shopper's leader (and the order must be saved for it).
func needsLeader(acts []*promo.Activity, coupons []*promo.Coupon) bool {
	for _, a := range acts {
		if byLeader(a.Scope) {
			return true
		}
	}
	for _, cp := range coupons {
		if byLeader(cp.Rules.Scope) {
			return true
		}
	}
	return false
}

func byLeader(s promo.Scope) bool { return s.Kind == promo.ScopeGrids || s.Kind == promo.ScopeLeaders }

// applying reads the activities that apply at now. The store keeps them cached for a moment,
// so a flash sale does not read them once per checkout.
func (c *Checkout) applying(ctx context.Context, now time.Time) ([]*promo.Activity, error) {
	acts, err := c.activities.Applying(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("满减 activities: %w", err)
	}
	return acts, nil
}

// fromQuote fills the order's lines and totals from its quote.
func fromQuote(o *Order, b *presale.Batch, q *promo.Quote) {
	o.Amount, o.PromoOff, o.CouponOff, o.LeaderFunded = q.Amount, q.PromoOff, q.CouponOff, q.LeaderFunded
	o.ActivityID, o.CouponID = q.ActivityID, q.CouponID
	for _, l := range q.Lines {
		it, _ := b.Item(l.ItemID)
		o.Lines = append(o.Lines, Line{ItemID: it.ID, SKUID: it.SKUID, Title: it.Title + " " + it.Spec,
			Price: it.Price, Quantity: l.Qty, Amount: l.Amount(), PromoOff: l.PromoOff, CouponOff: l.CouponOff,
			LeaderFunded: l.LeaderFunded, Gift: l.Gift, CommissionBP: it.CommissionBP})
	}
}
