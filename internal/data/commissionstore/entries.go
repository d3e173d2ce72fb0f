package commissionstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The entry states other domains move (settlement expires and settles them) are moved here, by
// the owner of commission_entries, with their sources from commission's life cycle.

// EntryLevels calls fn with the level each leader earns at on each order of orderIDs.
func EntryLevels(ctx context.Context, db *sqldb.DB, orderIDs []int64, fn func(orderID, leaderID int64, level int)) error {
	err := db.Query(ctx, `SELECT order_id, leader_id, MIN(level) FROM commission_entries
WHERE order_id IN (`+sqldb.List(1, len(orderIDs))+`) GROUP BY order_id, leader_id`, sqldb.Args(orderIDs),
		func(r *sql.Rows) error {
			var order, leader int64
			var level int
			if err := r.Scan(&order, &leader, &level); err != nil {
				return err
			}
			fn(order, leader, level)
			return nil
		})
	if err != nil {
		return fmt.Errorf("commission levels: %w", err)
	}
	return nil
}

// ExpireEntries moves an order's entries that can still be paid to unresolved.
func ExpireEntries(ctx context.Context, db *sqldb.DB, orderID int64) error {
	from := commission.Lifecycle.Sources(commission.StateUnresolved)
	_, err := db.Exec(ctx, `UPDATE commission_entries SET state = $1 WHERE order_id = $2 AND state IN (`+sqldb.List(3, len(from))+`)`,
		append([]any{string(commission.StateUnresolved), orderID}, sqldb.Strings(from)...)...)
	if err != nil {
		return fmt.Errorf("expire entries of order %d: %w", orderID, err)
	}
	return nil
}

// SettleEntries moves the entries of each (order, leader) to settled.
func SettleEntries(ctx context.Context, db *sqldb.DB, orderIDs, leaderIDs []int64) error {
	from := commission.Lifecycle.Sources(commission.StateSettled)
	q := `UPDATE commission_entries SET state = $1 WHERE order_id = $2 AND leader_id = $3 AND state IN (` + sqldb.List(4, len(from)) + `)`
	for i := range orderIDs {
		args := append([]any{string(commission.StateSettled), orderIDs[i], leaderIDs[i]}, sqldb.Strings(from)...)
		if _, err := db.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("settle entries of order %d leader %d: %w", orderIDs[i], leaderIDs[i], err)
		}
	}
	return nil
}
