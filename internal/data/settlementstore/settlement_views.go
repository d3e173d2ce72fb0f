package settlementstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// Summary implements settlement.Store.
func (s *SettlementStore) Summary(ctx context.Context, runID int64) (settlement.Summary, error) {
	sum := settlement.Summary{ByLevel: map[int]int64{}, Failures: map[string]int{}}
	err := s.data.Query(ctx, `SELECT kind, state, COUNT(*) FROM settlement_items WHERE run_id = $1 GROUP BY kind, state`,
		[]any{runID}, func(r *sql.Rows) error {
			var kind, state string
			var n int
			if err := r.Scan(&kind, &state, &n); err != nil {
				return err
			}
			sum.AddItems(settlement.Kind(kind), settlement.ItemState(state), n)
			return nil
		})
	if err != nil {
		return sum, fmt.Errorf("items of run %d: %w", runID, err)
	}
	err = s.data.Query(ctx, `SELECT level, result, COALESCE(fail_reason, ''), COUNT(*), SUM(amount) FROM settlement_shares
WHERE run_id = $1 GROUP BY level, result, fail_reason`, []any{runID}, func(r *sql.Rows) error {
		var level, n int
		var result, reason string
		var amount int64
		if err := r.Scan(&level, &result, &reason, &n, &amount); err != nil {
			return err
		}
		sum.AddShares(level, settlement.Result(result), reason, n, amount)
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("shares of run %d: %w", runID, err)
	}
	err = s.data.Query(ctx, `SELECT COALESCE(last_error, ''), COUNT(*) FROM settlement_items
WHERE run_id = $1 AND state = 'failed' GROUP BY last_error`, []any{runID}, func(r *sql.Rows) error {
		var reason string
		var n int
		if err := r.Scan(&reason, &n); err != nil {
			return err
		}
		sum.Failures[reason] += n
		return nil
	})
	return sum, wrap(err, fmt.Sprintf("failures of run %d", runID))
}

// atRiskSQL walks paid orders through their (paid_at, id) index, oldest first, keeps those
// that no item finished or expired (a probe of the items' (order_id, state) index, where most
// stop), and only then looks up their payments by out_trade_no. An order's paid_at is its
// payment's, copied when the payment is applied, so this is the payments' paid_at order. The
// subquery's %s is a fence (OFFSET 0) that keeps the planner from looking up every payment
// before the probe; its rows still stream, so the LIMIT stops the walk.
const atRiskSQL = `SELECT o.id, p.transaction_id, p.paid_at,
  COALESCE((SELECT SUM(e.amount - e.reversed) FROM commission_entries e
            WHERE e.order_id = o.id AND e.state IN ('pending', 'settleable')), 0),
  COALESCE((SELECT i.state FROM settlement_items i WHERE i.order_id = o.id ORDER BY i.id DESC LIMIT 1), '')
FROM (SELECT o.id, o.pay_attempt, o.paid_at FROM orders o
      WHERE o.paid_at < $1
        AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.order_id = o.id AND i.state IN ('finished', 'expired'))
      ORDER BY o.paid_at, o.id %s) o
JOIN payments p ON p.out_trade_no = 'GBO' || o.id || '-' || o.pay_attempt
WHERE p.state = 'paid' AND p.profit_sharing AND p.refunded < p.amount AND p.paid_at < $1
ORDER BY o.paid_at, o.id
LIMIT $2`

// AtRisk implements settlement.Store: paid profit-sharing transactions, not refunded in full,
// that no item finished or expired, paid before paidBefore, with what their entries still owe.
func (s *SettlementStore) AtRisk(ctx context.Context, paidBefore time.Time, limit int) ([]settlement.AtRisk, error) {
	fence := "OFFSET 0"
	if !s.data.Postgres() {
		fence = "LIMIT -1 OFFSET 0" // SQLite takes an OFFSET only after a LIMIT
	}
	var out []settlement.AtRisk
	err := s.data.Query(ctx, fmt.Sprintf(atRiskSQL, fence), []any{paidBefore.UTC(), limit}, func(r *sql.Rows) error {
		var a settlement.AtRisk
		var state string
		if err := r.Scan(&a.OrderID, &a.TransactionID, &a.PaidAt, &a.Owed, &state); err != nil {
			return err
		}
		a.PaidAt, a.ItemState = a.PaidAt.UTC(), settlement.ItemState(state)
		out = append(out, a)
		return nil
	})
	return out, wrap(err, "transactions near their deadline")
}
