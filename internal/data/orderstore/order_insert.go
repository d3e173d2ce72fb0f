package orderstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

// Create saves a new order with its lines for the shopper's bound leader, if that leader serves
// one of grids. When the shopper already has an order with the idempotency key it returns that
// one and created false. order.ErrNoBoundLeader and order.ErrNotInGrid say why nothing was
// written. On PostgreSQL outside a transaction it is one statement; a concurrent insert with the
// same key waits for the first to commit or roll back, so exactly one creates the order. Orders
// placed at the same moment share a statement (order_batch.go).
func (r *orderRepo) Create(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	if r.data.Postgres() && ent.TxFromContext(ctx) == nil {
		res := r.batch.write(ctx, o, grids)
		switch {
		case res.single: // the batch failed as a whole: this order alone tells what is wrong
			return r.createAlone(ctx, o, grids)
		case res.err != nil:
			return nil, false, res.err
		case res.o == nil:
			return r.whyNotCreated(ctx, o, grids)
		}
		return res.o, true, nil
	}
	var out *order.Order
	created := false
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, created, err = r.createWithEnt(ctx, o, grids)
		return err
	})
	return out, created, err
}

// createAlone writes o in a statement of its own, for an order whose batch failed as a whole.
func (r *orderRepo) createAlone(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	written, err := r.batch.insert(ctx, []*insertReq{{ctx: ctx, o: o, grids: grids}})
	if err != nil {
		return nil, false, fmt.Errorf("insert order %q of user %d: %w", o.IdempotencyKey, o.UserID, err)
	}
	if written[0] == nil {
		return r.whyNotCreated(ctx, o, grids)
	}
	return written[0], true, nil
}

// createWithEnt is Create on SQLite or inside a transaction (the database stock counter).
func (r *orderRepo) createWithEnt(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	if prev, err := r.GetByKey(ctx, o.UserID, o.IdempotencyKey); err == nil {
		return prev, false, nil
	} else if !isNotFound(err) {
		return nil, false, err
	}
	leaderID, grid, err := NewShoppers(r.data).BoundLeader(ctx, o.UserID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(grids, grid) {
		return nil, false, order.ErrNotInGrid
	}
	next := *o
	next.LeaderID, next.GridCell = leaderID, grid
	return r.insertWithEnt(ctx, &next)
}

// whyNotCreated tells a duplicate key from a shopper without a serving leader in the batch's grids.
func (r *orderRepo) whyNotCreated(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	prev, err := r.GetByKey(ctx, o.UserID, o.IdempotencyKey)
	if err == nil {
		return prev, false, nil
	}
	if !isNotFound(err) {
		return nil, false, err
	}
	_, grid, err := NewShoppers(r.data).BoundLeader(ctx, o.UserID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(grids, grid) {
		return nil, false, order.ErrNotInGrid
	}
	return nil, false, fmt.Errorf("order %q of user %d was not written: %w", o.IdempotencyKey, o.UserID,
		errors.New("no row and no reason"))
}
