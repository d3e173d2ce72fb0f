package order

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// RefundApplier moves an after-sales request with the outcome of its refund; called inside the
// refund's transaction.
type RefundApplier interface {
	RefundSucceeded(ctx context.Context, afterSaleID int64, r *payment.Refund) error
	RefundClosed(ctx context.Context, afterSaleID int64, r *payment.Refund) error
}

// Listener moves orders with their payments: it is the payment.Listener, called inside the
// transaction that records the payment or refund, so the order moves with it or not at all.
type Listener struct {
	repo       Repo
	events     event.Publisher
	afterSales RefundApplier
	coupons    promo.Coupons
	now        port.Clock
}

// NewListener builds the payment listener of orders.
func NewListener(repo Repo, events event.Publisher, afterSales RefundApplier, coupons promo.Coupons, now port.Clock) *Listener {
	return &Listener{repo: repo, events: events, afterSales: afterSales, coupons: coupons, now: now}
}

var _ payment.Listener = (*Listener)(nil)

// PaymentPaid marks the order paid and gives it a pickup code. The same payment again changes
// nothing. A payment for an order cancelled meanwhile still wins: the shopper's money arrived.
func (l *Listener) PaymentPaid(ctx context.Context, p *payment.Payment) error {
	id, _, ok := payment.ParseOutTradeNo(p.OutTradeNo)
	if !ok {
		return nil // not an order's payment
	}
	o, err := l.repo.Lock(ctx, id)
	if err != nil {
		return fmt.Errorf("order of payment %s: %w", p.OutTradeNo, err)
	}
	if o.Status != PendingPayment && o.Status != Cancelled {
		return nil
	}
	if err := l.useCoupon(ctx, o); err != nil {
		return err
	}
	code, err := NewPickupCode()
	if err != nil {
		return err
	}
	// A cancelled order whose stock is not yet back keeps it; one whose stock went back is paid
	// all the same, and the counters learn it at their next rebuild.
	if err := Lifecycle.Move(&o.Status, Paid); err != nil {
		return err
	}
	o.PaidAt, o.PickupCode, o.ReleasePending = p.PaidAt, code, false
	o.CancelReason = ""
	if err := l.repo.Save(ctx, o); err != nil {
		return err
	}
	return l.publish(ctx, TopicPaid, o, nil)
}

// useCoupon marks the coupon of an order being paid used, in the payment's transaction. A
// cancelled order gave its coupon back; its late payment takes it again if it is still there.
func (l *Listener) useCoupon(ctx context.Context, o *Order) error {
	if o.CouponID == 0 {
		return nil
	}
	at := l.now()
	if o.Status == Cancelled {
		err := l.coupons.Lock(ctx, o.CouponID, o.UserID, o.ID, at)
		if errors.Is(err, promo.ErrCouponNotUsable) {
			// Another order holds it now, or it expired. The payment stands all the same: WeChat
			// took the discounted amount and cannot be refused, so the discount is honoured
			// without its coupon (the platform bears it) and the case is told, not hidden.
			slog.ErrorContext(ctx, "late payment of a cancelled order finds its coupon gone; the discount stands without it",
				"order_id", o.ID, "coupon_id", o.CouponID, "coupon_off", o.CouponOff)
			return nil
		}
		if err != nil {
			return fmt.Errorf("lock coupon %d again for order %d: %w", o.CouponID, o.ID, err)
		}
	}
	if err := l.coupons.Use(ctx, o.CouponID, o.ID, o.CouponOff, at); err != nil {
		return fmt.Errorf("use coupon %d of order %d: %w", o.CouponID, o.ID, err)
	}
	return nil
}

// RefundSucceeded records a refund on its order: the whole order for a cancellation, the
// after-sales request's lines otherwise.
func (l *Listener) RefundSucceeded(ctx context.Context, r *payment.Refund) error {
	id, seq, ok := payment.ParseOutRefundNo(r.OutRefundNo)
	if !ok {
		return nil
	}
	if seq != cancelRefundSeq {
		return l.afterSales.RefundSucceeded(ctx, seq, r)
	}
	o, err := l.repo.Lock(ctx, id)
	if err != nil {
		return fmt.Errorf("order of refund %s: %w", r.OutRefundNo, err)
	}
	if o.Status == Refunded {
		return nil
	}
	var lines []RefundedLine
	for i := range o.Lines {
		ln := &o.Lines[i]
		lines = append(lines, RefundedLine{LineID: ln.ID, Quantity: ln.Quantity - ln.RefundedQty,
			Amount: ln.Amount - ln.RefundedAmount})
		ln.RefundedQty, ln.RefundedAmount = ln.Quantity, ln.Amount
	}
	// Cancelled before the cut-off: the goods were never bought, so the stock goes back.
	if err := Lifecycle.Move(&o.Status, Refunded); err != nil {
		return err
	}
	o.Refunded, o.ReleasePending = o.Refunded+r.Amount, true
	if err := l.repo.Save(ctx, o); err != nil {
		return err
	}
	if err := releaseCoupon(ctx, l.coupons, o, l.now()); err != nil {
		return err
	}
	return l.publish(ctx, TopicRefunded, o, func(c *Changed) {
		c.RefundNo, c.RefundAmount, c.RefundLines = r.OutRefundNo, r.Amount, lines
	})
}

// RefundClosed puts an order whose cancellation refund WeChat closed back to paid; an
// after-sales request is marked failed with the reason.
func (l *Listener) RefundClosed(ctx context.Context, r *payment.Refund) error {
	id, seq, ok := payment.ParseOutRefundNo(r.OutRefundNo)
	if !ok {
		return nil
	}
	if seq != cancelRefundSeq {
		return l.afterSales.RefundClosed(ctx, seq, r)
	}
	o, err := l.repo.Lock(ctx, id)
	if err != nil {
		return err
	}
	if o.Status != Refunding {
		return nil
	}
	if err := Lifecycle.Move(&o.Status, Paid); err != nil {
		return err
	}
	o.CancelReason = ""
	return l.repo.Save(ctx, o)
}

// releaseCoupon gives back the coupon of an order cancelled unpaid or refunded whole (expired
// instead when past its validity), in the caller's transaction. Never for a partial refund: the
// shopper keeps what it did not return, bought with the coupon.
func releaseCoupon(ctx context.Context, coupons promo.Coupons, o *Order, at time.Time) error {
	if o.CouponID == 0 {
		return nil
	}
	if _, err := coupons.Release(ctx, o.CouponID, o.ID, at); err != nil {
		return fmt.Errorf("release coupon %d of order %d: %w", o.CouponID, o.ID, err)
	}
	return nil
}

func (l *Listener) publish(ctx context.Context, topic string, o *Order, fill func(*Changed)) error {
	ch := Changed{OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID,
		Status: o.Status, Amount: o.Amount, At: l.now()}
	if fill != nil {
		fill(&ch)
	}
	return event.PublishJSON(ctx, l.events, topic, "order/"+strconv.FormatInt(o.ID, 10), ch)
}
