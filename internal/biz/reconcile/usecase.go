package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// Reconciler reconciles one day at a time. It reads only.
type Reconciler struct {
	bills     payment.Bills
	src       Source
	tolerance time.Duration
}

// NewReconciler reconciles WeChat's bills against src with DefaultTolerance.
func NewReconciler(bills payment.Bills, src Source) *Reconciler {
	return &Reconciler{bills: bills, src: src, tolerance: DefaultTolerance}
}

// Day reconciles day's Beijing calendar day. The day's bills must be out (after 10:00 the next
// day): when neither the trade nor the profit-sharing bill is, the error is
// payment.ErrBillNotReady, wrapped. When only one of them is, the other day had none (WeChat
// makes both at once, and answers "no bill" for a day without trades or without sharing).
func (r *Reconciler) Day(ctx context.Context, day time.Time) (*Report, error) {
	from, to := DayRange(day)
	date := from.Format(time.DateOnly)
	cur, err := r.dayBills(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", date, err)
	}
	if cur.Trade == nil && cur.Sharing == nil {
		return nil, fmt.Errorf("reconcile %s: %w", date, payment.ErrBillNotReady)
	}
	in := Input{Day: from, Cur: cur, Tolerance: r.tolerance}
	if in.Prev, err = r.dayBills(ctx, from.AddDate(0, 0, -1)); err != nil {
		return nil, fmt.Errorf("reconcile %s: previous day: %w", date, err)
	}
	if in.Next, err = r.dayBills(ctx, to); err != nil {
		return nil, fmt.Errorf("reconcile %s: next day: %w", date, err)
	}
	if err := r.loadOurs(ctx, &in, from, to); err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", date, err)
	}
	report := Match(in)
	if report.Discounts, err = r.src.Discounts(ctx, from, to); err != nil {
		return nil, fmt.Errorf("reconcile %s: discounts: %w", date, err)
	}
	return &report, nil
}

// dayBills downloads a day's two bills; a bill not available is nil.
func (r *Reconciler) dayBills(ctx context.Context, day time.Time) (DayBills, error) {
	var out DayBills
	trade, err := r.bills.TradeBill(ctx, day)
	switch {
	case err == nil:
		out.Trade = &trade
	case !errors.Is(err, payment.ErrBillNotReady):
		return out, fmt.Errorf("trade bill: %w", err)
	}
	sharing, err := r.bills.SharingBill(ctx, day)
	switch {
	case err == nil:
		out.Sharing = &sharing
	case !errors.Is(err, payment.ErrBillNotReady):
		return out, fmt.Errorf("profit-sharing bill: %w", err)
	}
	return out, nil
}

// loadOurs reads our records of the day widened by the tolerance, the items of the
// transactions WeChat unfroze, and the books of the day's orders.
func (r *Reconciler) loadOurs(ctx context.Context, in *Input, from, to time.Time) error {
	lo, hi := from.Add(-r.tolerance), to.Add(r.tolerance)
	var err error
	if in.Payments, err = r.src.Payments(ctx, lo, hi); err != nil {
		return fmt.Errorf("our payments: %w", err)
	}
	if in.Refunds, err = r.src.Refunds(ctx, lo, hi); err != nil {
		return fmt.Errorf("our refunds: %w", err)
	}
	if in.Items, err = r.src.Items(ctx, lo, hi, unfrozenTransactions(in.Cur.Sharing)); err != nil {
		return fmt.Errorf("our settlement items: %w", err)
	}
	if in.Books, err = r.src.Books(ctx, dayOrders(*in, from, to)); err != nil {
		return fmt.Errorf("our books: %w", err)
	}
	return nil
}

// unfrozenTransactions are the transactions of the bill's lines to ourselves.
func unfrozenTransactions(b *payment.SharingBill) []string {
	if b == nil {
		return nil
	}
	var out []string
	for _, r := range b.Rows {
		if r.BusinessType != payment.SharingBillReturn && merchantSelf(r) && !slices.Contains(out, r.TransactionID) {
			out = append(out, r.TransactionID)
		}
	}
	return out
}

// dayOrders are the orders the day's records touched: paid, refunded, or whose commission
// was shared that day. Their books are checked whole, all time.
func dayOrders(in Input, from, to time.Time) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64, at time.Time) {
		if id > 0 && !seen[id] && !at.Before(from) && at.Before(to) {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, p := range in.Payments {
		add(p.OrderID, p.PaidAt)
	}
	for _, r := range in.Refunds {
		add(r.OrderID, r.CreatedAt)
	}
	for _, it := range in.Items {
		for _, s := range it.Shares {
			add(s.SourceOrderID, cmpTime(s.FinishedAt, it.FinishedAt))
		}
	}
	slices.Sort(out)
	return out
}

// cmpTime is t, or def when t is zero.
func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// BillMonths is how long WeChat Pay keeps a day's bills: three months.
const BillMonths = 3

// ParseDay parses day (YYYY-MM-DD, a Beijing calendar day) and checks that WeChat Pay
// can have its bills at now: not in the future, at most BillMonths back. Its errors are
// bizerr.Invalid (INVALID_ARGUMENT). Today passes: its bills are simply not out yet.
func ParseDay(day string, now time.Time) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, bjtime.Zone)
	if err != nil {
		return time.Time{}, bizerr.Invalid("day", "not a date (YYYY-MM-DD)")
	}
	today, _ := DayRange(now)
	if d.After(today) {
		return time.Time{}, bizerr.Invalid("day", "in the future (Beijing time)")
	}
	if d.Before(today.AddDate(0, -BillMonths, 0)) {
		return time.Time{}, bizerr.Invalid("day", fmt.Sprintf("more than %d months back: WeChat Pay keeps bills for %d months", BillMonths, BillMonths))
	}
	return d, nil
}
