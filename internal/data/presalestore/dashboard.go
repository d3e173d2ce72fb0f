package presalestore

import (
	"context"
	stdsql "database/sql"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

var _ dashboard.Batches = (*BatchRepo)(nil)

// BatchCounts reads the open and dispatched batches in one statement (ranges of the
// (status, cutoff_at) index).
func (r *BatchRepo) BatchCounts(ctx context.Context, closingBy time.Time) (dashboard.BatchCounts, error) {
	var out dashboard.BatchCounts
	err := r.data.Query(ctx, `SELECT status, COUNT(*), SUM(CASE WHEN cutoff_at < $1 THEN 1 ELSE 0 END)
FROM batches WHERE status IN ($2, $3) GROUP BY status`,
		[]any{closingBy.UTC(), string(presale.Open), string(presale.Dispatched)}, func(rows *stdsql.Rows) error {
			var status string
			var n, closing int64
			if err := rows.Scan(&status, &n, &closing); err != nil {
				return err
			}
			if presale.Status(status) == presale.Open {
				out.Open, out.Closing = n, closing
			} else {
				out.Arriving = n
			}
			return nil
		})
	return out, sqldb.Err(err, "count batches in motion")
}
