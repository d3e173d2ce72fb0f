package orderstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groupbuy/groupbuy/ent"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// LockOrders locks the orders of ids in id order (so two lockers never deadlock) for ctx's
// transaction. SQLite transactions are BEGIN IMMEDIATE: one writer at a time already.
func LockOrders(ctx context.Context, db *sqldb.DB, ids []int64) error {
	if len(ids) == 0 || !db.Postgres() {
		return nil
	}
	err := db.Query(ctx, `SELECT id FROM orders WHERE id IN (`+sqldb.List(1, len(ids))+`) ORDER BY id `+db.ForUpdate(),
		sqldb.Args(ids), func(*sql.Rows) error { return nil })
	if err != nil {
		return fmt.Errorf("lock orders: %w", err)
	}
	return nil
}

// History answers whether a shopper ever ordered, for the leaders' binding rules.
type History struct{ data *sqldb.DB }

// NewHistory reads the shoppers' orders on data.
func NewHistory(data *sqldb.DB) *History { return &History{data: data} }

// Ordered looks for any order of the shopper: the (user_id, id) index answers it.
func (h *History) Ordered(ctx context.Context, userID int64) (bool, error) {
	ok, err := h.data.Client(ctx).Order.Query().Where(entorder.UserID(int(userID))).Exist(ctx)
	return ok, sqldb.Err(err, fmt.Sprintf("orders of user %d", userID))
}

// MarkReleased clears an order's release flag once the stock it held was given back; false when
// it was clear already (released before), so the caller gives back nothing twice.
func MarkReleased(ctx context.Context, db *sqldb.DB, orderID int64) (bool, error) {
	n, err := db.Client(ctx).Order.Update().Where(entorder.ID(int(orderID)), entorder.ReleasePending(true)).
		SetReleasePending(false).Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("order %d released", orderID))
	}
	return n > 0, nil
}

// Held sums what the shopper's orders holding stock take of an item.
func Held(ctx context.Context, db *sqldb.DB, userID, batchID, itemID int64) (int64, error) {
	cl := db.Client(ctx)
	ids, err := cl.Order.Query().
		Where(entorder.UserID(int(userID)), entorder.BatchID(int(batchID)), holdsStock()).IDs(ctx)
	if err != nil {
		return 0, sqldb.Err(err, "shopper's orders")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	sum, err := cl.OrderLine.Query().Where(orderline.OrderIDIn(ids...), orderline.ItemID(int(itemID))).
		Aggregate(ent.Sum(orderline.FieldQuantity)).Int(ctx)
	return int64(sum), sqldb.Err(err, "shopper's holding")
}
