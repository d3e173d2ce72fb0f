package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

// insertOrderSQL writes an order and its lines in one statement, for the shopper's current
// leader when that leader serves and its grid is one of the batch's. It returns one row per line,
// or none when the shopper has no such leader or the idempotency key is taken. One statement is
// one round trip and, outside a transaction, one commit: the flash-sale path.
const insertOrderSQL = `
WITH lb AS (
	SELECT l.id, l.grid_cell FROM leader_bindings b JOIN leaders l ON l.id = b.leader_id
	WHERE b.user_id = $1 AND b.unbound_at IS NULL AND l.status = 'approved' AND NOT l.paused
), o AS (
	INSERT INTO orders (created_at, updated_at, user_id, leader_id, batch_id, grid_cell, status,
		idempotency_key, amount, refunded, pay_attempt, expires_at, release_pending)
	SELECT $2, $2, $1, lb.id, $3, lb.grid_cell, 'pending_payment', $4, $5, 0, $6, $7, false
	FROM lb WHERE lb.grid_cell = ANY($8::text[])
	ON CONFLICT (user_id, idempotency_key) DO NOTHING
	RETURNING id, leader_id, grid_cell
), l AS (
	INSERT INTO order_lines (order_id, item_id, sku_id, title, price, quantity, amount, commission_bp,
		refunded_quantity, refunded_amount)
	SELECT o.id, x.item_id, x.sku_id, x.title, x.price, x.quantity, x.amount, x.commission_bp, 0, 0
	FROM o, unnest($9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[],
		$15::bigint[]) AS x(item_id, sku_id, title, price, quantity, amount, commission_bp)
	RETURNING id, item_id
)
SELECT o.id, o.leader_id, o.grid_cell, l.id, l.item_id FROM o, l`

// Create saves a new order with its lines for the shopper's bound leader, if that leader serves
// one of grids. When the shopper already has an order with the idempotency key it returns that
// one and created false. order.ErrNoBoundLeader and order.ErrNotInGrid say why nothing was
// written. On PostgreSQL outside a transaction it is one statement; a concurrent insert with the
// same key waits for the first to commit or roll back, so exactly one creates the order. Orders
// placed at the same moment share a statement (order_batch.go).
func (r *orderRepo) Create(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	if r.data.dialect == dialect.Postgres && ent.TxFromContext(ctx) == nil {
		res := r.batch.write(ctx, o, grids)
		switch {
		case res.single: // the batch failed as a whole: this order alone tells what is wrong
			return r.createInOneStatement(ctx, o, grids)
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

func (r *orderRepo) createInOneStatement(ctx context.Context, o *order.Order, grids []string) (*order.Order, bool, error) {
	n := len(o.Lines)
	items, skus, titles := make([]int64, n), make([]int64, n), make([]string, n)
	prices, qtys, amounts, bps := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, l := range o.Lines {
		items[i], skus[i], titles[i] = l.ItemID, l.SKUID, l.Title
		prices[i], qtys[i], amounts[i], bps[i] = l.Price, l.Quantity, l.Amount, int64(l.CommissionBP)
	}
	now := time.Now().UTC()
	rows, err := r.data.sql.QueryContext(ctx, insertOrderSQL, o.UserID, now, o.BatchID, o.IdempotencyKey, o.Amount,
		o.PayAttempt, o.ExpiresAt, grids, items, skus, titles, prices, qtys, amounts, bps)
	if err != nil {
		return nil, false, fmt.Errorf("insert order %q of user %d: %w", o.IdempotencyKey, o.UserID, err)
	}
	defer rows.Close()
	out := *o
	out.Lines = make([]order.Line, 0, n)
	byItem := make(map[int64]order.Line, n)
	for _, l := range o.Lines {
		byItem[l.ItemID] = l
	}
	for rows.Next() {
		var lineID, itemID int64
		if err := rows.Scan(&out.ID, &out.LeaderID, &out.GridCell, &lineID, &itemID); err != nil {
			return nil, false, fmt.Errorf("read inserted order: %w", err)
		}
		l := byItem[itemID]
		l.ID, l.OrderID = lineID, out.ID
		out.Lines = append(out.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("insert order %q of user %d: %w", o.IdempotencyKey, o.UserID, err)
	}
	if out.ID == 0 {
		return r.whyNotCreated(ctx, o, grids)
	}
	out.CreatedAt = now
	return &out, true, nil
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
	if !containsString(grids, grid) {
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
	if !containsString(grids, grid) {
		return nil, false, order.ErrNotInGrid
	}
	return nil, false, fmt.Errorf("order %q of user %d was not written: %w", o.IdempotencyKey, o.UserID,
		errors.New("no row and no reason"))
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
