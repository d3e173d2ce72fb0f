package settlementstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/ent/settlementshare"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// claimItemsSQL leases due items and counts the attempt: the fence of this claim. The lease is
// the due time: a worker that dies leaves the item due again when the lease ends. The first %s
// chooses the items and the second their order (claimOf), each as an index on active items has
// them.
const claimItemsSQL = `UPDATE settlement_items SET next_attempt_at = $1, lease_until = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM settlement_items
             WHERE %s AND next_attempt_at <= $2
             ORDER BY %s LIMIT $3 %s)
RETURNING id`

// claimOf is each claim's choice of items and order, each as an index on active items has
// them: a claim of one state reads its part of the (state, deadline, id) or (state,
// next_attempt_at, id) index, so a claim of requests does not walk past queries leased for
// minutes, nor one of queries past the requests.
var claimOf = map[settlement.Claimable]struct{ where, order string }{
	settlement.ClaimAll:      {"active", "deadline, id"},
	settlement.ClaimRequests: {"active AND state = 'pending'", "deadline, id"},
	settlement.ClaimQueries:  {"active AND state = 'processing'", "next_attempt_at, id"},
}

// Claim implements settlement.Store.
func (s *SettlementStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int,
	which settlement.Claimable) ([]settlement.Item, error) {
	c, ok := claimOf[which]
	if !ok {
		return nil, fmt.Errorf("claim settlement items: no claim %d", which)
	}
	args := []any{leaseUntil.UTC(), now.UTC(), limit}
	query := fmt.Sprintf(claimItemsSQL, c.where, c.order, s.data.SkipLocked())
	var ids []int64
	err := s.data.Query(ctx, query, args,
		func(r *sql.Rows) error {
			var id int64
			ids = append(ids, id)
			return r.Scan(&ids[len(ids)-1])
		})
	if err != nil {
		return nil, fmt.Errorf("claim settlement items: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.items(ctx, s.data.Client(ctx).SettlementItem.Query().Where(settlementitem.IDIn(ids...)).
		Order(ent.Asc(settlementitem.FieldDeadline), ent.Asc(settlementitem.FieldID)))
}

// items reads the items q selects, each with its shares.
func (s *SettlementStore) items(ctx context.Context, q *ent.SettlementItemQuery) ([]settlement.Item, error) {
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read settlement items")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	out := make([]settlement.Item, len(rows))
	for i, r := range rows {
		ids[i], at[r.ID], out[i] = r.ID, i, itemOf(r)
	}
	shares, err := s.data.Client(ctx).SettlementShare.Query().Where(settlementshare.ItemIDIn(ids...)).
		Order(ent.Asc(settlementshare.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read settlement shares")
	}
	for _, sh := range shares {
		it := &out[at[sh.ItemID]]
		it.Shares = append(it.Shares, shareOf(sh))
	}
	return out, nil
}

func itemOf(r *ent.SettlementItem) settlement.Item {
	return settlement.Item{ID: r.ID, RunID: r.RunID, OrderID: r.OrderID, GridCell: r.GridCell,
		TransactionID: r.TransactionID, OutOrderNo: r.OutOrderNo, Kind: settlement.Kind(r.Kind), Amount: r.Amount,
		Deadline: r.Deadline.UTC(), State: settlement.ItemState(r.State), Retriable: r.Retriable, Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt.UTC(), WeChatOrderID: r.WechatOrderID, LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), FinishedAt: sqldb.UTC(r.FinishedAt)}
}

// SaveItem implements settlement.Store.
func (s *SettlementStore) SaveItem(ctx context.Context, it *settlement.Item) (bool, error) {
	n, err := s.data.Client(ctx).SettlementItem.Update().
		Where(settlementitem.ID(it.ID), settlementitem.Attempts(it.Attempts),
			settlementitem.StateIn(settlementitem.StatePending, settlementitem.StateProcessing)).
		SetState(settlementitem.State(it.State)).SetActive(it.State.Active()).SetRetriable(it.Retriable).
		SetNextAttemptAt(it.NextAttemptAt.UTC()).
		SetWechatOrderID(it.WeChatOrderID).SetLastError(sqldb.Clip(it.LastError, 512)).
		SetNillableFinishedAt(nilTime(it.FinishedAt)).ClearLeaseUntil().Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("save settlement item %d", it.ID))
	}
	return n == 1, nil
}

// LockItem implements settlement.Store.
func (s *SettlementStore) LockItem(ctx context.Context, id int64) (*settlement.Item, error) {
	q := s.data.Client(ctx).SettlementItem.Query().Where(settlementitem.ID(id))
	q = sqldb.Lock(s.data, q)
	items, err := s.items(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, sqldb.Err(&ent.NotFoundError{}, fmt.Sprintf("settlement item %d", id))
	}
	return &items[0], nil
}

// SaveShares implements settlement.Store.
func (s *SettlementStore) SaveShares(ctx context.Context, shares []settlement.Share) error {
	if len(shares) > 1 && s.data.Postgres() {
		return s.saveSharesPostgres(ctx, shares)
	}
	c := s.data.Client(ctx)
	for _, sh := range shares {
		err := c.SettlementShare.UpdateOneID(sh.ID).SetResult(settlementshare.Result(sh.Result)).
			SetFailReason(sh.FailReason).SetDetailID(sh.DetailID).SetRetriedBy(sh.RetriedBy).
			SetNillableFinishedAt(nilTime(sh.FinishedAt)).Exec(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("save settlement share %d", sh.ID))
		}
	}
	return nil
}

// Items implements settlement.Store.
func (s *SettlementStore) Items(ctx context.Context, runID int64, state settlement.ItemState, afterID int64, limit int) ([]settlement.Item, error) {
	q := s.data.Client(ctx).SettlementItem.Query().Where(settlementitem.RunID(runID), settlementitem.IDGT(afterID)).
		Order(ent.Asc(settlementitem.FieldID)).Limit(limit)
	if state != "" {
		q.Where(settlementitem.StateEQ(settlementitem.State(state)))
	}
	return s.items(ctx, q)
}

// RetryFailed implements settlement.Store.
func (s *SettlementStore) RetryFailed(ctx context.Context, runID int64, now time.Time) (int, error) {
	step := settlement.RetryStep
	from := sqldb.List(5, len(step.From))
	args := append([]any{string(step.To), step.To.Active(), now.UTC(), runID}, sqldb.Strings(step.From)...)
	n, err := s.data.Exec(ctx, `UPDATE settlement_items SET state = $1, active = $2, retriable = false, next_attempt_at = $3, finished_at = NULL
WHERE run_id = $4 AND state IN (`+from+`) AND retriable
  AND NOT EXISTS (SELECT 1 FROM settlement_items o WHERE o.order_id = settlement_items.order_id
                  AND o.state NOT IN (`+from+`))`, args...)
	if err != nil {
		return 0, fmt.Errorf("retry failed items of run %d: %w", runID, err)
	}
	if n > 0 {
		if _, err := s.data.Exec(ctx, `UPDATE settlement_runs SET state = 'running', finished_at = NULL WHERE id = $1`, runID); err != nil {
			return 0, fmt.Errorf("reopen run %d: %w", runID, err)
		}
	}
	return int(n), nil
}
