// Package dashboard is the operations dashboard: the sales of a Beijing day and of the day
// before, in total and per grid, the batches in motion and the work waiting for ops. Each figure
// is read from the store of the domain that owns it, one grouped statement per source.
package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// ClosingWithin is how soon an open batch's cut-off must come for the batch to count as
// closing: within a day, so that ops see today which batches stop taking orders by tomorrow.
const ClosingWithin = 24 * time.Hour

// BatchCounts are the batches in motion.
type BatchCounts struct {
	Open     int64 // taking orders
	Closing  int64 // open, cut-off within ClosingWithin
	Arriving int64 // dispatched, not yet arrived
}

// Alerts are the work waiting for ops.
type Alerts struct {
	FailedDeclarations  int64
	OverduePickups      int64
	FailedRegistrations int64
	AfterSalesWaiting   int64
}

// Grid is one grid's sales on the shown day and the day before.
type Grid struct {
	Cell            string
	Sales, Previous Sales
}

// Dashboard is what ops see first.
type Dashboard struct {
	Day, PreviousDay string // Beijing days, YYYY-MM-DD
	Sales, Previous  Sales
	Grids            []Grid // by cell
	Batches          BatchCounts
	Alerts           Alerts
	ReadAt           time.Time
}

// Usecase reads the dashboard.
type Usecase struct {
	orders   Orders
	payments Payments
	batches  Batches
	shipping Shipping
	overdue  time.Duration
	now      port.Clock
}

// NewUsecase builds the dashboard on the owners' stores; a ready order is overdue after the
// orders' PickupOverdue, as the pickup sweeper flags it.
func NewUsecase(orders Orders, payments Payments, batches Batches, shipping Shipping, cfg order.Config,
	now port.Clock) *Usecase {
	return &Usecase{orders: orders, payments: payments, batches: batches, shipping: shipping,
		overdue: cfg.PickupOverdue, now: now}
}

// Get reads the dashboard of the Beijing day day (YYYY-MM-DD; empty for today) and the day
// before. A day that is not a date, or after today, is invalid.
func (u *Usecase) Get(ctx context.Context, day string) (*Dashboard, error) {
	now := u.now()
	d, err := days(day, now)
	if err != nil {
		return nil, err
	}
	out := &Dashboard{Day: bjtime.Day(d.Split), PreviousDay: bjtime.Day(d.From), ReadAt: now}
	if err := u.sales(ctx, d, out); err != nil {
		return nil, err
	}
	if out.Batches, err = u.batches.BatchCounts(ctx, now.Add(ClosingWithin)); err != nil {
		return nil, fmt.Errorf("dashboard batches: %w", err)
	}
	if out.Alerts, err = u.alerts(ctx, now); err != nil {
		return nil, err
	}
	return out, nil
}

// days are the Beijing day named by day (today when empty) and the day before.
func days(day string, now time.Time) (Days, error) {
	start := bjtime.StartOfDay(now)
	if day != "" {
		t, err := time.ParseInLocation(time.DateOnly, day, bjtime.Zone)
		if err != nil {
			return Days{}, bizerr.Invalid("day", "must be a date YYYY-MM-DD")
		}
		if t.After(start) {
			return Days{}, bizerr.Invalid("day", "must not be after today")
		}
		start = t
	}
	return Days{From: start.AddDate(0, 0, -1), Split: start, To: start.AddDate(0, 0, 1)}, nil
}

// sales fills the totals and the grids from the paid orders and the refunds of the days.
func (u *Usecase) sales(ctx context.Context, d Days, out *Dashboard) error {
	paid, err := u.orders.PaidSales(ctx, d)
	if err != nil {
		return fmt.Errorf("dashboard paid orders: %w", err)
	}
	refunds, err := u.refundsByGrid(ctx, d)
	if err != nil {
		return err
	}
	grids := map[string]*Grid{}
	grid := func(cell string) *Grid {
		if grids[cell] == nil {
			grids[cell] = &Grid{Cell: cell}
		}
		return grids[cell]
	}
	for _, s := range paid {
		if s.Grid == "" {
			*pick(&out.Sales, &out.Previous, s.Previous) = s.Sales
			continue
		}
		g := grid(s.Grid)
		*pick(&g.Sales, &g.Previous, s.Previous) = s.Sales
	}
	for _, r := range refunds { // after the paid sales, which leave Refunded zero
		g := grid(r.Grid)
		pick(&g.Sales, &g.Previous, r.Previous).Refunded += r.Amount
		pick(&out.Sales, &out.Previous, r.Previous).Refunded += r.Amount
	}
	for _, g := range grids {
		out.Grids = append(out.Grids, *g)
	}
	slices.SortFunc(out.Grids, func(a, b Grid) int { return cmp.Compare(a.Cell, b.Cell) })
	return nil
}

func pick(shown, previous *Sales, isPrevious bool) *Sales {
	if isPrevious {
		return previous
	}
	return shown
}

// gridRefund is a day's refunds of one grid.
type gridRefund struct {
	Grid     string
	Previous bool
	Amount   int64
}

// refundsByGrid places each payment's refunds in the grid of its order. The refunds of a day are
// few next to its orders: their orders are looked up by id.
func (u *Usecase) refundsByGrid(ctx context.Context, d Days) ([]gridRefund, error) {
	refunds, err := u.payments.RefundsByTrade(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("dashboard refunds: %w", err)
	}
	orderOf := make(map[string]int64, len(refunds))
	ids := make([]int64, 0, len(refunds))
	for _, r := range refunds {
		id, _, ok := payment.ParseOutTradeNo(r.OutTradeNo)
		if !ok {
			return nil, fmt.Errorf("dashboard refunds: out_trade_no %q names no order", r.OutTradeNo)
		}
		orderOf[r.OutTradeNo] = id
		ids = append(ids, id)
	}
	cells, err := u.orders.GridsOf(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("dashboard refunds' grids: %w", err)
	}
	out := make([]gridRefund, len(refunds))
	for i, r := range refunds {
		cell, ok := cells[orderOf[r.OutTradeNo]]
		if !ok {
			return nil, fmt.Errorf("dashboard refunds: order of %s not found", r.OutTradeNo)
		}
		out[i] = gridRefund{Grid: cell, Previous: r.Previous, Amount: r.Amount}
	}
	return out, nil
}

// alerts counts the work waiting. Overdue pickups are counted by the rule the sweeper flags
// them by (ready for longer than PickupOverdue), not by the flag: a range of the (status,
// ready_at) index, which also sees the orders the sweeper has not reached yet.
func (u *Usecase) alerts(ctx context.Context, now time.Time) (Alerts, error) {
	var a Alerts
	overdue := func(ctx context.Context) (int64, error) { return u.orders.OverduePickups(ctx, now.Add(-u.overdue)) }
	for _, c := range []struct {
		what  string
		count func(context.Context) (int64, error)
		into  *int64
	}{
		{"failed shipping declarations", u.shipping.FailedDeclarations, &a.FailedDeclarations},
		{"overdue pickups", overdue, &a.OverduePickups},
		{"failed receiver registrations", u.payments.FailedRegistrations, &a.FailedRegistrations},
		{"after-sales waiting", u.orders.AfterSalesWaiting, &a.AfterSalesWaiting},
	} {
		n, err := c.count(ctx)
		if err != nil {
			return a, fmt.Errorf("dashboard %s: %w", c.what, err)
		}
		*c.into = n
	}
	return a, nil
}
