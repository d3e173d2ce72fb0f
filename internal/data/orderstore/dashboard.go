package orderstore

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"time"

	entaftersale "github.com/groupbuy/groupbuy/ent/aftersale"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// DashboardOrders reads the dashboard's figures of orders and after-sales.
type DashboardOrders struct{ data *sqldb.DB }

// NewDashboardOrders builds the reads on data.
func NewDashboardOrders(data *sqldb.DB) *DashboardOrders { return &DashboardOrders{data: data} }

var _ dashboard.Orders = (*DashboardOrders)(nil)

// paidSalesSQL reads the two days' paid orders once (a range of the paid_at index) and groups
// them per day and grid, then per day alone: distinct buyers of a day cannot be added up from
// the grids'.
const paidSalesSQL = `WITH paid AS (
  SELECT CASE WHEN paid_at < $2 THEN 1 ELSE 0 END AS previous, grid_cell, amount, user_id,
    promo_off, coupon_off, leader_funded
  FROM orders WHERE paid_at >= $1 AND paid_at < $3)
SELECT previous, grid_cell, COUNT(*), CAST(SUM(amount) AS BIGINT), COUNT(DISTINCT user_id),
  CAST(SUM(promo_off) AS BIGINT), CAST(SUM(coupon_off) AS BIGINT), CAST(SUM(leader_funded) AS BIGINT)
FROM paid GROUP BY previous, grid_cell
UNION ALL
SELECT previous, '', COUNT(*), CAST(SUM(amount) AS BIGINT), COUNT(DISTINCT user_id),
  CAST(SUM(promo_off) AS BIGINT), CAST(SUM(coupon_off) AS BIGINT), CAST(SUM(leader_funded) AS BIGINT)
FROM paid GROUP BY previous`

func (r *DashboardOrders) PaidSales(ctx context.Context, d dashboard.Days) ([]dashboard.GridSales, error) {
	var out []dashboard.GridSales
	err := r.data.Query(ctx, paidSalesSQL, []any{d.From.UTC(), d.Split.UTC(), d.To.UTC()}, func(rows *stdsql.Rows) error {
		var s dashboard.GridSales
		var previous int
		err := rows.Scan(&previous, &s.Grid, &s.Orders, &s.Paid, &s.Buyers, &s.PromoOff, &s.CouponOff, &s.LeaderFunded)
		s.Previous = previous == 1
		out = append(out, s)
		return err
	})
	return out, sqldb.Err(err, "paid sales per grid")
}

// gridsChunk bounds the ids of one IN list.
const gridsChunk = 1000

func (r *DashboardOrders) GridsOf(ctx context.Context, orderIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(orderIDs))
	for start := 0; start < len(orderIDs); start += gridsChunk {
		ids := orderIDs[start:min(start+gridsChunk, len(orderIDs))]
		err := r.data.Query(ctx, `SELECT id, grid_cell FROM orders WHERE id IN (`+sqldb.List(1, len(ids))+`)`,
			sqldb.Args(ids), func(rows *stdsql.Rows) error {
				var id int64
				var cell string
				err := rows.Scan(&id, &cell)
				out[id] = cell
				return err
			})
		if err != nil {
			return nil, sqldb.Err(err, fmt.Sprintf("grids of %d orders", len(ids)))
		}
	}
	return out, nil
}

// OverduePickups counts on the (status, ready_at) index alone.
func (r *DashboardOrders) OverduePickups(ctx context.Context, readyBy time.Time) (int64, error) {
	n, err := r.data.Client(ctx).Order.Query().
		Where(entorder.StatusEQ(entorder.StatusReadyForPickup), entorder.ReadyAtLTE(readyBy.UTC())).Count(ctx)
	return int64(n), sqldb.Err(err, "count overdue pickups")
}

func (r *DashboardOrders) AfterSalesWaiting(ctx context.Context) (int64, error) {
	n, err := r.data.Client(ctx).AfterSale.Query().Where(entaftersale.StatusEQ(entaftersale.StatusRequested)).Count(ctx)
	return int64(n), sqldb.Err(err, "count after-sales waiting")
}
