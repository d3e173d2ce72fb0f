package settlementstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// A group commit finishes its items in a constant number of statements, whatever their number:
// one read of the items (locked) and one of their shares, one update of the shares, one of the
// items. Statement by statement per item, the finish was most of the database's work.

// LockItems implements settlement.Store.
func (s *SettlementStore) LockItems(ctx context.Context, ids []int64) ([]settlement.Item, error) {
	q := s.data.Client(ctx).SettlementItem.Query().Where(settlementitem.IDIn(ids...)).
		Order(ent.Asc(settlementitem.FieldID))
	return s.items(ctx, sqldb.Lock(s.data, q))
}

// FinishItems implements settlement.Store.
func (s *SettlementStore) FinishItems(ctx context.Context, items []settlement.Item, at time.Time) error {
	if len(items) == 0 {
		return nil
	}
	args := []any{string(settlement.ItemFinished), at.UTC()}
	var orderIDs strings.Builder
	ids := make([]int64, len(items))
	for i, it := range items {
		if it.State != settlement.ItemFinished {
			return fmt.Errorf("finish settlement item %d: it is %s", it.ID, it.State)
		}
		n := len(args)
		fmt.Fprintf(&orderIDs, " WHEN $%d THEN $%d", n+1, n+2)
		args = append(args, it.ID, it.WeChatOrderID)
		ids[i] = it.ID
	}
	list := sqldb.List(len(args)+1, len(ids))
	args = append(args, sqldb.Args(ids)...)
	n, err := s.data.Exec(ctx, `UPDATE settlement_items SET state = $1, active = false, retriable = false,
last_error = '', finished_at = $2, lease_until = NULL, wechat_order_id = CASE id`+orderIDs.String()+` END
WHERE active AND id IN (`+list+`)`, args...)
	if err != nil {
		return fmt.Errorf("finish %d settlement items: %w", len(items), err)
	}
	if int(n) != len(items) {
		return fmt.Errorf("finish %d settlement items: %d still active: %w", len(items), n, bizerr.ErrConflict)
	}
	return nil
}

// saveSharesPostgres writes the shares in one statement, from arrays of their fields.
func (s *SettlementStore) saveSharesPostgres(ctx context.Context, shares []settlement.Share) error {
	ids, retried := make([]int64, len(shares)), make([]int64, len(shares))
	results, reasons, details := make([]string, len(shares)), make([]string, len(shares)), make([]string, len(shares))
	finished := make([]*time.Time, len(shares))
	for i, sh := range shares {
		ids[i], retried[i], finished[i] = sh.ID, sh.RetriedBy, nilTime(sh.FinishedAt)
		results[i], reasons[i], details[i] = string(sh.Result), sh.FailReason, sh.DetailID
	}
	n, err := s.data.Exec(ctx, `UPDATE settlement_shares AS s SET result = v.result, fail_reason = v.fail_reason,
detail_id = v.detail_id, retried_by = v.retried_by, finished_at = v.finished_at
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])
  AS v(id, result, fail_reason, detail_id, retried_by, finished_at)
WHERE s.id = v.id`, ids, results, reasons, details, retried, finished)
	if err != nil {
		return fmt.Errorf("save %d settlement shares: %w", len(shares), err)
	}
	if int(n) != len(shares) {
		return fmt.Errorf("save %d settlement shares: %d found", len(shares), n)
	}
	return nil
}
