package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Cancel withdraws one of the shopper's orders before its batch's cut-off: an unpaid order is
// cancelled (its WeChat order closed first), a paid one refunded in full. After the cut-off only
// after-sales can refund.
func (c *Checkout) Cancel(ctx context.Context, userID, id int64) (*Order, error) {
	o, err := c.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	b, err := c.batches.Get(ctx, o.BatchID)
	if err != nil {
		return nil, err
	}
	if !c.now().Before(b.CutoffAt) {
		return nil, Lifecycle.Refuse(o.Status, "cancel after the cut-off (ask for after-sales)")
	}
	switch o.Status {
	case PendingPayment:
		return c.expire(ctx, o, ReasonWithdrawn)
	case Paid:
		return c.refundWhole(ctx, o, ReasonWithdrawn)
	}
	return nil, Lifecycle.Refuse(o.Status, "cancel")
}

// expire cancels an unpaid order: close its WeChat order, learn from the answer whether it was
// paid meanwhile (then it stays paid: the payment wins), and only when it is closed cancel the
// order and give its stock back.
func (c *Checkout) expire(ctx context.Context, o *Order, reason string) (*Order, error) {
	p, err := c.payments.Close(ctx, payment.OutTradeNo(o.ID, o.PayAttempt))
	switch {
	case errors.Is(err, bizerr.ErrNotFound):
		// Never sent to WeChat. A Pay in flight re-reads the order after its prepay and closes
		// what it placed, before the shopper has anything to pay with.
	case err != nil:
		return nil, fmt.Errorf("close payment of order %d: %w", o.ID, err)
	case p.State == payment.StatePaid:
		return c.repo.Get(ctx, o.ID)
	}
	var out *Order
	err = c.tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := c.repo.Lock(ctx, o.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != PendingPayment {
			return nil
		}
		if err := Lifecycle.Move(&cur.Status, Cancelled); err != nil {
			return err
		}
		cur.CancelReason, cur.CancelledAt, cur.ReleasePending = reason, c.now(), true
		if err := c.repo.Save(ctx, cur); err != nil {
			return err
		}
		if err := releaseCoupon(ctx, c.coupons, cur, cur.CancelledAt); err != nil {
			return err
		}
		return c.publish(ctx, TopicCancelled, cur, nil)
	})
	if err != nil {
		return nil, err
	}
	if out.ReleasePending {
		// Best effort now; the sweeper gives back whatever this did not.
		_ = c.release(ctx, out)
	}
	return c.repo.Get(ctx, o.ID)
}

// release gives a cancelled order's stock back to the counters.
func (c *Checkout) release(ctx context.Context, o *Order) error {
	b, err := c.batches.Get(ctx, o.BatchID)
	if err != nil {
		return err
	}
	return c.counter.Release(ctx, o, o.Reservation(limits(b)))
}

// cancelRefundSeq numbers the refund of a whole order cancelled before the cut-off; after-sales
// refunds use their own ids, which start at 1.
const cancelRefundSeq = 0

// refundWhole moves a paid order to refunding, with why (ReasonWithdrawn, ReasonBatchCancelled),
// and asks WeChat for the refund of everything. The status is saved first: a crash before the
// call leaves a refunding order the sweeper asks for again with the same out_refund_no.
func (c *Checkout) refundWhole(ctx context.Context, o *Order, reason string) (*Order, error) {
	var out *Order
	err := c.tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := c.repo.Lock(ctx, o.ID)
		if err != nil {
			return err
		}
		if cur.Status != Paid && cur.Status != Refunding {
			return Lifecycle.Refuse(cur.Status, "refund in full")
		}
		out = cur
		if cur.Status == Refunding {
			return nil
		}
		if err := Lifecycle.Move(&cur.Status, Refunding); err != nil {
			return err
		}
		cur.CancelReason = reason
		return c.repo.Save(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	if err := c.askRefund(ctx, out); err != nil {
		return nil, err
	}
	return c.repo.Get(ctx, o.ID)
}

// refundReasons is what the shopper's bank statement says for each cancellation.
var refundReasons = map[string]string{ReasonWithdrawn: "订单取消", ReasonBatchCancelled: "批次取消"}

func (c *Checkout) askRefund(ctx context.Context, o *Order) error {
	_, err := c.payments.Refund(ctx, payment.RefundInput{
		OutRefundNo: payment.OutRefundNo(o.ID, cancelRefundSeq), OutTradeNo: payment.OutTradeNo(o.ID, o.PayAttempt),
		Reason: refundReasons[o.CancelReason], Amount: o.Amount - o.Refunded, Total: o.Amount})
	if err != nil {
		return fmt.Errorf("refund order %d: %w", o.ID, err)
	}
	return nil
}

// CancelBatchOrders cancels the unpaid orders of a cancelled batch and refunds its paid ones.
// Run by the batch.cancelled handler and again by the sweeper, so an order that slipped in
// after the cancellation is caught too.
func (c *Checkout) CancelBatchOrders(ctx context.Context, batchID int64) error {
	var errs []error
	after := int64(0)
	for {
		orders, err := c.repo.InBatch(ctx, batchID, []Status{PendingPayment, Paid, Ready}, after, 200)
		if err != nil {
			return err
		}
		if len(orders) == 0 {
			return errors.Join(errs...)
		}
		for _, o := range orders {
			after = o.ID
			if o.Status == PendingPayment {
				_, err = c.expire(ctx, o, ReasonBatchCancelled)
			} else {
				_, err = c.refundWhole(ctx, o, ReasonBatchCancelled)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
}

func (c *Checkout) publish(ctx context.Context, topic string, o *Order, fill func(*Changed)) error {
	ch := Changed{OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID,
		Status: o.Status, Amount: o.Amount, At: c.now()}
	if fill != nil {
		fill(&ch)
	}
	return event.PublishJSON(ctx, c.events, topic, "order/"+strconv.FormatInt(o.ID, 10), ch)
}

// OnBatchCancelled handles batch.cancelled: a cancelled batch's orders are cancelled. (The stock
// counters are loaded by scheduling and by the scheduler's open step, not by a handler of
// batch.scheduled: that one could run after the batch opened and pause its sale for a rebuild.)
func (c *Checkout) OnBatchCancelled(ctx context.Context, e event.Event) error {
	var ch presale.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	return c.CancelBatchOrders(ctx, ch.BatchID)
}
