package paymentstore

import (
	"context"
	stdsql "database/sql"

	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// DashboardPayments reads the dashboard's figures of refunds and receiver registrations.
type DashboardPayments struct{ data *sqldb.DB }

// NewDashboardPayments builds the reads on data.
func NewDashboardPayments(data *sqldb.DB) *DashboardPayments { return &DashboardPayments{data: data} }

var _ dashboard.Payments = (*DashboardPayments)(nil)

// refundsByTradeSQL sums the refunds that succeeded in the two days, per payment and day.
const refundsByTradeSQL = `SELECT out_trade_no, CASE WHEN success_at < $2 THEN 1 ELSE 0 END AS previous,
  CAST(SUM(amount) AS BIGINT)
FROM payment_refunds WHERE state = 'success' AND success_at >= $1 AND success_at < $3
GROUP BY out_trade_no, previous`

func (p *DashboardPayments) RefundsByTrade(ctx context.Context, d dashboard.Days) ([]dashboard.TradeRefund, error) {
	var out []dashboard.TradeRefund
	err := p.data.Query(ctx, refundsByTradeSQL, []any{d.From.UTC(), d.Split.UTC(), d.To.UTC()}, func(rows *stdsql.Rows) error {
		var r dashboard.TradeRefund
		var previous int
		err := rows.Scan(&r.OutTradeNo, &previous, &r.Amount)
		r.Previous = previous == 1
		out = append(out, r)
		return err
	})
	return out, sqldb.Err(err, "refunds per payment")
}

func (p *DashboardPayments) FailedRegistrations(ctx context.Context) (int64, error) {
	n, err := p.data.Client(ctx).ReceiverRegistration.Query().
		Where(receiverregistration.StateEQ(receiverregistration.StateFailed)).Count(ctx)
	return int64(n), sqldb.Err(err, "count failed receiver registrations")
}
