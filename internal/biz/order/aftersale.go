package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// AfterSaleStatus is where an after-sales request (售后) is:
//
//	requested ─approve─▶ approved ─refund succeeded─▶ refunded
//	requested ─reject──▶ rejected          approved ─refund closed / refused─▶ failed
type AfterSaleStatus string

const (
	AfterSaleRequested AfterSaleStatus = "requested"
	AfterSaleApproved  AfterSaleStatus = "approved"
	AfterSaleRejected  AfterSaleStatus = "rejected"
	AfterSaleRefunded  AfterSaleStatus = "refunded"
	AfterSaleFailed    AfterSaleStatus = "failed"
)

// AfterSaleLifecycle is the after-sales request's state machine.
var AfterSaleLifecycle = lifecycle.New("after-sales request",
	[]AfterSaleStatus{AfterSaleRequested, AfterSaleApproved, AfterSaleRejected, AfterSaleRefunded, AfterSaleFailed},
	map[AfterSaleStatus][]AfterSaleStatus{
		AfterSaleRequested: {AfterSaleApproved, AfterSaleRejected},
		AfterSaleApproved:  {AfterSaleRefunded, AfterSaleFailed},
		// A refund WeChat reports as succeeded after it was given up as failed: the money is back.
		AfterSaleFailed: {AfterSaleRefunded},
	})

// Open reports whether a request in s still holds its units: no other request may take them.
func (s AfterSaleStatus) Open() bool { return s == AfterSaleRequested || s == AfterSaleApproved }

func (s AfterSaleStatus) valid() bool {
	switch s {
	case AfterSaleRequested, AfterSaleApproved, AfterSaleRejected, AfterSaleRefunded, AfterSaleFailed:
		return true
	}
	return false
}

// AfterSaleLine is part of one order line asked back: quantity units, refunded as amount fen
// (fixed when asked, so the refund adds exactly this to the line).
type AfterSaleLine struct {
	LineID   int64
	Quantity int64
	Amount   int64
}

// AfterSale is a shopper's request to refund some or all of an order after the cut-off.
type AfterSale struct {
	ID         int64
	OrderID    int64
	UserID     int64
	LeaderID   int64
	Status     AfterSaleStatus
	Reason     string
	Lines      []AfterSaleLine
	Amount     int64
	ReviewerID int64
	ReviewNote string
	ReviewedAt time.Time
	// OutRefundNo is the refund at WeChat Pay: payment.OutRefundNo(order, request id).
	OutRefundNo string
	FailReason  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// After-sales limits.
const (
	maxAfterSaleLines = 50
	// refundRetryEvery is how long an approved request waits before its refund is asked for
	// again (same out_refund_no) — and between two retries of one request.
	refundRetryEvery = time.Minute
	// refundSyncAfter is how long after approval a refund WeChat still processes is queried.
	refundSyncAfter = 5 * time.Minute
	retryBatch      = 100
	// wechatReasonMax is WeChat Pay's limit on a refund's reason (申请退款 reason: 80 characters).
	wechatReasonMax = 80
)

// AfterSaleRefunds applies the outcome of after-sales refunds to requests and orders
// (RefundApplier). It needs no payments, so the payment listener can be built from it before
// payments exist; AfterSales embeds one.
type AfterSaleRefunds struct {
	repo    AfterSaleRepo
	orders  Repo
	events  event.Publisher
	coupons promo.Coupons
	now     port.Clock
}

// NewAfterSaleRefunds builds the RefundApplier of after-sales.
func NewAfterSaleRefunds(repo AfterSaleRepo, orders Repo, events event.Publisher, coupons promo.Coupons, now port.Clock) *AfterSaleRefunds {
	return &AfterSaleRefunds{repo: repo, orders: orders, events: events, coupons: coupons, now: now}
}

var _ RefundApplier = (*AfterSaleRefunds)(nil)

// AfterSales is the shopper's refund requests and their review by ops.
type AfterSales struct {
	*AfterSaleRefunds
	batches  Batches
	payments Payments
	tx       port.Transactor
	cfg      Config
}

// NewAfterSales builds the after-sales use cases.
func NewAfterSales(repo AfterSaleRepo, orders Repo, batches Batches, payments Payments, events event.Publisher,
	tx port.Transactor, cfg Config, coupons promo.Coupons, now port.Clock) *AfterSales {
	return &AfterSales{AfterSaleRefunds: NewAfterSaleRefunds(repo, orders, events, coupons, now), batches: batches,
		payments: payments, tx: tx, cfg: cfg}
}

// Request asks for a refund of lines of one of the shopper's orders (none: everything not yet
// refunded or asked for). Allowed after the batch's cut-off while the order waits for pickup,
// and within AfterSalesWindow of pickup. The order row is locked while the units are counted, so
// two requests never take the same units.
func (s *AfterSales) Request(ctx context.Context, userID, orderID int64, lines []AfterSaleLine, reason string) (*AfterSale, error) {
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 2 || n > 256 {
		return nil, bizerr.Invalid("reason", "2 to 256 characters")
	}
	if err := checkAfterSaleLines(lines); err != nil {
		return nil, err
	}
	o, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.UserID != userID {
		return nil, fmt.Errorf("order %d: %w", orderID, bizerr.ErrNotFound)
	}
	b, err := s.batches.Get(ctx, o.BatchID)
	if err != nil {
		return nil, err
	}
	var out *AfterSale
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Lock(ctx, orderID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := afterSalesAllowed(o, b, now, s.cfg.AfterSalesWindow); err != nil {
			return err
		}
		open, err := s.repo.OpenFor(ctx, o.ID)
		if err != nil {
			return err
		}
		taken, amount, err := planAfterSale(o, open, lines)
		if err != nil {
			return err
		}
		out, err = s.repo.Create(ctx, &AfterSale{OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID,
			Status: AfterSaleRequested, Reason: reason, Lines: taken, Amount: amount, CreatedAt: now, UpdatedAt: now})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkAfterSaleLines(lines []AfterSaleLine) error {
	if len(lines) > maxAfterSaleLines {
		return bizerr.Invalid("lines", "at most 50 lines")
	}
	seen := make(map[int64]bool, len(lines))
	for _, l := range lines {
		switch {
		case l.LineID <= 0 || seen[l.LineID]:
			return bizerr.Invalid("lines.line_id", "each line once")
		case l.Quantity <= 0 || l.Quantity > maxQty:
			return bizerr.Invalid("lines.quantity", "1 to 1000")
		}
		seen[l.LineID] = true
	}
	return nil
}

// afterSalesAllowed says whether the order, in its batch, takes an after-sales request at now.
// Before the cut-off the shopper cancels instead; after pickup the window applies.
func afterSalesAllowed(o *Order, b *presale.Batch, now time.Time, window time.Duration) error {
	if b.Status == presale.Cancelled {
		return Lifecycle.Refuse(o.Status, "ask for after-sales: the batch was cancelled and is refunded in full")
	}
	switch o.Status {
	case Paid, Ready:
		if now.Before(b.CutoffAt) {
			return Lifecycle.Refuse(o.Status, "ask for after-sales before the cut-off (cancel the order instead)")
		}
		return nil
	case PickedUp:
		if !now.Before(o.PickedUpAt.Add(window)) {
			return ErrAfterSalesOver
		}
		return nil
	case Completed:
		return ErrAfterSalesOver
	}
	return Lifecycle.Refuse(o.Status, "ask for after-sales")
}

// planAfterSale works out the units and amounts a request takes. Each line offers its quantity
// less what was refunded and what open requests hold; asking for all of that takes what remains
// of the line's amount (what was paid for it less what was refunded or asked before), asking
// for part takes its share of what was paid for the line (partRefund). A gift line (paid
// nothing) is not refunded on its own.
func planAfterSale(o *Order, open []*AfterSale, asked []AfterSaleLine) ([]AfterSaleLine, int64, error) {
	heldQty := map[int64]int64{}
	heldAmt := map[int64]int64{}
	for _, a := range open {
		for _, l := range a.Lines {
			heldQty[l.LineID] += l.Quantity
			heldAmt[l.LineID] += l.Amount
		}
	}
	left := func(l Line) (int64, int64) {
		return l.Quantity - l.RefundedQty - heldQty[l.ID], l.Amount - l.RefundedAmount - heldAmt[l.ID]
	}
	var out []AfterSaleLine
	var total int64
	if len(asked) == 0 {
		for _, l := range o.Lines {
			if qty, amt := left(l); qty > 0 && amt > 0 && !l.Gift {
				out = append(out, AfterSaleLine{LineID: l.ID, Quantity: qty, Amount: amt})
				total += amt
			}
		}
		if len(out) == 0 {
			return nil, 0, bizerr.Invalid("lines", "nothing on the order is left to refund")
		}
		return out, total, nil
	}
	for _, a := range asked {
		i := -1
		for j := range o.Lines {
			if o.Lines[j].ID == a.LineID {
				i = j
			}
		}
		if i < 0 {
			return nil, 0, bizerr.Invalid("lines.line_id", "line "+strconv.FormatInt(a.LineID, 10)+" is not on the order")
		}
		l := o.Lines[i]
		if l.Gift {
			return nil, 0, bizerr.Invalid("lines.line_id",
				fmt.Sprintf("line %d is a gift: it is refunded only with the whole order", l.ID))
		}
		qty, amt := left(l)
		if a.Quantity > qty || amt <= 0 {
			return nil, 0, bizerr.Invalid("lines.quantity",
				fmt.Sprintf("line %d has %d units left to refund", l.ID, max(qty, 0)))
		}
		take := partRefund(l.Amount, l.Quantity, a.Quantity, qty, amt)
		out = append(out, AfterSaleLine{LineID: l.ID, Quantity: a.Quantity, Amount: take})
		total += take
	}
	return out, total, nil
}

// partRefund is what refunding units of a line of qty units paid amount takes, when left units
// and leftAmount fen are still to refund: the units' share of what was paid, floor(amount × units
// / qty) (the price before discounts would refund money never paid), and for the last units
// everything left, so the line's refunds add up to what was paid. Never above what is left.
func partRefund(amount, qty, units, left, leftAmount int64) int64 {
	if units >= left || qty <= 0 {
		return max(leftAmount, 0)
	}
	return max(min(amount*units/qty, leftAmount), 0)
}

// Review approves or rejects a requested refund. An approval is saved, with its out_refund_no,
// before WeChat Pay is asked: a failure of the call leaves an approved request that
// RetryRefunds asks for again with the same number. A refusal that no retry can change (not
// enough left to refund, say) marks the request failed.
func (s *AfterSales) Review(ctx context.Context, reviewerID, id int64, approve bool, note string) (*AfterSale, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 256 {
		return nil, bizerr.Invalid("note", "at most 256 characters")
	}
	var a *AfterSale
	var o *Order
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.repo.Lock(ctx, id); err != nil {
			return err
		}
		if a.Status != AfterSaleRequested {
			return AfterSaleLifecycle.Refuse(a.Status, "review it again")
		}
		now := s.now()
		a.ReviewerID, a.ReviewNote, a.ReviewedAt = reviewerID, note, now
		to := AfterSaleRejected
		if approve {
			if o, err = s.orders.Lock(ctx, a.OrderID); err != nil {
				return err
			}
			switch o.Status {
			case Paid, Ready, PickedUp:
			default:
				return Lifecycle.Refuse(o.Status, "refund an after-sales request")
			}
			to, a.OutRefundNo = AfterSaleApproved, payment.OutRefundNo(o.ID, a.ID)
		}
		if err := AfterSaleLifecycle.Move(&a.Status, to); err != nil {
			return err
		}
		return s.repo.Save(ctx, a, now)
	})
	if err != nil {
		return nil, err
	}
	if approve {
		if err := s.refund(ctx, a, o); err != nil {
			return nil, err
		}
	}
	return s.repo.Get(ctx, id)
}

// refund asks WeChat Pay for the request's refund. A transient failure is left for
// RetryRefunds; a refusal by WeChat closes the refund, which marks the request failed through
// RefundClosed; a refusal here (not enough left, number clash) marks it failed directly.
func (s *AfterSales) refund(ctx context.Context, a *AfterSale, o *Order) error {
	_, err := s.askRefund(ctx, a, o)
	if err == nil || !refundHopeless(err) {
		return nil
	}
	return s.failRefund(ctx, a.ID, "refund refused: "+err.Error())
}

func (s *AfterSales) askRefund(ctx context.Context, a *AfterSale, o *Order) (*payment.Refund, error) {
	return s.payments.Refund(ctx, payment.RefundInput{OutRefundNo: a.OutRefundNo,
		OutTradeNo: payment.OutTradeNo(o.ID, o.PayAttempt), Reason: clipRunes("售后退款："+a.Reason, wechatReasonMax),
		Amount: a.Amount, Total: o.Amount})
}

// refundHopeless reports errors that asking again with the same request cannot change.
func refundHopeless(err error) bool {
	var invalid *bizerr.InvalidError
	return errors.As(err, &invalid) || errors.Is(err, payment.ErrNotEnough) || errors.Is(err, bizerr.ErrConflict) ||
		errors.Is(err, bizerr.ErrNotFound)
}

// markFailed marks an approved request failed with reason, in the caller's transaction.
func (s *AfterSaleRefunds) markFailed(ctx context.Context, id int64, reason string) error {
	a, err := s.repo.Lock(ctx, id)
	if err != nil || a.Status != AfterSaleApproved {
		return err
	}
	if err := AfterSaleLifecycle.Move(&a.Status, AfterSaleFailed); err != nil {
		return err
	}
	a.FailReason = clipRunes(reason, 256)
	return s.repo.Save(ctx, a, s.now())
}

// failRefund marks an approved request failed in a transaction of its own.
func (s *AfterSales) failRefund(ctx context.Context, id int64, reason string) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error { return s.markFailed(ctx, id, reason) })
}

// RetryRefunds asks again for the refunds of requests approved more than a minute ago and still
// waiting (the call failed, or the process died before it), and queries the ones WeChat has
// been processing for refundSyncAfter. The same out_refund_no makes both idempotent. Each
// request is retried at most once a minute: the least recently tried go first.
func (s *AfterSales) RetryRefunds(ctx context.Context) error {
	now := s.now()
	due, err := s.repo.DueRetry(ctx, now.Add(-refundRetryEvery), retryBatch)
	if err != nil {
		return fmt.Errorf("approved after-sales: %w", err)
	}
	var errs []error
	for _, a := range due {
		if err := s.retry(ctx, a, now); err != nil {
			errs = append(errs, fmt.Errorf("refund of after-sales %d: %w", a.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *AfterSales) retry(ctx context.Context, a *AfterSale, now time.Time) error {
	if err := s.repo.Touch(ctx, a.ID, now); err != nil {
		return err
	}
	o, err := s.orders.Get(ctx, a.OrderID)
	if err != nil {
		return err
	}
	r, err := s.askRefund(ctx, a, o)
	if err != nil {
		if refundHopeless(err) {
			return s.failRefund(ctx, a.ID, "refund refused: "+err.Error())
		}
		return err
	}
	if !r.State.Final() && r.State != payment.RefundAbnormal && now.Sub(a.ReviewedAt) >= refundSyncAfter {
		_, err = s.payments.SyncRefund(ctx, a.OutRefundNo)
	}
	return err
}

// RefundSucceeded records a request's refund, inside the refund's transaction: the lines and the
// order count it once, the order is refunded when nothing is left, and TopicRefunded tells the
// ledger what came back per line. Stock does not go back: after the cut-off the goods were
// bought. The same refund again changes nothing.
func (s *AfterSaleRefunds) RefundSucceeded(ctx context.Context, afterSaleID int64, r *payment.Refund) error {
	a, err := s.repo.Lock(ctx, afterSaleID)
	if err != nil {
		return fmt.Errorf("after-sales of refund %s: %w", r.OutRefundNo, err)
	}
	if a.Status == AfterSaleRefunded {
		return nil
	}
	if r.Amount != a.Amount {
		return fmt.Errorf("refund %s of %d fen for after-sales %d of %d fen: %w",
			r.OutRefundNo, r.Amount, a.ID, a.Amount, bizerr.ErrConflict)
	}
	o, err := s.orders.Lock(ctx, a.OrderID)
	if err != nil {
		return err
	}
	refunded, err := applyAfterSale(o, a)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.orders.Save(ctx, o); err != nil {
		return err
	}
	if o.Status == Refunded { // the last line: the whole order came back, and so does its coupon
		if err := releaseCoupon(ctx, s.coupons, o, now); err != nil {
			return err
		}
	}
	if err := AfterSaleLifecycle.Move(&a.Status, AfterSaleRefunded); err != nil {
		return err
	}
	a.FailReason = ""
	if err := s.repo.Save(ctx, a, now); err != nil {
		return err
	}
	err = s.repo.AddNotice(ctx, Notice{UserID: o.UserID, OrderID: o.ID, Kind: NoticeRefunded, Title: "退款已到账",
		Body: fmt.Sprintf("订单%d的售后退款%s元已原路退回。", o.ID, yuan(r.Amount)), CreatedAt: now})
	if err != nil {
		return err
	}
	return event.PublishJSON(ctx, s.events, TopicRefunded, "order/"+strconv.FormatInt(o.ID, 10), Changed{
		OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID, Status: o.Status,
		Amount: o.Amount, At: now, RefundNo: r.OutRefundNo, RefundAmount: r.Amount, RefundLines: refunded,
		AfterSaleID: a.ID})
}

// applyAfterSale adds the request's lines to the order's refunded quantities and amounts and
// moves the order to refunded when every unit is. It refuses to refund more than a line holds.
func applyAfterSale(o *Order, a *AfterSale) ([]RefundedLine, error) {
	var out []RefundedLine
	for _, al := range a.Lines {
		i := -1
		for j := range o.Lines {
			if o.Lines[j].ID == al.LineID {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("after-sales %d: line %d is not on order %d: %w", a.ID, al.LineID, o.ID, bizerr.ErrConflict)
		}
		l := &o.Lines[i]
		if l.RefundedQty+al.Quantity > l.Quantity || l.RefundedAmount+al.Amount > l.Amount {
			return nil, fmt.Errorf("after-sales %d would refund line %d beyond what it holds: %w", a.ID, l.ID, bizerr.ErrConflict)
		}
		l.RefundedQty += al.Quantity
		l.RefundedAmount += al.Amount
		out = append(out, RefundedLine{LineID: l.ID, Quantity: al.Quantity, Amount: al.Amount})
	}
	o.Refunded += a.Amount
	// Every bought unit back is the whole order back; a gift line is not returned on its own.
	all := true
	for _, l := range o.Lines {
		all = all && (l.Gift || l.RefundedQty >= l.Quantity)
	}
	if all {
		if err := Lifecycle.Move(&o.Status, Refunded); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// yuan formats fen as yuan with two decimals, without floats.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// RefundClosed marks a request failed when WeChat closed its refund: the money stays with the
// merchant, and the shopper may ask again.
func (s *AfterSaleRefunds) RefundClosed(ctx context.Context, afterSaleID int64, r *payment.Refund) error {
	return s.markFailed(ctx, afterSaleID, "WeChat Pay closed refund "+r.OutRefundNo)
}

// Mine pages through the shopper's requests, newest first.
func (s *AfterSales) Mine(ctx context.Context, userID, beforeID int64, limit int) ([]*AfterSale, error) {
	return s.repo.ByUser(ctx, userID, beforeID, limit)
}

// List pages through requests for ops, newest first; status "" is any.
func (s *AfterSales) List(ctx context.Context, status AfterSaleStatus, beforeID int64, limit int) ([]*AfterSale, error) {
	if status != "" && !status.valid() {
		return nil, bizerr.Invalid("status", "requested, approved, rejected, refunded or failed")
	}
	return s.repo.List(ctx, status, beforeID, limit)
}
