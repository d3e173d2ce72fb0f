package promo

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// expireBatch is how many coupons one statement of the sweep expires: small enough that a
// statement holds its row locks briefly beside checkouts locking coupons.
const expireBatch = 500

// Expiry moves available coupons whose validity is over to expired, so a shopper's list and the
// figures say so without every reader checking dates. Pricing never relies on it: a coupon is
// usable only within its validity whatever its state says.
type Expiry struct {
	coupons Coupons
	now     port.Clock
}

// NewExpiry sweeps coupons.
func NewExpiry(coupons Coupons, now port.Clock) *Expiry { return &Expiry{coupons: coupons, now: now} }

// Tick expires every coupon due, a batch at a time. It is safe on every replica at once: each
// move is a conditional update from available, so a coupon expires once, and one locked by an
// order in the meantime is left to its order.
func (e *Expiry) Tick(ctx context.Context) error {
	for {
		n, err := e.coupons.Expire(ctx, e.now(), expireBatch)
		if err != nil {
			return fmt.Errorf("expire coupons: %w", err)
		}
		if n < expireBatch {
			return nil
		}
	}
}
