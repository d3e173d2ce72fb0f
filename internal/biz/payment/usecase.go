package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
)

// closeGrace is how long after an order's time_expire a missing order counts as never to be
// created: room for the difference between this clock and WeChat's.
const closeGrace = 5 * time.Minute

// Usecase runs payments: prepay, close, sync from a query, refund, and the notifications.
type Usecase struct {
	gw       Gateway
	store    Store
	tx       port.Transactor
	listener Listener
	now      port.Clock
}

// NewUsecase builds the payment use cases.
func NewUsecase(gw Gateway, store Store, tx port.Transactor, listener Listener, now port.Clock) *Usecase {
	return &Usecase{gw: gw, store: store, tx: tx, listener: listener, now: now}
}

// Prepay saves the payment, then places the JSAPI order and returns what wx.requestPayment
// needs. Called again with the same input (a retry, a second tap) it places the same order and
// gets the same prepay_id; with another amount or payer for the same out_trade_no it is
// ErrDuplicateNo; for a paid or closed payment ErrOrderPaid or ErrOrderClosed.
func (u *Usecase) Prepay(ctx context.Context, in PrepayInput) (RequestPayment, error) {
	if err := validatePrepay(in); err != nil {
		return RequestPayment{}, err
	}
	p, err := u.store.CreatePayment(ctx, &Payment{
		OutTradeNo: in.OutTradeNo, Description: in.Description, Amount: in.Amount,
		PayerOpenID: in.PayerOpenID, ProfitSharing: in.ProfitSharing, State: StateCreated,
		ExpiresAt: in.ExpiresAt,
	})
	if err != nil {
		return RequestPayment{}, err
	}
	if p.Amount != in.Amount || p.PayerOpenID != in.PayerOpenID || p.ProfitSharing != in.ProfitSharing {
		return RequestPayment{}, fmt.Errorf("prepay %s: %w", in.OutTradeNo, ErrDuplicateNo)
	}
	switch p.State {
	case StatePaid:
		return RequestPayment{}, fmt.Errorf("prepay %s: %w", in.OutTradeNo, ErrOrderPaid)
	case StateClosed:
		return RequestPayment{}, fmt.Errorf("prepay %s: %w", in.OutTradeNo, ErrOrderClosed)
	case StateFailed:
		return RequestPayment{}, fmt.Errorf("prepay %s: %w", in.OutTradeNo, ErrPaymentFailed)
	}
	// The stored description and expiry are the body of record: a retry sends the same body.
	in.Description, in.ExpiresAt = p.Description, p.ExpiresAt
	prepayID, rp, err := u.gw.Prepay(ctx, in)
	if err != nil {
		if errors.Is(err, ErrOrderPaid) {
			// Paid already and the notification not here yet: learn it from a query.
			_, _ = u.Sync(ctx, in.OutTradeNo)
		}
		return RequestPayment{}, err
	}
	if err := u.recordPrepay(ctx, in.OutTradeNo, prepayID); err != nil {
		if errors.Is(err, ErrOrderClosed) {
			// Closed (expired, stock released) while this call was on its way: the order it just
			// placed at WeChat must not be payable. Best effort; the expiry sweep closes it too.
			_ = u.gw.Close(ctx, in.OutTradeNo)
		}
		return RequestPayment{}, err
	}
	return rp, nil
}

// recordPrepay stores the prepay_id, unless the payment stopped being payable meanwhile (a close
// on another replica): then the caller must not hand out the payment parameters.
func (u *Usecase) recordPrepay(ctx context.Context, outTradeNo, prepayID string) error {
	return u.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := u.store.LockPayment(ctx, outTradeNo)
		if err != nil {
			return err
		}
		switch p.State {
		case StateCreated:
		case StatePaid:
			return fmt.Errorf("prepay %s: %w", outTradeNo, ErrOrderPaid)
		default:
			return fmt.Errorf("prepay %s: %w", outTradeNo, ErrOrderClosed)
		}
		if p.PrepayID == prepayID {
			return nil
		}
		p.PrepayID = prepayID
		return u.store.SavePayment(ctx, p)
	})
}

func validatePrepay(in PrepayInput) error {
	switch {
	case !validOutNo(in.OutTradeNo, outTradeNoMin, outTradeNoMax):
		return bizerr.Invalid("out_trade_no", "6 to 32 of digits, letters and _-|*")
	case in.Amount <= 0:
		return bizerr.Invalid("amount", "must be positive")
	case in.PayerOpenID == "":
		return bizerr.Invalid("payer_openid", "required")
	case in.Description == "" || len([]rune(in.Description)) > 127:
		return bizerr.Invalid("description", "1 to 127 characters")
	case in.ExpiresAt.IsZero():
		// Without time_expire an order that never reached WeChat could never be closed for sure.
		return bizerr.Invalid("expires_at", "required")
	}
	return nil
}

// Sync queries WeChat for the order and applies what it says: paid (the payment wins over a
// close), closed, failed. For when a notification is late or lost.
func (u *Usecase) Sync(ctx context.Context, outTradeNo string) (*Payment, error) {
	t, err := u.gw.QueryByOutTradeNo(ctx, outTradeNo)
	if err != nil {
		return nil, err
	}
	return u.applyTransaction(ctx, outTradeNo, t)
}

// Close closes an unpaid payment at WeChat, then queries it: a payment that arrived meanwhile
// wins, and the payment comes back paid. The caller releases stock only when the answer is
// closed.
func (u *Usecase) Close(ctx context.Context, outTradeNo string) (*Payment, error) {
	p, err := u.store.GetPayment(ctx, outTradeNo)
	if err != nil {
		return nil, err
	}
	if p.State == StatePaid {
		return p, nil
	}
	if err := u.gw.Close(ctx, outTradeNo); err != nil && !errors.Is(err, ErrOrderPaid) {
		if !errors.Is(err, ErrOrderNotFound) {
			return nil, err
		}
		// WeChat has no such order. That is final only once its time_expire has passed: WeChat
		// refuses to create an order after it, so a prepay still on its way on another replica
		// can no longer make it payable. Before that, the caller must try again later.
		if u.now().Before(p.ExpiresAt.Add(closeGrace)) {
			return nil, fmt.Errorf("close %s: %w", outTradeNo, ErrNotAtWechatYet)
		}
		return u.markClosed(ctx, outTradeNo)
	}
	t, err := u.gw.QueryByOutTradeNo(ctx, outTradeNo)
	if err != nil {
		return nil, err
	}
	if !t.Paid() && t.TradeState != TradeClosed && t.TradeState != TradeRevoked {
		return nil, fmt.Errorf("close %s: WeChat still says %s: %w", outTradeNo, t.TradeState, bizerr.ErrUnavailable)
	}
	return u.applyTransaction(ctx, outTradeNo, t)
}

func (u *Usecase) markClosed(ctx context.Context, outTradeNo string) (*Payment, error) {
	var out *Payment
	err := u.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := u.store.LockPayment(ctx, outTradeNo)
		if err != nil {
			return err
		}
		if p.State == StateCreated {
			if err := Lifecycle.Move(&p.State, StateClosed); err != nil {
				return err
			}
			if err := u.store.SavePayment(ctx, p); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	return out, err
}

// applyTransaction moves the payment to what WeChat reports, in one transaction.
func (u *Usecase) applyTransaction(ctx context.Context, outTradeNo string, t Transaction) (*Payment, error) {
	var out *Payment
	err := u.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := u.store.LockPayment(ctx, outTradeNo)
		if err != nil {
			return err
		}
		out = p
		return u.apply(ctx, p, t)
	})
	return out, err
}

// apply moves p to t's state. Paid is final: the same transaction again changes nothing, and a
// paid report for a closed (expired) payment records it as paid, because the payer's money
// arrived. The caller holds p locked.
func (u *Usecase) apply(ctx context.Context, p *Payment, t Transaction) error {
	switch {
	case t.Paid():
		if p.State == StatePaid {
			if p.TransactionID != t.TransactionID {
				return fmt.Errorf("payment %s paid by %s, now reported paid by %s: %w",
					p.OutTradeNo, p.TransactionID, t.TransactionID, errContradicts)
			}
			return nil
		}
		if t.Amount != p.Amount {
			return fmt.Errorf("payment %s of %d fen reported paid with %d: %w", p.OutTradeNo, p.Amount, t.Amount, errContradicts)
		}
		if err := Lifecycle.Move(&p.State, StatePaid); err != nil {
			return err
		}
		p.TransactionID, p.PaidAt = t.TransactionID, t.SuccessTime
		if p.PaidAt.IsZero() {
			p.PaidAt = u.now()
		}
		if err := u.store.SavePayment(ctx, p); err != nil {
			return err
		}
		return u.listener.PaymentPaid(ctx, p)
	case p.State != StateCreated:
		return nil
	case t.TradeState == TradeClosed || t.TradeState == TradeRevoked:
		if err := Lifecycle.Move(&p.State, StateClosed); err != nil {
			return err
		}
	case t.TradeState == TradePayError:
		if err := Lifecycle.Move(&p.State, StateFailed); err != nil {
			return err
		}
	default:
		return nil
	}
	return u.store.SavePayment(ctx, p)
}

// ApplyPaymentNotification applies a verified TRANSACTION.SUCCESS notification exactly once:
// the inbox keeps its id, so a duplicate changes nothing, and the payment's state machine
// makes the same transaction_id from another source (a query) change nothing too.
func (u *Usecase) ApplyPaymentNotification(ctx context.Context, n Notification, t Transaction) error {
	n.ReceivedAt = u.now()
	return u.rejectPermanent(ctx, n, u.tx.InTx(ctx, func(ctx context.Context) error {
		fresh, err := u.store.RecordNotification(ctx, n)
		if err != nil || !fresh {
			return err
		}
		p, err := u.store.LockPayment(ctx, t.OutTradeNo)
		if errors.Is(err, bizerr.ErrNotFound) {
			return fmt.Errorf("payment notification %s: %w: no payment %s", n.ID, errContradicts, t.OutTradeNo)
		}
		if err != nil {
			return fmt.Errorf("payment notification %s for %s: %w", n.ID, t.OutTradeNo, err)
		}
		return u.apply(ctx, p, t)
	}))
}

// rejectPermanent keeps a verified notification that can never apply — an unknown order or
// refund, an amount or transaction that contradicts the record — in the inbox with the reason,
// and reports ErrNotificationRejected: WeChat is then told it arrived (retrying cannot help) and
// finance finds it. Other errors (the database is down) are returned for WeChat to retry.
func (u *Usecase) rejectPermanent(ctx context.Context, n Notification, err error) error {
	if !errors.Is(err, errContradicts) {
		return err
	}
	n.Rejected = err.Error()
	if _, rerr := u.store.RecordNotification(ctx, n); rerr != nil {
		return errors.Join(err, rerr)
	}
	return fmt.Errorf("%w: %w", ErrNotificationRejected, err)
}

// Refund saves the refund, then asks WeChat for it. The same out_refund_no again is the same
// refund: it is not asked for twice once WeChat has it.
func (u *Usecase) Refund(ctx context.Context, in RefundInput) (*Refund, error) {
	switch {
	case !validOutNo(in.OutRefundNo, 1, outNoMax):
		return nil, bizerr.Invalid("out_refund_no", "1 to 64 of digits, letters and _-|*")
	case in.Amount <= 0 || in.Amount > in.Total:
		return nil, bizerr.Invalid("amount", "must be positive and at most the total")
	}
	r, err := u.saveRefund(ctx, in)
	if err != nil || r.State != RefundCreated {
		return r, err
	}
	in.Reason = r.Reason
	got, err := u.gw.Refund(ctx, in)
	if err != nil {
		if !refused(err) {
			// Maybe WeChat made the refund and only the answer was lost or unreadable: it stays
			// in flight, and a retry with the same out_refund_no or a query settles it.
			return nil, err
		}
		// WeChat refused it (its own 4xx answer): close it, so its amount no longer counts as in
		// flight.
		got = Refund{OutRefundNo: r.OutRefundNo, State: RefundClosed}
		if _, cerr := u.applyRefund(ctx, got); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return nil, err
	}
	return u.applyRefund(ctx, got)
}

// saveRefund records the refund before WeChat is asked, under the payment's lock, refusing one
// that would take the refunds of the payment — succeeded or in flight — above what was paid.
// An existing refund with the same out_refund_no is returned as it is.
func (u *Usecase) saveRefund(ctx context.Context, in RefundInput) (*Refund, error) {
	var out *Refund
	err := u.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := u.store.LockPayment(ctx, in.OutTradeNo)
		if err != nil {
			return err
		}
		if p.State != StatePaid {
			return bizerr.Invalid("out_trade_no", "the payment is not paid")
		}
		if in.Total != p.Amount {
			return bizerr.Invalid("total", "differs from the payment's amount")
		}
		if prev, err := u.store.GetRefund(ctx, in.OutRefundNo); err == nil {
			if prev.OutTradeNo != in.OutTradeNo || prev.Amount != in.Amount {
				return fmt.Errorf("refund %s: %w", in.OutRefundNo, ErrDuplicateNo)
			}
			out = prev
			return nil
		} else if !errors.Is(err, bizerr.ErrNotFound) {
			return err
		}
		committed, err := u.store.RefundsCommitted(ctx, in.OutTradeNo)
		if err != nil {
			return err
		}
		if committed+in.Amount > p.Amount {
			return fmt.Errorf("refund %s of %d fen: %d of %d already refunded or in flight: %w",
				in.OutRefundNo, in.Amount, committed, p.Amount, ErrNotEnough)
		}
		out, err = u.store.CreateRefund(ctx, &Refund{
			OutRefundNo: in.OutRefundNo, OutTradeNo: in.OutTradeNo, Amount: in.Amount, Total: in.Total,
			Reason: in.Reason, State: RefundCreated,
		})
		return err
	})
	return out, err
}

// refused reports whether WeChat answered that it did not make the request: a 4xx business
// error in its own words. A reused number (it may be this very refund) is not one.
func refused(err error) bool {
	var we *WeChatError
	return errors.As(err, &we) && we.Status >= 400 && we.Status < 500 &&
		!errors.Is(err, ErrDuplicateNo) && !errors.Is(err, bizerr.ErrRateLimited)
}

// transient reports whether a failed call may succeed if made again (wxretry's rule).
func transient(err error) bool { return wxretry.Transient(err) }

// SyncRefund queries a refund and applies its state.
func (u *Usecase) SyncRefund(ctx context.Context, outRefundNo string) (*Refund, error) {
	got, err := u.gw.QueryRefund(ctx, outRefundNo)
	if err != nil {
		return nil, err
	}
	return u.applyRefund(ctx, got)
}

func (u *Usecase) applyRefund(ctx context.Context, got Refund) (*Refund, error) {
	var out *Refund
	err := u.tx.InTx(ctx, func(ctx context.Context) error {
		r, err := u.store.LockRefund(ctx, got.OutRefundNo)
		if err != nil {
			return err
		}
		out = r
		return u.moveRefund(ctx, r, got)
	})
	return out, err
}

// moveRefund moves r to what WeChat reports. Success and closed are final; success adds to the
// payment's refunded amount exactly once. The caller holds r locked.
func (u *Usecase) moveRefund(ctx context.Context, r *Refund, got Refund) error {
	// A success WeChat reports wins over a close made here: the money left either way.
	settled := r.State == RefundSuccess || (r.State == RefundClosed && got.State != RefundSuccess)
	if settled || got.State == RefundCreated || got.State == r.State {
		if r.RefundID == "" && got.RefundID != "" {
			r.RefundID, r.TransactionID = got.RefundID, got.TransactionID
			return u.store.SaveRefund(ctx, r)
		}
		return nil
	}
	if err := RefundLifecycle.Move(&r.State, got.State); err != nil {
		return err
	}
	r.RefundID, r.TransactionID = got.RefundID, got.TransactionID
	if got.State == RefundSuccess {
		r.SuccessTime = got.SuccessTime
		if r.SuccessTime.IsZero() {
			r.SuccessTime = u.now()
		}
	}
	if err := u.store.SaveRefund(ctx, r); err != nil {
		return err
	}
	if got.State == RefundClosed {
		return u.listener.RefundClosed(ctx, r)
	}
	if got.State != RefundSuccess {
		return nil
	}
	p, err := u.store.LockPayment(ctx, r.OutTradeNo)
	if err != nil {
		return err
	}
	p.Refunded += r.Amount
	if err := u.store.SavePayment(ctx, p); err != nil {
		return err
	}
	return u.listener.RefundSucceeded(ctx, r)
}

// ApplyRefundNotification applies a verified REFUND.* notification exactly once.
func (u *Usecase) ApplyRefundNotification(ctx context.Context, n Notification, got Refund) error {
	n.ReceivedAt = u.now()
	return u.rejectPermanent(ctx, n, u.tx.InTx(ctx, func(ctx context.Context) error {
		fresh, err := u.store.RecordNotification(ctx, n)
		if err != nil || !fresh {
			return err
		}
		r, err := u.store.LockRefund(ctx, got.OutRefundNo)
		if errors.Is(err, bizerr.ErrNotFound) {
			return fmt.Errorf("refund notification %s: %w: no refund %s", n.ID, errContradicts, got.OutRefundNo)
		}
		if err != nil {
			return fmt.Errorf("refund notification %s for %s: %w", n.ID, got.OutRefundNo, err)
		}
		return u.moveRefund(ctx, r, got)
	}))
}
