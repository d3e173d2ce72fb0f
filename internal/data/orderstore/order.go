package orderstore

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type orderRepo struct {
	data  *sqldb.DB
	batch *orderBatcher
}

// NewOrderRepo stores orders and their lines.
func NewOrderRepo(data *sqldb.DB) order.Repo {
	return &orderRepo{data: data, batch: &orderBatcher{data: data}}
}

// insertWithEnt inserts the order and its lines unless the shopper's idempotency key is taken.
func (r *orderRepo) insertWithEnt(ctx context.Context, o *order.Order) (*order.Order, bool, error) {
	c := r.data.Client(ctx)
	now := time.Now().UTC()
	id, err := c.Order.Create().SetCreatedAt(now).SetUpdatedAt(now).
		SetUserID(int(o.UserID)).SetLeaderID(int(o.LeaderID)).SetBatchID(int(o.BatchID)).
		SetGridCell(o.GridCell).SetStatus(entorder.Status(o.Status)).SetIdempotencyKey(o.IdempotencyKey).
		SetAmount(o.Amount).SetPayAttempt(o.PayAttempt).SetExpiresAt(o.ExpiresAt).
		SetPromoOff(o.PromoOff).SetCouponOff(o.CouponOff).SetLeaderFunded(o.LeaderFunded).
		SetNillableActivityID(optionalID(o.ActivityID)).SetNillableCouponID(optionalID(o.CouponID)).
		SetNillableShareKey(optionalText(o.ShareKey)).
		OnConflictColumns(entorder.FieldUserID, entorder.FieldIdempotencyKey).DoNothing().
		ID(ctx)
	if sqldb.NoRows(err) {
		prev, err := r.GetByKey(ctx, o.UserID, o.IdempotencyKey)
		return prev, false, err
	}
	if err != nil {
		return nil, false, sqldb.Err(err, "create order")
	}
	lines := make([]*ent.OrderLineCreate, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = c.OrderLine.Create().SetOrderID(id).SetItemID(int(l.ItemID)).SetSkuID(int(l.SKUID)).
			SetTitle(l.Title).SetPrice(l.Price).SetQuantity(l.Quantity).SetAmount(l.Amount).
			SetPromoOff(l.PromoOff).SetCouponOff(l.CouponOff).SetLeaderFunded(l.LeaderFunded).SetGift(l.Gift).
			SetCommissionBp(l.CommissionBP)
	}
	rows, err := c.OrderLine.CreateBulk(lines...).Save(ctx)
	if err != nil {
		return nil, false, sqldb.Err(err, fmt.Sprintf("lines of order %d", id))
	}
	out := *o
	out.ID, out.CreatedAt, out.Lines = int64(id), now, make([]order.Line, len(rows))
	for i, row := range rows {
		out.Lines[i] = toLine(row)
	}
	return &out, true, nil
}

func (r *orderRepo) GetByKey(ctx context.Context, userID int64, key string) (*order.Order, error) {
	return r.one(ctx, fmt.Sprintf("order %q of user %d", key, userID), false,
		entorder.UserID(int(userID)), entorder.IdempotencyKey(key))
}

func (r *orderRepo) Get(ctx context.Context, id int64) (*order.Order, error) {
	return r.one(ctx, fmt.Sprintf("order %d", id), false, entorder.ID(int(id)))
}

func (r *orderRepo) Lock(ctx context.Context, id int64) (*order.Order, error) {
	return r.one(ctx, fmt.Sprintf("lock order %d", id), true, entorder.ID(int(id)))
}

func (r *orderRepo) one(ctx context.Context, what string, lock bool, ps ...predicate.Order) (*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().Where(ps...)
	if lock {
		q = sqldb.Lock(r.data, q)
	}
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, what)
	}
	out, err := r.withLines(ctx, []*ent.Order{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// withLines reads the lines of rows in one query.
func (r *orderRepo) withLines(ctx context.Context, rows []*ent.Order) ([]*order.Order, error) {
	out := make([]*order.Order, len(rows))
	byID := make(map[int]*order.Order, len(rows))
	ids := make([]int, len(rows))
	for i, row := range rows {
		out[i] = toOrder(row)
		byID[row.ID], ids[i] = out[i], row.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	lines, err := r.data.Client(ctx).OrderLine.Query().Where(orderline.OrderIDIn(ids...)).
		Order(ent.Asc(orderline.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "order lines")
	}
	for _, l := range lines {
		o := byID[l.OrderID]
		o.Lines = append(o.Lines, toLine(l))
	}
	return out, nil
}

func toLine(l *ent.OrderLine) order.Line {
	return order.Line{ID: int64(l.ID), OrderID: int64(l.OrderID), ItemID: int64(l.ItemID), SKUID: int64(l.SkuID),
		Title: l.Title, Price: l.Price, Quantity: l.Quantity, Amount: l.Amount, PromoOff: l.PromoOff,
		CouponOff: l.CouponOff, LeaderFunded: l.LeaderFunded, Gift: l.Gift, CommissionBP: l.CommissionBp,
		RefundedQty: l.RefundedQuantity, RefundedAmount: l.RefundedAmount}
}

// optionalID is an id column that is NULL for none.
func optionalID(id int64) *int {
	if id == 0 {
		return nil
	}
	v := int(id)
	return &v
}

// optionalText is s, or nil (NULL) for empty.
func optionalText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toOrder(row *ent.Order) *order.Order {
	o := &order.Order{ID: int64(row.ID), UserID: int64(row.UserID), LeaderID: int64(row.LeaderID),
		BatchID: int64(row.BatchID), GridCell: row.GridCell, Status: order.Status(row.Status),
		IdempotencyKey: row.IdempotencyKey, Amount: row.Amount, PromoOff: row.PromoOff, CouponOff: row.CouponOff,
		LeaderFunded: row.LeaderFunded, Refunded: row.Refunded, PayAttempt: row.PayAttempt,
		ExpiresAt: row.ExpiresAt.UTC(), CancelReason: row.CancelReason, ReleasePending: row.ReleasePending,
		CreatedAt: row.CreatedAt.UTC(), ShareKey: row.ShareKey}
	for dst, src := range map[*time.Time]*time.Time{&o.PaidAt: row.PaidAt, &o.CancelledAt: row.CancelledAt,
		&o.ReadyAt: row.ReadyAt, &o.PickedUpAt: row.PickedUpAt, &o.OverdueAt: row.OverdueAt} {
		if src != nil {
			*dst = src.UTC()
		}
	}
	if row.PickupCode != nil {
		o.PickupCode = *row.PickupCode
	}
	if row.ActivityID != nil {
		o.ActivityID = int64(*row.ActivityID)
	}
	if row.CouponID != nil {
		o.CouponID = int64(*row.CouponID)
	}
	return o
}

// Save writes the order's mutable fields, and each line whose refunds changed.
func (r *orderRepo) Save(ctx context.Context, o *order.Order) error {
	c := r.data.Client(ctx)
	u := c.Order.UpdateOneID(int(o.ID)).SetStatus(entorder.Status(o.Status)).SetRefunded(o.Refunded).
		SetPayAttempt(o.PayAttempt).SetCancelReason(o.CancelReason).SetReleasePending(o.ReleasePending)
	setTime(o.PaidAt, u.SetPaidAt, u.ClearPaidAt)
	setTime(o.CancelledAt, u.SetCancelledAt, u.ClearCancelledAt)
	setTime(o.ReadyAt, u.SetReadyAt, u.ClearReadyAt)
	setTime(o.PickedUpAt, u.SetPickedUpAt, u.ClearPickedUpAt)
	setTime(o.OverdueAt, u.SetOverdueAt, u.ClearOverdueAt)
	if o.PickupCode != "" {
		u.SetPickupCode(o.PickupCode)
	}
	if err := u.Exec(ctx); err != nil {
		return sqldb.Err(err, fmt.Sprintf("save order %d", o.ID))
	}
	for _, l := range o.Lines {
		err := c.OrderLine.Update().
			Where(orderline.ID(int(l.ID)), orderline.Or(
				orderline.RefundedQuantityNEQ(l.RefundedQty), orderline.RefundedAmountNEQ(l.RefundedAmount))).
			SetRefundedQuantity(l.RefundedQty).SetRefundedAmount(l.RefundedAmount).Exec(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("save line %d of order %d", l.ID, o.ID))
		}
	}
	return nil
}

func setTime[U any](t time.Time, set func(time.Time) U, clear func() U) {
	if t.IsZero() {
		clear()
		return
	}
	set(t)
}

func (r *orderRepo) ListByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().Where(entorder.UserID(int(userID))).
		Order(ent.Desc(entorder.FieldID)).Limit(port.PageLimit(limit))
	if beforeID > 0 {
		q.Where(entorder.IDLT(int(beforeID)))
	}
	return r.list(ctx, q, fmt.Sprintf("orders of user %d", userID))
}

func (r *orderRepo) list(ctx context.Context, q *ent.OrderQuery, what string) ([]*order.Order, error) {
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, what)
	}
	return r.withLines(ctx, rows)
}

func (r *orderRepo) DueToExpire(ctx context.Context, t time.Time, limit int) ([]*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().
		Where(entorder.StatusEQ(entorder.StatusPendingPayment), entorder.ExpiresAtLTE(t)).
		Order(ent.Asc(entorder.FieldExpiresAt)).Limit(limit)
	return r.list(ctx, q, "orders due to expire")
}

func (r *orderRepo) ReleasePending(ctx context.Context, limit int) ([]*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().Where(entorder.ReleasePending(true)).
		Order(ent.Asc(entorder.FieldID)).Limit(limit)
	return r.list(ctx, q, "orders with stock to give back")
}

func (r *orderRepo) Stuck(ctx context.Context, s order.Status, before time.Time, limit int) ([]*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().
		Where(entorder.StatusEQ(entorder.Status(s)), entorder.UpdatedAtLT(before)).
		Order(ent.Asc(entorder.FieldID)).Limit(limit)
	return r.list(ctx, q, "orders stuck in "+string(s))
}

func (r *orderRepo) InBatch(ctx context.Context, batchID int64, statuses []order.Status, afterID int64, limit int) ([]*order.Order, error) {
	st := make([]entorder.Status, len(statuses))
	for i, s := range statuses {
		st[i] = entorder.Status(s)
	}
	q := r.data.Client(ctx).Order.Query().
		Where(entorder.BatchID(int(batchID)), entorder.StatusIn(st...), entorder.IDGT(int(afterID))).
		Order(ent.Asc(entorder.FieldID)).Limit(limit)
	return r.list(ctx, q, fmt.Sprintf("orders of batch %d", batchID))
}

// holdsStock is the orders whose stock is taken: all but cancelled ones and ones refunded on
// cancellation, unless their stock has yet to go back.
func holdsStock() predicate.Order {
	return entorder.Or(
		entorder.ReleasePending(true),
		entorder.And(
			entorder.StatusNEQ(entorder.StatusCancelled),
			entorder.Not(entorder.And(entorder.StatusEQ(entorder.StatusRefunded), entorder.CancelReasonNEQ(""))),
		),
	)
}

// heldSQL is holdsStock in SQL, summed per item and pending or not. The lines are found by
// their items (the index on item_id), not by a join of every line with the batch's orders.
const heldSQL = `SELECT l.item_id, o.status = 'pending_payment', CAST(SUM(l.quantity) AS BIGINT)
FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.item_id IN (%s) AND o.batch_id = $1
  AND (o.release_pending OR (o.status <> 'cancelled' AND NOT (o.status = 'refunded' AND o.cancel_reason <> '')))
GROUP BY l.item_id, o.status = 'pending_payment'`

func (r *orderRepo) Held(ctx context.Context, batchID int64, itemIDs []int64) (map[int64]int64, map[int64]int64, error) {
	pending, sold := map[int64]int64{}, map[int64]int64{}
	if len(itemIDs) == 0 {
		return pending, sold, nil
	}
	args := append([]any{batchID}, sqldb.Args(itemIDs)...)
	err := r.data.Query(ctx, fmt.Sprintf(heldSQL, sqldb.List(2, len(itemIDs))), args, func(rows *stdsql.Rows) error {
		var item, qty int64
		var isPending bool
		if err := rows.Scan(&item, &isPending, &qty); err != nil {
			return err
		}
		if isPending {
			pending[item] = qty
		} else {
			sold[item] = qty
		}
		return nil
	})
	return pending, sold, sqldb.Err(err, fmt.Sprintf("stock held in batch %d", batchID))
}

func (r *orderRepo) Reservations(ctx context.Context, batchID int64) ([]*order.Order, error) {
	q := r.data.Client(ctx).Order.Query().Where(entorder.BatchID(int(batchID)), holdsStock()).
		Order(ent.Asc(entorder.FieldID))
	return r.list(ctx, q, fmt.Sprintf("reservations of batch %d", batchID))
}
