package orderstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
)

// Create saves a new order with its lines for the shopper's bound leader, if that leader serves
// one of grids. When the shopper already has an order with the idempotency key it returns that
// one and created false. order.ErrNoBoundLeader and order.ErrNotInGrid say why nothing was
// written. On PostgreSQL outside a transaction it is one statement; a concurrent insert with the
// same key waits for the first to commit or roll back, so exactly one creates the order. Orders
// placed at the same moment share a statement (order_batch.go). An order naming a coupon is
// written with the coupon's lock, or not at all (order.Repo).
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
	if err := pricedFor(o, leaderID); err != nil {
		return nil, false, err
	}
	next := *o
	next.LeaderID, next.GridCell = leaderID, grid
	stored, created, err := r.insertWithEnt(ctx, &next)
	if err != nil || !created || o.CouponID == 0 {
		return stored, created, err
	}
	return stored, created, r.lockCoupon(ctx, stored)
}

// lockCoupon locks o's coupon for it in ctx's transaction, which the caller rolls back on an
// error: the order and its coupon are written together, so an order exists exactly when it holds
// its coupon (insertOrdersSQL does the same in its statement).
func (r *orderRepo) lockCoupon(ctx context.Context, o *order.Order) error {
	locked, err := promostore.LockForOrder(ctx, r.data, o.CouponID, o.UserID, o.ID, pricedAt(o))
	if err != nil {
		return err
	}
	if !locked {
		return &promo.CouponError{CouponID: o.CouponID, Err: promo.ErrCouponNotUsable}
	}
	return nil
}

// pricedFor refuses an order with a coupon for a shopper whose leader is no longer the one it was
// priced for: the coupon's scope and who funds it were decided for that leader.
func pricedFor(o *order.Order, leaderID int64) error {
	if o.CouponID == 0 || o.LeaderID == 0 || o.LeaderID == leaderID {
		return nil
	}
	return fmt.Errorf("order %q was priced for leader %d and is for leader %d now: place it again: %w",
		o.IdempotencyKey, o.LeaderID, leaderID, bizerr.ErrConflict)
}

// whyNotCreated tells a duplicate key from a shopper without a serving leader in the batch's grids,
// a shopper whose leader changed since pricing and a coupon that could not be locked.
func (r *orderRepo) whyNotCreated(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	prev, err := r.GetByKey(ctx, o.UserID, o.IdempotencyKey)
	if err == nil {
		return prev, false, nil
	}
	if !isNotFound(err) {
		return nil, false, err
	}
	leaderID, grid, err := NewShoppers(r.data).BoundLeader(ctx, o.UserID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(grids, grid) {
		return nil, false, order.ErrNotInGrid
	}
	if err := pricedFor(o, leaderID); err != nil {
		return nil, false, err
	}
	if o.CouponID != 0 {
		return nil, false, &promo.CouponError{CouponID: o.CouponID, Err: promo.ErrCouponNotUsable}
	}
	return nil, false, fmt.Errorf("order %q of user %d was not written: %w", o.IdempotencyKey, o.UserID,
		errors.New("no row and no reason"))
}
