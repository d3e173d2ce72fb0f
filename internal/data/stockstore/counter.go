// Package stockstore is checkout's stock counters: in Redis (the hot path, internal/data/stock)
// or in the database (batch_items.taken). The items' quota and taken are presale's, the orders'
// release flag and holdings the orders': both are moved through their owners.
package stockstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/stock"
)

// StockCounter counts stock for checkout and is rebuilt by its keeper.
type StockCounter interface {
	order.Counter
	order.Counters
	presale.Stock
}

// NewCounter picks where stock is counted: Redis (default) or the database.
func NewCounter(c *conf.Checkout, data *sqldb.DB, rdb redis.UniversalClient, prefix redisdb.KeyPrefix) (StockCounter, error) {
	switch c.GetStockCounter() {
	case "", "redis":
		return &RedisCounter{store: stock.NewStore(rdb, string(prefix)), data: data}, nil
	case "database":
		return &DBCounter{data: data}, nil
	}
	return nil, fmt.Errorf("checkout.stock_counter %q: want redis or database", c.GetStockCounter())
}

// RedisCounter keeps stock in Redis (internal/data/stock): one Lua script per order.
type RedisCounter struct {
	store *stock.Store
	data  *sqldb.DB
}

func stockLines(r order.Reservation) []stock.Line {
	lines := make([]stock.Line, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = stock.Line{ItemID: l.ItemID, Qty: l.Qty, Limit: l.Limit}
	}
	return lines
}

// InDatabase is false: Redis reserves before the order is written.
func (c *RedisCounter) InDatabase() bool { return false }

func (c *RedisCounter) Reserve(ctx context.Context, r order.Reservation, _ []presale.Item) (bool, error) {
	fresh, err := c.store.ReserveOnce(ctx, r.BatchID, r.Token, r.UserID, stockLines(r))
	return fresh, stockErr(err, r)
}

// stockErr turns the store's refusals into checkout's.
func stockErr(err error, r order.Reservation) error {
	var ie *stock.ItemError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, stock.ErrPaused):
		return fmt.Errorf("batch %d: %w", r.BatchID, order.ErrStockBusy)
	case errors.Is(err, stock.ErrNotLoaded):
		return fmt.Errorf("batch %d: %w", r.BatchID, order.ErrNotLoaded)
	case errors.Is(err, stock.ErrOrderMismatch):
		return order.ErrKeyReused
	case errors.As(err, &ie) && errors.Is(err, stock.ErrSoldOut):
		return &order.StockError{ItemID: ie.ItemID, Err: order.ErrSoldOut}
	case errors.As(err, &ie) && errors.Is(err, stock.ErrLimitExceeded):
		se := &order.StockError{ItemID: ie.ItemID, Err: order.ErrLimitExceeded}
		for _, l := range r.Lines {
			if l.ItemID == ie.ItemID {
				se.Limit = l.Limit
			}
		}
		return se
	}
	return err
}

func (c *RedisCounter) Abort(ctx context.Context, r order.Reservation) error {
	_, err := c.store.Release(ctx, r.BatchID, r.Token, r.UserID)
	return stockErr(err, r)
}

// Release gives the stock back, then clears the flag: a crash between the two releases again,
// which the script makes a no-op.
func (c *RedisCounter) Release(ctx context.Context, o *order.Order, r order.Reservation) error {
	if _, err := c.store.Release(ctx, r.BatchID, r.Token, r.UserID); err != nil {
		return stockErr(err, r)
	}
	_, err := orderstore.MarkReleased(ctx, c.data, o.ID)
	return err
}

func (c *RedisCounter) Remaining(ctx context.Context, b *presale.Batch) (map[int64]int64, error) {
	ids := make([]int64, len(b.Items))
	for i, it := range b.Items {
		ids[i] = it.ID
	}
	return c.store.Remaining(ctx, b.ID, ids...)
}

// LoadFresh loads the quota of each item that has no count yet (a batch about to open).
func (c *RedisCounter) LoadFresh(ctx context.Context, b *presale.Batch) error {
	quotas := make(map[int64]int64, len(b.Items))
	for _, it := range b.Items {
		quotas[it.ID] = it.Quota
	}
	return c.store.LoadFresh(ctx, b.ID, quotas)
}

func (c *RedisCounter) Pause(ctx context.Context, batchID int64, ttl time.Duration) (bool, error) {
	return c.store.TryPause(ctx, batchID, ttl)
}

func (c *RedisCounter) Rebuild(ctx context.Context, batchID int64, remaining map[int64]int64, rs []order.Reservation) error {
	snap := stock.Snapshot{Remaining: remaining, Reservations: make([]stock.Reservation, len(rs))}
	for i, r := range rs {
		snap.Reservations[i] = stock.Reservation{Token: r.Token, UserID: r.UserID, Lines: stockLines(r)}
	}
	return c.store.Rebuild(ctx, batchID, snap)
}

func (c *RedisCounter) Resume(ctx context.Context, batchID int64) error {
	return c.store.Resume(ctx, batchID)
}

// DBCounter counts stock in batch_items.taken with a conditional UPDATE in the order's own
// transaction: no Redis needed and always consistent, but every order of a hot item waits for
// the row lock of the one before it.
type DBCounter struct{ data *sqldb.DB }

// InDatabase is true: the stock is taken in the order's own transaction.
func (c *DBCounter) InDatabase() bool { return true }

func (c *DBCounter) Reserve(ctx context.Context, r order.Reservation, items []presale.Item) (bool, error) {
	return true, c.reserve(ctx, r)
}

func (c *DBCounter) reserve(ctx context.Context, r order.Reservation) error {
	for _, l := range r.Lines {
		took, err := presalestore.Take(ctx, c.data, l.ItemID, l.Qty)
		if err != nil {
			return err
		}
		if !took {
			return &order.StockError{ItemID: l.ItemID, Err: order.ErrSoldOut}
		}
		if l.Limit == 0 {
			continue
		}
		held, err := orderstore.Held(ctx, c.data, r.UserID, r.BatchID, l.ItemID)
		if err != nil {
			return err
		}
		// The order's own lines are already in: held includes them. Concurrent orders of one
		// shopper for this item queue on the item's row lock taken just above.
		if held > l.Limit {
			return &order.StockError{ItemID: l.ItemID, Limit: l.Limit, Err: order.ErrLimitExceeded}
		}
	}
	return nil
}

// Abort has nothing to do: the rolled-back transaction took nothing.
func (c *DBCounter) Abort(context.Context, order.Reservation) error { return nil }

// Release clears the flag and gives the stock back in one transaction, so it happens once.
func (c *DBCounter) Release(ctx context.Context, o *order.Order, r order.Reservation) error {
	return c.data.InTx(ctx, func(ctx context.Context) error {
		released, err := orderstore.MarkReleased(ctx, c.data, o.ID)
		if err != nil || !released {
			return err
		}
		for _, l := range r.Lines {
			if err := presalestore.GiveBack(ctx, c.data, l.ItemID, l.Qty); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *DBCounter) Remaining(ctx context.Context, b *presale.Batch) (map[int64]int64, error) {
	return presalestore.Left(ctx, c.data, b.ID)
}

// LoadFresh has nothing to load: the item rows hold quota and taken.
func (c *DBCounter) LoadFresh(context.Context, *presale.Batch) error { return nil }

// Pause, Rebuild and Resume have nothing to rebuild: taken moves in the orders' transactions.
func (c *DBCounter) Pause(context.Context, int64, time.Duration) (bool, error) { return true, nil }
func (c *DBCounter) Rebuild(context.Context, int64, map[int64]int64, []order.Reservation) error {
	return nil
}
func (c *DBCounter) Resume(context.Context, int64) error { return nil }
