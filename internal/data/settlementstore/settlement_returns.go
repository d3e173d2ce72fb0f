package settlementstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementreturn"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// PaidMerchantShares implements settlement.ReturnStore.
func (s *SettlementStore) PaidMerchantShares(ctx context.Context, orderID int64) ([]settlement.PaidShare, error) {
	var out []settlement.PaidShare
	err := s.data.Query(ctx, `SELECT sh.id, sh.leader_id, sh.level, sh.source_order_id, sh.account, sh.amount, i.out_order_no,
  COALESCE((SELECT SUM(r.amount) FROM settlement_returns r WHERE r.share_id = sh.id AND r.state <> 'failed'), 0)
FROM settlement_shares sh JOIN settlement_items i ON i.id = sh.item_id
WHERE sh.source_order_id = $1 AND sh.result = 'success' AND sh.receiver_type = 'MERCHANT_ID'
ORDER BY sh.id`, []any{orderID}, func(r *sql.Rows) error {
		var p settlement.PaidShare
		if err := r.Scan(&p.ID, &p.LeaderID, &p.Level, &p.SourceOrderID, &p.Account, &p.Amount, &p.OutOrderNo, &p.Returned); err != nil {
			return err
		}
		p.ReceiverType, p.Result = "MERCHANT_ID", settlement.ResultSuccess
		out = append(out, p)
		return nil
	})
	return out, wrap(err, fmt.Sprintf("merchant shares of order %d", orderID))
}

// RefundReceivables implements settlement.ReturnStore: what the refund's ledger transaction
// added to each leader's receivable.
func (s *SettlementStore) RefundReceivables(ctx context.Context, key string) (bool, map[int64]int64, error) {
	posted, postings, err := s.books.TxPostings(ctx, key)
	if err != nil {
		return false, nil, err
	}
	out := map[int64]int64{}
	for _, p := range postings {
		if p.Account.Owner == ledger.OwnerLeader && p.Account.Purpose == ledger.Receivable {
			out[p.Account.OwnerID] += p.Amount
		}
	}
	return posted, out, nil
}

// AddReturn implements settlement.ReturnStore.
func (s *SettlementStore) AddReturn(ctx context.Context, r *settlement.Return) error {
	err := s.data.Client(ctx).SettlementReturn.Create().SetShareID(r.ShareID).SetOrderID(r.OrderID).
		SetLeaderID(r.LeaderID).SetRefundNo(r.RefundNo).SetOutOrderNo(r.OutOrderNo).SetOutReturnNo(r.OutReturnNo).
		SetReturnMchID(r.ReturnMchID).SetAmount(r.Amount).SetNextAttemptAt(r.NextAttemptAt.UTC()).
		SetCreatedAt(r.CreatedAt.UTC()).OnConflictColumns(settlementreturn.FieldOutReturnNo).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sqldb.Err(err, "save return "+r.OutReturnNo)
	}
	return nil
}

// claimReturnsSQL leases due returns like claimItemsSQL leases items.
const claimReturnsSQL = `UPDATE settlement_returns SET next_attempt_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM settlement_returns WHERE active AND next_attempt_at <= $2
             ORDER BY next_attempt_at, id LIMIT $3 %s)
RETURNING id`

// ClaimReturns implements settlement.ReturnStore.
func (s *SettlementStore) ClaimReturns(ctx context.Context, now, leaseUntil time.Time, limit int) ([]settlement.Return, error) {
	var ids []int64
	err := s.data.Query(ctx, fmt.Sprintf(claimReturnsSQL, s.data.SkipLocked()), []any{leaseUntil.UTC(), now.UTC(), limit}, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil || len(ids) == 0 {
		return nil, wrap(err, "claim returns")
	}
	rows, err := s.data.Client(ctx).SettlementReturn.Query().Where(settlementreturn.IDIn(ids...)).
		Order(ent.Asc(settlementreturn.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read claimed returns")
	}
	out := make([]settlement.Return, len(rows))
	for i, r := range rows {
		out[i] = returnOf(r)
	}
	return out, nil
}

// SaveReturn implements settlement.ReturnStore.
func (s *SettlementStore) SaveReturn(ctx context.Context, r *settlement.Return) (bool, error) {
	active := r.State == settlement.ReturnPending || r.State == settlement.ReturnProcessing
	n, err := s.data.Client(ctx).SettlementReturn.Update().
		Where(settlementreturn.ID(r.ID), settlementreturn.Attempts(r.Attempts), settlementreturn.Active(true)).
		SetState(settlementreturn.State(r.State)).SetActive(active).SetNextAttemptAt(r.NextAttemptAt.UTC()).
		SetReturnID(r.ReturnID).SetFailReason(sqldb.Clip(r.FailReason, 512)).SetNillableFinishedAt(nilTime(r.FinishedAt)).
		Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, "save return "+r.OutReturnNo)
	}
	return n == 1, nil
}

// LockReturn implements settlement.ReturnStore.
func (s *SettlementStore) LockReturn(ctx context.Context, id int64) (*settlement.Return, error) {
	q := s.data.Client(ctx).SettlementReturn.Query().Where(settlementreturn.ID(id))
	q = sqldb.Lock(s.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("lock return %d", id))
	}
	r := returnOf(row)
	return &r, nil
}

func returnOf(r *ent.SettlementReturn) settlement.Return {
	return settlement.Return{ID: r.ID, ShareID: r.ShareID, OrderID: r.OrderID, LeaderID: r.LeaderID, RefundNo: r.RefundNo,
		OutOrderNo: r.OutOrderNo, OutReturnNo: r.OutReturnNo, ReturnMchID: r.ReturnMchID, Amount: r.Amount,
		State: settlement.ReturnState(r.State), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(),
		ReturnID: r.ReturnID, FailReason: r.FailReason, CreatedAt: r.CreatedAt.UTC(), FinishedAt: sqldb.UTC(r.FinishedAt)}
}
