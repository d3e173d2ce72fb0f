package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

const (
	sweepBatch = 200
	// expireGrace lets a Pay that passed its expiry check just before expires_at create its
	// payment before the sweeper looks for one.
	expireGrace = 5 * time.Second
	// refundPatience is how long a refunding order waits for its refund's outcome before the
	// sweeper asks WeChat again (same out_refund_no) or queries it.
	refundPatience = time.Minute
	// cancelledScan is how often the sweeper looks at cancelled batches for orders that slipped
	// in after the cancellation.
	cancelledScan = 30 * time.Second
)

// Sweeper expires unpaid orders, gives back stock still owed to the counters, chases refunds
// whose outcome is missing and cleans up after cancelled batches. Every replica may run it:
// each step re-checks its order under the row lock, and WeChat calls carry idempotency keys.
type Sweeper struct {
	c           *Checkout
	batches     presale.Repo
	lastBatches time.Time
}

// NewSweeper builds the sweeper of checkout.
func NewSweeper(c *Checkout, batches presale.Repo) *Sweeper { return &Sweeper{c: c, batches: batches} }

// Tick runs every step once and reports every failure; one order's failure stops no other.
func (s *Sweeper) Tick(ctx context.Context) error {
	errs := []error{s.expireDue(ctx), s.releasePending(ctx), s.chaseRefunds(ctx)}
	if now := s.c.now(); now.Sub(s.lastBatches) >= cancelledScan {
		s.lastBatches = now
		errs = append(errs, s.cancelledBatches(ctx))
	}
	return errors.Join(errs...)
}

func (s *Sweeper) expireDue(ctx context.Context) error {
	due, err := s.c.repo.DueToExpire(ctx, s.c.now().Add(-expireGrace), sweepBatch)
	if err != nil {
		return fmt.Errorf("orders due to expire: %w", err)
	}
	var errs []error
	for _, o := range due {
		// A prepay that never reached WeChat is a wait, not a failure: the order stays due and
		// expires once WeChat can no longer create it (minutes later).
		_, err := s.c.expire(ctx, o, ReasonExpired)
		if err != nil && !errors.Is(err, payment.ErrNotAtWechatYet) {
			errs = append(errs, fmt.Errorf("expire order %d: %w", o.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sweeper) releasePending(ctx context.Context) error {
	pending, err := s.c.repo.ReleasePending(ctx, sweepBatch)
	if err != nil {
		return fmt.Errorf("orders with stock to give back: %w", err)
	}
	var errs []error
	for _, o := range pending {
		if err := s.c.release(ctx, o); err != nil && !errors.Is(err, ErrStockBusy) {
			errs = append(errs, fmt.Errorf("release order %d: %w", o.ID, err))
		}
	}
	return errors.Join(errs...)
}

// chaseRefunds asks again for cancellation refunds that never reached WeChat and queries the
// ones WeChat is still processing.
func (s *Sweeper) chaseRefunds(ctx context.Context) error {
	stuck, err := s.c.repo.Stuck(ctx, Refunding, s.c.now().Add(-refundPatience), sweepBatch)
	if err != nil {
		return fmt.Errorf("refunding orders: %w", err)
	}
	var errs []error
	for _, o := range stuck {
		err := s.c.askRefund(ctx, o)
		if err == nil {
			_, err = s.c.payments.SyncRefund(ctx, payment.OutRefundNo(o.ID, cancelRefundSeq))
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Sweeper) cancelledBatches(ctx context.Context) error {
	cancelled, err := s.batches.List(ctx, presale.ListFilter{Status: presale.Cancelled, Limit: 20})
	if err != nil {
		return fmt.Errorf("cancelled batches: %w", err)
	}
	var errs []error
	for _, b := range cancelled {
		errs = append(errs, s.c.CancelBatchOrders(ctx, b.ID))
	}
	return errors.Join(errs...)
}
