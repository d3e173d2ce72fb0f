package settlementstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/ent/settlementshare"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// candidatesSQL reads the transactions a run takes next: paid orders in (paid_at, id) order
// after the run's cursor (the index on orders' paid_at), each with its paid attempt's payment
// (GBO<order>-<attempt>, found through payments' unique out_trade_no).
const candidatesSQL = `SELECT o.id, o.grid_cell, p.transaction_id, p.amount, p.refunded, p.paid_at, o.paid_at
FROM orders o
JOIN payments p ON p.out_trade_no = 'GBO' || o.id || '-' || o.pay_attempt
WHERE o.paid_at <= $1 AND (o.paid_at > $2 OR (o.paid_at = $2 AND o.id > $3))
  AND p.state = 'paid' AND p.profit_sharing AND p.paid_at <= $1
  AND EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.key = 'order/' || o.id || '/paid')
  AND NOT EXISTS (SELECT 1 FROM commission_entries e WHERE e.order_id = o.id
                  AND (e.state = 'pending' OR (e.state = 'settleable' AND e.settleable_at > $1)))
  AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.order_id = o.id
                  AND (i.run_id = $4 OR i.state IN ('pending', 'processing', 'finished', 'expired')))
ORDER BY o.paid_at, o.id
LIMIT $5`

// Candidates implements settlement.Store: it reads forward from the run's cursor and moves the
// cursor past what it read, in the caller's transaction.
func (s *SettlementStore) Candidates(ctx context.Context, runID int64, cutoff time.Time, limit int) ([]settlement.Candidate, error) {
	run, err := s.data.Client(ctx).SettlementRun.Get(ctx, runID)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("settlement run %d", runID))
	}
	after, afterID := time.Unix(0, 0).UTC(), run.CursorOrderID
	if run.CursorPaidAt != nil {
		after = run.CursorPaidAt.UTC()
	}
	var out []settlement.Candidate
	var lastPaid time.Time
	err = s.data.Query(ctx, candidatesSQL, []any{cutoff.UTC(), after, afterID, runID, limit}, func(r *sql.Rows) error {
		var c settlement.Candidate
		if err := r.Scan(&c.OrderID, &c.GridCell, &c.TransactionID, &c.Amount, &c.Refunded, &c.PaidAt, &lastPaid); err != nil {
			return err
		}
		c.PaidAt = c.PaidAt.UTC()
		out = append(out, c)
		return nil
	})
	if err != nil || len(out) == 0 {
		return nil, wrap(err, "settlement candidates")
	}
	err = s.data.Client(ctx).SettlementRun.UpdateOneID(runID).SetCursorPaidAt(lastPaid.UTC()).
		SetCursorOrderID(out[len(out)-1].OrderID).Exec(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "move the selection cursor")
	}
	return out, s.fillOwed(ctx, out)
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// fillOwed reads each candidate's settleable commission per leader from the ledger, with the
// level the leader earns it at.
func (s *SettlementStore) fillOwed(ctx context.Context, cands []settlement.Candidate) error {
	ids := make([]int64, len(cands))
	at := make(map[int64]int, len(cands))
	for i, c := range cands {
		ids[i], at[c.OrderID] = c.OrderID, i
	}
	levels := map[settlement.OrderLeader]int{}
	err := s.data.Query(ctx, `SELECT order_id, leader_id, MIN(level) FROM commission_entries WHERE order_id IN (`+sqldb.List(1, len(ids))+`)
GROUP BY order_id, leader_id`, sqldb.Args(ids), func(r *sql.Rows) error {
		var k settlement.OrderLeader
		var level int
		if err := r.Scan(&k.OrderID, &k.LeaderID, &level); err != nil {
			return err
		}
		levels[k] = level
		return nil
	})
	if err != nil {
		return fmt.Errorf("commission levels: %w", err)
	}
	return s.settleable(ctx, ids, func(k settlement.OrderLeader, owed int64) {
		c := &cands[at[k.OrderID]]
		c.Owed = append(c.Owed, settlement.Owed{LeaderID: k.LeaderID, Level: levels[k], Amount: owed})
	})
}

// settleable calls fn with what each order's postings left on each leader's settleable
// account (a credit: positive when owed).
func (s *SettlementStore) settleable(ctx context.Context, orderIDs []int64, fn func(settlement.OrderLeader, int64)) error {
	// The orders' transactions first, whatever the statistics say: planned from the accounts'
	// side, the query reads every posting of every leader.
	return s.data.Query(ctx, `WITH t AS MATERIALIZED (SELECT id, order_id FROM ledger_transactions
                          WHERE order_id IN (`+sqldb.List(1, len(orderIDs))+`))
SELECT t.order_id, a.owner_id, SUM(p.amount)
FROM t
JOIN ledger_postings p ON p.transaction_id = t.id
JOIN ledger_accounts a ON a.id = p.account_id
WHERE a.owner_kind = 'leader' AND a.purpose = 'settleable'
GROUP BY t.order_id, a.owner_id`, sqldb.Args(orderIDs), func(r *sql.Rows) error {
		var k settlement.OrderLeader
		var sum int64
		if err := r.Scan(&k.OrderID, &k.LeaderID, &sum); err != nil {
			return err
		}
		fn(k, -sum)
		return nil
	})
}

// Owed implements settlement.Store.
func (s *SettlementStore) Owed(ctx context.Context, keys []settlement.OrderLeader) (map[settlement.OrderLeader]int64, error) {
	out := map[settlement.OrderLeader]int64{}
	if len(keys) == 0 {
		return out, nil
	}
	var ids []int64
	for _, k := range keys {
		ids = append(ids, k.OrderID)
	}
	err := s.settleable(ctx, ids, func(k settlement.OrderLeader, owed int64) { out[k] = owed })
	return out, wrap(err, "settleable commission")
}

// Receivers implements settlement.Store: a leader's receiver is what its latest registration
// names, registered when that added it and WeChat accepted it; a leader with none is its openid,
// not registered.
func (s *SettlementStore) Receivers(ctx context.Context, leaderIDs []int64) (map[int64]settlement.Receiver, error) {
	out := map[int64]settlement.Receiver{}
	if len(leaderIDs) == 0 {
		return out, nil
	}
	err := s.data.Query(ctx, `SELECT l.id, COALESCE(r.receiver_type, 'PERSONAL_OPENID'), COALESCE(r.account, u.openid),
  COALESCE(r.op = 'add' AND r.state = 'done', false)
FROM leaders l
JOIN users u ON u.id = l.user_id
LEFT JOIN receiver_registrations r ON r.id = (SELECT MAX(x.id) FROM receiver_registrations x WHERE x.leader_id = l.id)
WHERE l.id IN (`+sqldb.List(1, len(leaderIDs))+`)`, sqldb.Args(leaderIDs), func(r *sql.Rows) error {
		var rc settlement.Receiver
		if err := r.Scan(&rc.LeaderID, &rc.Type, &rc.Account, &rc.Registered); err != nil {
			return err
		}
		out[rc.LeaderID] = rc
		return nil
	})
	return out, wrap(err, "receivers")
}

// Receivables implements settlement.Store: what each leader owes less what returns from its
// merchant receiver are already asking back.
func (s *SettlementStore) Receivables(ctx context.Context, leaderIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(leaderIDs) == 0 {
		return out, nil
	}
	// What returns in flight will pay is not netted again.
	err := s.data.Query(ctx, `SELECT a.owner_id, a.balance - COALESCE(SUM(r.amount), 0)
FROM ledger_accounts a
LEFT JOIN settlement_returns r ON r.leader_id = a.owner_id AND r.active
WHERE a.owner_kind = 'leader' AND a.purpose = 'receivable' AND a.balance > 0 AND a.owner_id IN (`+sqldb.List(1, len(leaderIDs))+`)
GROUP BY a.owner_id, a.balance`, sqldb.Args(leaderIDs), func(r *sql.Rows) error {
		var id, owed int64
		if err := r.Scan(&id, &owed); err != nil {
			return err
		}
		if owed > 0 {
			out[id] = owed
		}
		return nil
	})
	return out, wrap(err, "receivables")
}

// LockLeaders implements settlement.Store.
func (s *SettlementStore) LockLeaders(ctx context.Context, leaderIDs []int64) error {
	if len(leaderIDs) == 0 || !s.data.Postgres() {
		return nil // SQLite transactions are BEGIN IMMEDIATE: one writer at a time already
	}
	err := s.data.Query(ctx, `SELECT id FROM leaders WHERE id IN (`+sqldb.List(1, len(leaderIDs))+`) ORDER BY id `+s.data.ForUpdate(),
		sqldb.Args(leaderIDs), func(*sql.Rows) error { return nil })
	return wrap(err, "lock leaders")
}

// LockOrders implements settlement.Store.
func (s *SettlementStore) LockOrders(ctx context.Context, orderIDs []int64) error {
	if len(orderIDs) == 0 || !s.data.Postgres() {
		return nil // SQLite transactions are BEGIN IMMEDIATE: one writer at a time already
	}
	err := s.data.Query(ctx, `SELECT id FROM orders WHERE id IN (`+sqldb.List(1, len(orderIDs))+`) ORDER BY id `+s.data.ForUpdate(),
		sqldb.Args(orderIDs), func(*sql.Rows) error { return nil })
	return wrap(err, "lock orders")
}

// OpenCarries implements settlement.Store.
func (s *SettlementStore) OpenCarries(ctx context.Context, leaderIDs []int64) (map[int64][]settlement.Share, error) {
	out := map[int64][]settlement.Share{}
	if len(leaderIDs) == 0 {
		return out, nil
	}
	rows, err := s.data.Client(ctx).SettlementShare.Query().Where(settlementshare.LeaderIDIn(leaderIDs...),
		settlementshare.ResultIn(settlementshare.ResultClosed, settlementshare.ResultDeferred),
		settlementshare.RetriedBy(0)).Order(ent.Asc(settlementshare.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "open carries")
	}
	for _, r := range rows {
		out[r.LeaderID] = append(out[r.LeaderID], shareOf(r))
	}
	return out, nil
}

// SaveItems implements settlement.Store.
func (s *SettlementStore) SaveItems(ctx context.Context, items []settlement.Item) error {
	c := s.data.Client(ctx)
	for start := 0; start < len(items); start += 1000 {
		chunk := items[start:min(start+1000, len(items))]
		creates := make([]*ent.SettlementItemCreate, len(chunk))
		for i, it := range chunk {
			creates[i] = c.SettlementItem.Create().SetRunID(it.RunID).SetOrderID(it.OrderID).SetGridCell(it.GridCell).
				SetTransactionID(it.TransactionID).SetOutOrderNo(it.OutOrderNo).SetKind(settlementitem.Kind(it.Kind)).
				SetAmount(it.Amount).SetDeadline(it.Deadline.UTC()).SetState(settlementitem.State(it.State)).SetActive(it.State.Active()).
				SetNextAttemptAt(it.NextAttemptAt.UTC()).SetLastError(sqldb.Clip(it.LastError, 512)).
				SetCreatedAt(it.CreatedAt.UTC()).SetNillableFinishedAt(nilTime(it.FinishedAt))
		}
		rows, err := c.SettlementItem.CreateBulk(creates...).Save(ctx)
		if err != nil {
			return sqldb.Err(err, "save settlement items")
		}
		for i := range chunk {
			chunk[i].ID = rows[i].ID
		}
	}
	return s.saveNewShares(ctx, items)
}

func nilTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// saveNewShares inserts the items' shares and marks the shares they carry.
func (s *SettlementStore) saveNewShares(ctx context.Context, items []settlement.Item) error {
	c := s.data.Client(ctx)
	var creates []*ent.SettlementShareCreate
	var refs []*settlement.Share
	for i := range items {
		for j := range items[i].Shares {
			sh := &items[i].Shares[j]
			sh.ItemID = items[i].ID
			refs = append(refs, sh)
			creates = append(creates, c.SettlementShare.Create().SetItemID(sh.ItemID).SetRunID(sh.RunID).
				SetLeaderID(sh.LeaderID).SetLevel(sh.Level).SetSourceOrderID(sh.SourceOrderID).
				SetReceiverType(sh.ReceiverType).SetAccount(sh.Account).
				SetAmount(sh.Amount).SetResult(settlementshare.Result(sh.Result)).SetFailReason(sh.FailReason).
				SetRetryOf(sh.RetryOf))
		}
	}
	for start := 0; start < len(creates); start += 1000 {
		end := min(start+1000, len(creates))
		rows, err := c.SettlementShare.CreateBulk(creates[start:end]...).Save(ctx)
		if err != nil {
			return sqldb.Err(err, "save settlement shares")
		}
		for i, r := range rows {
			refs[start+i].ID = r.ID
		}
	}
	for _, sh := range refs {
		if sh.RetryOf == 0 {
			continue
		}
		n, err := c.SettlementShare.Update().Where(settlementshare.ID(sh.RetryOf), settlementshare.RetriedBy(0)).
			SetRetriedBy(sh.ID).Save(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("carry share %d", sh.RetryOf))
		}
		if n == 0 {
			return fmt.Errorf("share %d was carried meanwhile: %w", sh.RetryOf, bizerr.ErrConflict)
		}
	}
	return nil
}

// ExpireEntries implements settlement.Store.
func (s *SettlementStore) ExpireEntries(ctx context.Context, orderID int64) error {
	from := commission.Lifecycle.Sources(commission.StateUnresolved)
	_, err := s.data.Exec(ctx, `UPDATE commission_entries SET state = $1 WHERE order_id = $2 AND state IN (`+sqldb.List(3, len(from))+`)`,
		append([]any{string(commission.StateUnresolved), orderID}, sqldb.Strings(from)...)...)
	return wrap(err, fmt.Sprintf("expire entries of order %d", orderID))
}

// SettleEntries implements settlement.Store.
func (s *SettlementStore) SettleEntries(ctx context.Context, keys []settlement.OrderLeader) error {
	from := commission.Lifecycle.Sources(commission.StateSettled)
	q := `UPDATE commission_entries SET state = $1 WHERE order_id = $2 AND leader_id = $3 AND state IN (` + sqldb.List(4, len(from)) + `)`
	for _, k := range keys {
		args := append([]any{string(commission.StateSettled), k.OrderID, k.LeaderID}, sqldb.Strings(from)...)
		if _, err := s.data.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("settle entries of order %d leader %d: %w", k.OrderID, k.LeaderID, err)
		}
	}
	return nil
}

func shareOf(r *ent.SettlementShare) settlement.Share {
	return settlement.Share{ID: r.ID, ItemID: r.ItemID, RunID: r.RunID, LeaderID: r.LeaderID, Level: r.Level,
		SourceOrderID: r.SourceOrderID, ReceiverType: r.ReceiverType, Account: r.Account, Amount: r.Amount, Result: settlement.Result(r.Result),
		FailReason: r.FailReason, RetryOf: r.RetryOf, RetriedBy: r.RetriedBy, DetailID: r.DetailID, FinishedAt: sqldb.UTC(r.FinishedAt)}
}
