package promo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/port"
)

const (
	// expireBatch is how many coupons one step of the sweep looks at: small enough that a
	// statement holds its row locks briefly beside checkouts locking coupons.
	expireBatch = 500
	// expiryLookback is how far back a replica's first sweep starts. The sweep then walks
	// forward from where it stopped, so it never reads a coupon twice in a process's life. A
	// coupon left available past its validity before that (all replicas down for a month) stays
	// so in the lists; pricing does not care (below).
	expiryLookback = 30 * 24 * time.Hour
)

// Expiry moves available coupons whose validity is over to expired, so a shopper's list and the
// figures say so without every reader checking dates. Pricing never relies on it: a coupon is
// usable only within its validity whatever its state says.
//
// The state is in no index (so that a coupon's moves write none), so the sweep cannot ask for
// "available and due"; it walks the coupons in expiry order from a cursor instead, and keeps the
// cursor, which only moves forward, between ticks.
type Expiry struct {
	coupons Coupons
	now     port.Clock

	mu     sync.Mutex
	cursor ExpiryCursor
}

// NewExpiry sweeps coupons.
func NewExpiry(coupons Coupons, now port.Clock) *Expiry { return &Expiry{coupons: coupons, now: now} }

// Tick expires every coupon due since the last tick, a batch at a time. It is safe on every
// replica at once: each move is a conditional update from available, so a coupon expires once,
// and one locked by an order in the meantime is left to its order (whose release expires it).
func (e *Expiry) Tick(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	at := e.now()
	if e.cursor.ValidUntil.IsZero() {
		e.cursor.ValidUntil = at.Add(-expiryLookback)
	}
	for {
		step, err := e.coupons.Expire(ctx, e.cursor, at, expireBatch)
		if err != nil {
			return fmt.Errorf("expire coupons after %s #%d: %w", e.cursor.ValidUntil.Format(time.RFC3339), e.cursor.ID, err)
		}
		if step.Seen > 0 {
			e.cursor = step.Next
		}
		if step.Seen < expireBatch {
			return nil
		}
	}
}
