package promo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Grant issues a reward coupon of the template to the shopper, once per key (an invitation's
// side, a new shopper, an ops send), within the template's budgets and per-shopper limit, by
// the same counters as a claim: ErrNotIssuing when the template is not a reward template
// issuing now, ErrBudgetSpent, ErrShopperLimit, ErrBudgetBusy. Granting a key again returns its
// coupon and books nothing more, so a retried event cannot issue twice.
func (c *Claims) Grant(ctx context.Context, templateID, userID int64, key string) (*Coupon, error) {
	if userID <= 0 {
		return nil, fmt.Errorf("grant: %w", errInvalidShopper)
	}
	if key == "" {
		return nil, fmt.Errorf("grant to shopper %d: no issue key", userID)
	}
	t, err := c.repo.ClaimTemplate(ctx, templateID)
	if err != nil {
		return nil, err
	}
	if t.Channel == ChannelClaim || !t.Issues(c.now()) {
		return nil, fmt.Errorf("template %d: %w", t.ID, ErrNotIssuing)
	}
	if prev, err := c.granted(ctx, key); prev != nil || err != nil {
		return prev, err
	}
	cp, err := c.grant(ctx, t, userID, key)
	if errors.Is(err, ErrNotLoaded) {
		if err := c.keeper.Rebuild(ctx, t.ID); err != nil {
			return nil, fmt.Errorf("grant template %d: %w", t.ID, err)
		}
		cp, err = c.grant(ctx, t, userID, key)
	}
	if errors.Is(err, ErrShopperLimit) {
		return c.awaitGranted(ctx, t, userID, key, err)
	}
	return cp, err
}

// awaitPoll is how often a grant refused for the shopper's limit looks again for its key.
const awaitPoll = 20 * time.Millisecond

// awaitGranted answers a grant the counters refused for the shopper's limit. It may be racing
// another grant of the same key (a retried event, two replicas) that booked the last seq and
// has not written the coupon yet: while the shopper has fewer coupons of the template written
// than the limit, a booking is in flight, so it waits for that write (at most a write's
// deadline) and returns the key's coupon if it appears. A shopper at the limit with every coupon
// written is refused at once.
func (c *Claims) awaitGranted(ctx context.Context, t *Template, userID int64, key string, refused error) (*Coupon, error) {
	deadline := time.Now().Add(ClaimDeadline)
	for {
		if prev, err := c.granted(ctx, key); prev != nil || err != nil {
			return prev, err
		}
		written, err := c.written(ctx, t.ID, userID)
		if err != nil || written >= t.Budget.PerShopper || !time.Now().Before(deadline) {
			return nil, refused
		}
		select {
		case <-ctx.Done():
			return nil, refused
		case <-time.After(awaitPoll):
		}
	}
}

// written counts the shopper's coupons of the template in the database (those beyond its most
// recent 200 coupons of any template uncounted: a wait then only lasts longer).
func (c *Claims) written(ctx context.Context, templateID, userID int64) (int, error) {
	cps, err := c.coupons.OfUser(ctx, userID, "", 0, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, cp := range cps {
		if cp.TemplateID == templateID {
			n++
		}
	}
	return n, nil
}

var errInvalidShopper = errors.New("no shopper")

// granted is the coupon of key when it was issued before, nil when not.
func (c *Claims) granted(ctx context.Context, key string) (*Coupon, error) {
	prev, err := c.keys.CouponByKey(ctx, key)
	if errors.Is(err, bizerr.ErrNotFound) {
		return nil, nil
	}
	return prev, err
}

// grant is claim with the cause's key. A key found issued already (a retry that raced past
// granted) keeps its own booking, so this one is given back at once: its seq has no coupon.
func (c *Claims) grant(ctx context.Context, t *Template, userID int64, key string) (*Coupon, error) {
	cp, created, err := c.issue(ctx, t, userID, func(int) string { return key })
	if err == nil && !created {
		gctx := context.WithoutCancel(ctx)
		if gerr := c.counters.Give(gctx, t, userID, cp.booked); gerr != nil {
			return cp.Coupon, fmt.Errorf("give back the booking of a repeated grant %s: %w", key, gerr)
		}
	}
	return cp.Coupon, err
}
