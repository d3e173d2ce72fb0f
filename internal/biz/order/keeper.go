package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ErrNotLoaded means a batch has no stock counters: they were never loaded or were lost.
var ErrNotLoaded = errors.New("stock counters are not loaded")

// Counters is the hot counters as Keeper rebuilds them.
type Counters interface {
	// Pause stops reservations and releases of the batch for at most ttl. It reports false when
	// another rebuild holds the pause (on this replica or another).
	Pause(ctx context.Context, batchID int64, ttl time.Duration) (bool, error)
	// Rebuild replaces the batch's counters: what is left of each item and every reservation.
	Rebuild(ctx context.Context, batchID int64, remaining map[int64]int64, reservations []Reservation) error
	Resume(ctx context.Context, batchID int64) error
	// Remaining reads what is left of each item of a batch; an item without a count is absent.
	Remaining(ctx context.Context, b *presale.Batch) (map[int64]int64, error)
}

// Keeper rebuilds stock counters from the database, the truth of what is taken.
type Keeper struct {
	counters Counters
	orders   Repo
	batches  presale.Repo
	// settle is the longest a checkout can hold a reservation before its order commits; a
	// rebuild of a batch that took orders waits it out while the sale is paused, so no
	// reservation made against the old counters can commit unseen after the database is read.
	settle time.Duration
}

// NewKeeper builds the stock keeper.
func NewKeeper(counters Counters, orders Repo, batches presale.Repo, cfg Config) *Keeper {
	return &Keeper{counters: counters, orders: orders, batches: batches, settle: cfg.CheckoutDeadline}
}

// StockLevel is one item's stock as the database has it.
type StockLevel struct {
	ItemID    int64
	Quota     int64
	Taken     int64
	Remaining int64
}

// Rebuild pauses the batch's sale, waits out checkouts in flight, computes what is taken from
// the database, replaces the counters and resumes the sale. A batch that never opened needs no
// wait: nobody can have reserved from it. ErrStockBusy when another rebuild is running.
func (k *Keeper) Rebuild(ctx context.Context, batchID int64) error {
	_, err := k.RebuildReport(ctx, batchID)
	return err
}

// RebuildReport is Rebuild, returning the levels it loaded.
func (k *Keeper) RebuildReport(ctx context.Context, batchID int64) ([]StockLevel, error) {
	b, err := k.batches.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	ok, err := k.counters.Pause(ctx, batchID, 3*k.settle+time.Minute)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("batch %d: %w", batchID, ErrStockBusy)
	}
	defer func() { _ = k.counters.Resume(context.WithoutCancel(ctx), batchID) }()
	if b.Status != presale.Draft && b.Status != presale.Scheduled {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(k.settle):
		}
	}
	orders, err := k.orders.Reservations(ctx, batchID)
	if err != nil {
		return nil, err
	}
	levels, reservations := tally(b, orders)
	remaining := make(map[int64]int64, len(levels))
	for _, l := range levels {
		remaining[l.ItemID] = l.Remaining
	}
	if err := k.counters.Rebuild(ctx, batchID, remaining, reservations); err != nil {
		return nil, err
	}
	return levels, nil
}

// tally sums what the orders take of each item. Remaining never goes below zero in the
// counters; a taken above quota would be an oversell and shows as such in the levels.
func tally(b *presale.Batch, orders []*Order) ([]StockLevel, []Reservation) {
	taken := make(map[int64]int64, len(b.Items))
	reservations := make([]Reservation, 0, len(orders))
	lim := limits(b)
	for _, o := range orders {
		for _, l := range o.Lines {
			taken[l.ItemID] += l.Quantity
		}
		reservations = append(reservations, o.Reservation(lim))
	}
	levels := make([]StockLevel, 0, len(b.Items))
	for _, it := range b.Items {
		levels = append(levels, StockLevel{ItemID: it.ID, Quota: it.Quota, Taken: taken[it.ID],
			Remaining: max(it.Quota-taken[it.ID], 0)})
	}
	return levels, reservations
}

// StockCheck is one item's stock as the database and the counter have it.
type StockCheck struct {
	ItemID int64
	Quota  int64
	// Pending and Sold are the units of unpaid orders and of the other orders holding stock
	// (paid, or cancelled with their stock still to go back), from the database.
	Pending int64
	Sold    int64
	// Reserved is what the counter holds as taken (quota minus Remaining), Remaining what it has
	// left to sell; Loaded is false when it has no count for the item.
	Reserved  int64
	Remaining int64
	Loaded    bool
	// Agrees: the counter holds exactly what the database says is taken (a draft, which has no
	// counters yet, agrees while it has no orders).
	Agrees bool
}

// Inspect compares a batch's stock in the database with its counters, item by item, without
// pausing the sale: read-only, for ops. The database is read first: a checkout reserves in the
// counter before its order commits, so one in flight shows as Reserved above Pending + Sold for
// up to the checkout deadline; a difference that persists is real, and Rebuild repairs it.
func (k *Keeper) Inspect(ctx context.Context, batchID int64) (*presale.Batch, []StockCheck, error) {
	b, err := k.batches.Get(ctx, batchID)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(b.Items))
	for i, it := range b.Items {
		ids[i] = it.ID
	}
	pending, sold, err := k.orders.Held(ctx, batchID, ids)
	if err != nil {
		return nil, nil, err
	}
	left, err := k.counters.Remaining(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	checks := make([]StockCheck, len(b.Items))
	for i, it := range b.Items {
		c := StockCheck{ItemID: it.ID, Quota: it.Quota, Pending: pending[it.ID], Sold: sold[it.ID]}
		c.Remaining, c.Loaded = left[it.ID]
		if c.Loaded {
			c.Reserved = it.Quota - c.Remaining
			c.Agrees = c.Reserved == c.Pending+c.Sold
		} else {
			c.Agrees = b.Status == presale.Draft && c.Pending+c.Sold == 0
		}
		checks[i] = c
	}
	return b, checks, nil
}

// Remaining is what the counters have left of each item of b, as the shop shows it.
func (k *Keeper) Remaining(ctx context.Context, b *presale.Batch) (map[int64]int64, error) {
	return k.counters.Remaining(ctx, b)
}
