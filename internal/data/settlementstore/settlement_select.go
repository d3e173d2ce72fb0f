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
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/commissionstore"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
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
	err := commissionstore.EntryLevels(ctx, s.data, ids, func(order, leader int64, level int) {
		levels[settlement.OrderLeader{OrderID: order, LeaderID: leader}] = level
	})
	if err != nil {
		return err
	}
	return s.books.Settleable(ctx, ids, func(order, leader, owed int64) {
		c := &cands[at[order]]
		c.Owed = append(c.Owed, settlement.Owed{LeaderID: leader, Level: levels[settlement.OrderLeader{OrderID: order, LeaderID: leader}], Amount: owed})
	})
}

// Owed implements settlement.Store.
func (s *SettlementStore) Owed(ctx context.Context, keys []settlement.OrderLeader) (map[settlement.OrderLeader]int64, error) {
	out := map[settlement.OrderLeader]int64{}
	if len(keys) == 0 {
		return out, nil
	}
	// Each order once: a group commit's keys name most orders several times.
	var ids []int64
	seen := make(map[int64]bool, len(keys))
	for _, k := range keys {
		if !seen[k.OrderID] {
			seen[k.OrderID] = true
			ids = append(ids, k.OrderID)
		}
	}
	err := s.books.Settleable(ctx, ids, func(order, leader, owed int64) {
		out[settlement.OrderLeader{OrderID: order, LeaderID: leader}] = owed
	})
	return out, wrap(err, "settleable commission")
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

func shareOf(r *ent.SettlementShare) settlement.Share {
	return settlement.Share{ID: r.ID, ItemID: r.ItemID, RunID: r.RunID, LeaderID: r.LeaderID, Level: r.Level,
		SourceOrderID: r.SourceOrderID, ReceiverType: r.ReceiverType, Account: r.Account, Amount: r.Amount, Result: settlement.Result(r.Result),
		FailReason: r.FailReason, RetryOf: r.RetryOf, RetriedBy: r.RetriedBy, DetailID: r.DetailID, FinishedAt: sqldb.UTC(r.FinishedAt)}
}

// The tables below are other domains': settlement reads and moves them through their owners.

// Receivers implements settlement.Store: the receiver each leader's latest registration names,
// registered when that added it and WeChat accepted it; a leader with none is its openid, not
// registered.
func (s *SettlementStore) Receivers(ctx context.Context, leaderIDs []int64) (map[int64]settlement.Receiver, error) {
	out := map[int64]settlement.Receiver{}
	if len(leaderIDs) == 0 {
		return out, nil
	}
	latest, err := paymentstore.LatestReceivers(ctx, s.data, leaderIDs)
	if err != nil {
		return nil, err
	}
	users, err := leaderstore.UserIDs(ctx, s.data, leaderIDs)
	if err != nil {
		return nil, err
	}
	userIDs := make([]int64, 0, len(users))
	for _, u := range users {
		userIDs = append(userIDs, u)
	}
	openids, err := identitystore.OpenIDs(ctx, s.data, userIDs)
	if err != nil {
		return nil, err
	}
	for leader, user := range users {
		rc, ok := latest[leader]
		if !ok {
			rc = paymentstore.Receiver{Type: "PERSONAL_OPENID", Account: openids[user]}
		}
		out[leader] = settlement.Receiver{LeaderID: leader, Type: rc.Type, Account: rc.Account, Registered: rc.Registered}
	}
	return out, nil
}

// Receivables implements settlement.Store: what each leader owes less what returns from its
// merchant receiver are already asking back (those are not netted again).
func (s *SettlementStore) Receivables(ctx context.Context, leaderIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(leaderIDs) == 0 {
		return out, nil
	}
	owing, err := s.books.Owing(ctx, leaderIDs)
	if err != nil || len(owing) == 0 {
		return out, err
	}
	asked, err := s.returnsInFlight(ctx, leaderIDs)
	if err != nil {
		return nil, err
	}
	for id, owed := range owing {
		if owed -= asked[id]; owed > 0 {
			out[id] = owed
		}
	}
	return out, nil
}

// returnsInFlight sums the active returns of each leader.
func (s *SettlementStore) returnsInFlight(ctx context.Context, leaderIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := s.data.Query(ctx, `SELECT leader_id, SUM(amount) FROM settlement_returns
WHERE active AND leader_id IN (`+sqldb.List(1, len(leaderIDs))+`) GROUP BY leader_id`, sqldb.Args(leaderIDs),
		func(r *sql.Rows) error {
			var id, sum int64
			err := r.Scan(&id, &sum)
			out[id] = sum
			return err
		})
	return out, wrap(err, "returns in flight")
}

// LockLeaders implements settlement.Store.
func (s *SettlementStore) LockLeaders(ctx context.Context, leaderIDs []int64) error {
	return leaderstore.LockLeaders(ctx, s.data, leaderIDs)
}

// LockOrders implements settlement.Store.
func (s *SettlementStore) LockOrders(ctx context.Context, orderIDs []int64) error {
	return orderstore.LockOrders(ctx, s.data, orderIDs)
}

// ExpireEntries implements settlement.Store.
func (s *SettlementStore) ExpireEntries(ctx context.Context, orderID int64) error {
	return commissionstore.ExpireEntries(ctx, s.data, orderID)
}

// SettleEntries implements settlement.Store.
func (s *SettlementStore) SettleEntries(ctx context.Context, keys []settlement.OrderLeader) error {
	orders, leaders := make([]int64, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		orders[i], leaders[i] = k.OrderID, k.LeaderID
	}
	return commissionstore.SettleEntries(ctx, s.data, orders, leaders)
}
