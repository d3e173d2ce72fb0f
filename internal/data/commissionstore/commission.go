package commissionstore

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/batch"
	"github.com/groupbuy/groupbuy/ent/batchgrid"
	"github.com/groupbuy/groupbuy/ent/batchitem"
	"github.com/groupbuy/groupbuy/ent/commissionentry"
	"github.com/groupbuy/groupbuy/ent/commissionplan"
	"github.com/groupbuy/groupbuy/ent/ledgeraccount"
	"github.com/groupbuy/groupbuy/ent/ledgerposting"
	"github.com/groupbuy/groupbuy/ent/ledgertransaction"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// CommissionStore is commission_plans and commission_entries, and the reads of the ledger's
// tables that statements and totals need, as commission.Repo. It never writes the ledger.
type CommissionStore struct{ data *sqldb.DB }

// NewCommissionStore builds the store on data.
func NewCommissionStore(data *sqldb.DB) *CommissionStore { return &CommissionStore{data: data} }

var _ commission.Repo = (*CommissionStore)(nil)

func (s *CommissionStore) CreatePlan(ctx context.Context, p *commission.Plan) (*commission.Plan, error) {
	var out *commission.Plan
	err := s.data.InTx(ctx, func(ctx context.Context) error {
		c := s.data.Client(ctx)
		last, err := c.CommissionPlan.Query().Where(commissionplan.GridCell(p.GridCell)).
			Order(ent.Desc(commissionplan.FieldVersion)).First(ctx)
		version := 1
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return sqldb.Err(err, "latest commission plan")
		default:
			version = last.Version + 1
		}
		row, err := c.CommissionPlan.Create().SetGridCell(p.GridCell).SetVersion(version).SetRates(p.Rates).
			SetEffectiveFrom(p.EffectiveFrom.UTC()).SetCreatedBy(p.CreatedBy).SetCreatedAt(time.Now().UTC()).Save(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("save commission plan %q version %d", p.GridCell, version))
		}
		out = toPlan(row)
		return nil
	})
	return out, err
}

func toPlan(r *ent.CommissionPlan) *commission.Plan {
	return &commission.Plan{ID: int64(r.ID), GridCell: r.GridCell, Version: r.Version, Rates: r.Rates,
		EffectiveFrom: r.EffectiveFrom.UTC(), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

func (s *CommissionStore) Plans(ctx context.Context, grids ...string) ([]commission.Plan, error) {
	q := s.data.Client(ctx).CommissionPlan.Query()
	if len(grids) > 0 {
		q.Where(commissionplan.GridCellIn(grids...))
	}
	rows, err := q.Order(ent.Asc(commissionplan.FieldGridCell), ent.Asc(commissionplan.FieldVersion)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "commission plans")
	}
	out := make([]commission.Plan, len(rows))
	for i, r := range rows {
		out[i] = *toPlan(r)
	}
	return out, nil
}

func (s *CommissionStore) MaxItemBP(ctx context.Context, grid string) (int, error) {
	c := s.data.Client(ctx)
	q := c.Batch.Query().Where(batch.StatusIn(batch.StatusScheduled, batch.StatusOpen))
	if grid != "" {
		q.Where(func(sel *entsql.Selector) {
			t := entsql.Table(batchgrid.Table)
			sel.Where(entsql.In(sel.C(batch.FieldID),
				entsql.Select(t.C(batchgrid.FieldBatchID)).From(t).Where(entsql.EQ(t.C(batchgrid.FieldGridCell), grid))))
		})
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return 0, sqldb.Err(err, "scheduled and open batches")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	top, err := c.BatchItem.Query().Where(batchitem.BatchIDIn(ids...)).Aggregate(ent.Max(batchitem.FieldCommissionBp)).Int(ctx)
	return top, sqldb.Err(err, "highest item commission")
}

func (s *CommissionStore) AddEntries(ctx context.Context, es []commission.Entry) error {
	if len(es) == 0 {
		return nil
	}
	c := s.data.Client(ctx)
	builders := make([]*ent.CommissionEntryCreate, len(es))
	for i, e := range es {
		builders[i] = c.CommissionEntry.Create().SetOrderID(e.OrderID).SetLineID(e.LineID).SetLeaderID(e.LeaderID).
			SetLevel(e.Level).SetBase(e.Base).SetRateBp(e.RateBP).SetAmount(e.Amount).SetReversed(e.Reversed).
			SetPlanID(e.PlanID).SetGridCell(e.GridCell).SetState(commissionentry.State(e.State)).SetPaidAt(e.PaidAt.UTC())
	}
	err := c.CommissionEntry.CreateBulk(builders...).
		OnConflictColumns(commissionentry.FieldLineID, commissionentry.FieldLevel).DoNothing().Exec(ctx)
	if sqldb.NoRows(err) {
		return nil
	}
	return sqldb.Err(err, "add commission entries")
}

func toEntry(r *ent.CommissionEntry) commission.Entry {
	e := commission.Entry{ID: int64(r.ID), OrderID: r.OrderID, LineID: r.LineID, LeaderID: r.LeaderID, Level: r.Level,
		Base: r.Base, RateBP: r.RateBp, Amount: r.Amount, Reversed: r.Reversed, PlanID: r.PlanID, GridCell: r.GridCell,
		State: commission.State(r.State), PaidAt: r.PaidAt.UTC()}
	if r.SettleableAt != nil {
		e.SettleableAt = r.SettleableAt.UTC()
	}
	return e
}

func toEntries(rows []*ent.CommissionEntry) []commission.Entry {
	out := make([]commission.Entry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out
}

func (s *CommissionStore) OrderEntries(ctx context.Context, orderID int64) ([]commission.Entry, error) {
	rows, err := s.data.Client(ctx).CommissionEntry.Query().Where(commissionentry.OrderID(orderID)).
		Order(ent.Asc(commissionentry.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("commission entries of order %d", orderID))
	}
	return toEntries(rows), nil
}

func (s *CommissionStore) UpdateEntries(ctx context.Context, es []commission.Entry) error {
	return s.data.InTx(ctx, func(ctx context.Context) error {
		c := s.data.Client(ctx)
		for _, e := range es {
			u := c.CommissionEntry.UpdateOneID(int(e.ID)).SetReversed(e.Reversed).SetState(commissionentry.State(e.State))
			if !e.SettleableAt.IsZero() {
				u.SetSettleableAt(e.SettleableAt.UTC())
			}
			if err := u.Exec(ctx); err != nil {
				return sqldb.Err(err, fmt.Sprintf("update commission entry %d", e.ID))
			}
		}
		return nil
	})
}

func (s *CommissionStore) LeaderEntries(ctx context.Context, leaderID, beforeID int64, limit int) ([]commission.Entry, error) {
	q := s.data.Client(ctx).CommissionEntry.Query().Where(commissionentry.LeaderID(leaderID))
	if beforeID > 0 {
		q.Where(commissionentry.IDLT(int(beforeID)))
	}
	rows, err := q.Order(ent.Desc(commissionentry.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("commission entries of leader %d", leaderID))
	}
	return toEntries(rows), nil
}

func (s *CommissionStore) Posted(ctx context.Context, key string) (bool, error) {
	ok, err := s.data.Client(ctx).LedgerTransaction.Query().Where(ledgertransaction.Key(key)).Exist(ctx)
	return ok, sqldb.Err(err, "ledger transaction "+key)
}

// accounts maps the ids of an owner's accounts to their purposes.
func (s *CommissionStore) accounts(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[int64]ledger.Purpose, error) {
	rows, err := s.data.Client(ctx).LedgerAccount.Query().
		Where(ledgeraccount.OwnerKindEQ(ledgeraccount.OwnerKind(owner)), ledgeraccount.OwnerID(ownerID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("ledger accounts of %s %d", owner, ownerID))
	}
	out := make(map[int64]ledger.Purpose, len(rows))
	for _, r := range rows {
		out[int64(r.ID)] = ledger.Purpose(r.Purpose)
	}
	return out, nil
}

type accountSum struct {
	AccountID int64 `json:"account_id"`
	Sum       int64 `json:"sum"`
}

// sums adds up postings by account.
func (s *CommissionStore) sums(ctx context.Context, preds ...predicate.LedgerPosting) ([]accountSum, error) {
	var out []accountSum
	err := s.data.Client(ctx).LedgerPosting.Query().Where(preds...).
		GroupBy(ledgerposting.FieldAccountID).Aggregate(ent.As(ent.Sum(ledgerposting.FieldAmount), "sum")).Scan(ctx, &out)
	return out, sqldb.Err(err, "sum postings")
}

func (s *CommissionStore) Balances(ctx context.Context, owner ledger.OwnerKind, ownerID int64, before time.Time) (map[ledger.Purpose]int64, error) {
	accts, err := s.accounts(ctx, owner, ownerID)
	if err != nil || len(accts) == 0 {
		return map[ledger.Purpose]int64{}, err
	}
	ids := make([]int64, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
	}
	preds := []predicate.LedgerPosting{ledgerposting.AccountIDIn(ids...)}
	if !before.IsZero() {
		preds = append(preds, ledgerposting.CreatedAtLT(before.UTC()))
	}
	sums, err := s.sums(ctx, preds...)
	if err != nil {
		return nil, err
	}
	out := map[ledger.Purpose]int64{}
	for _, x := range sums {
		out[accts[x.AccountID]] += x.Sum
	}
	return out, nil
}

func (s *CommissionStore) Movements(ctx context.Context, leaderID int64, from, to time.Time) ([]commission.Movement, error) {
	accts, err := s.accounts(ctx, ledger.OwnerLeader, leaderID)
	if err != nil || len(accts) == 0 {
		return nil, err
	}
	ids := make([]int64, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
	}
	c := s.data.Client(ctx)
	posts, err := c.LedgerPosting.Query().Where(ledgerposting.AccountIDIn(ids...),
		ledgerposting.CreatedAtGTE(from.UTC()), ledgerposting.CreatedAtLT(to.UTC())).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "postings of the month")
	}
	txIDs := map[int64]bool{}
	for _, p := range posts {
		txIDs[p.TransactionID] = true
	}
	kinds := map[int64]string{}
	list := make([]int, 0, len(txIDs))
	for id := range txIDs {
		list = append(list, int(id))
	}
	for start := 0; start < len(list); start += 1000 {
		txs, err := c.LedgerTransaction.Query().Where(ledgertransaction.IDIn(list[start:min(start+1000, len(list))]...)).All(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "transactions of the month")
		}
		for _, t := range txs {
			kinds[int64(t.ID)] = t.Kind
		}
	}
	type key struct {
		kind    string
		purpose ledger.Purpose
	}
	sums := map[key]int64{}
	var order []key
	for _, p := range posts {
		k := key{kinds[p.TransactionID], accts[p.AccountID]}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += p.Amount
	}
	out := make([]commission.Movement, len(order))
	for i, k := range order {
		out[i] = commission.Movement{Kind: k.kind, Purpose: k.purpose, Amount: sums[k]}
	}
	return out, nil
}

func (s *CommissionStore) EarnedByLevel(ctx context.Context, leaderID int64, from, to time.Time) (map[int]int64, error) {
	c := s.data.Client(ctx)
	var orderIDs []int64
	err := c.LedgerTransaction.Query().Where(ledgertransaction.Kind(commission.KindPaid),
		ledgertransaction.CreatedAtGTE(from.UTC()), ledgertransaction.CreatedAtLT(to.UTC()),
		func(sel *entsql.Selector) {
			t := entsql.Table(commissionentry.Table)
			sel.Where(entsql.In(sel.C(ledgertransaction.FieldOrderID),
				entsql.Select(t.C(commissionentry.FieldOrderID)).From(t).Where(entsql.EQ(t.C(commissionentry.FieldLeaderID), leaderID))))
		}).Select(ledgertransaction.FieldOrderID).Scan(ctx, &orderIDs)
	if err != nil {
		return nil, sqldb.Err(err, "payments of the month")
	}
	out := map[int]int64{}
	for start := 0; start < len(orderIDs); start += 1000 {
		var rows []struct {
			Level int   `json:"level"`
			Sum   int64 `json:"sum"`
		}
		err := c.CommissionEntry.Query().Where(commissionentry.LeaderID(leaderID),
			commissionentry.OrderIDIn(orderIDs[start:min(start+1000, len(orderIDs))]...)).
			GroupBy(commissionentry.FieldLevel).Aggregate(ent.As(ent.Sum(commissionentry.FieldAmount), "sum")).Scan(ctx, &rows)
		if err != nil {
			return nil, sqldb.Err(err, "earned by level")
		}
		for _, r := range rows {
			out[r.Level] += r.Sum
		}
	}
	return out, nil
}

func (s *CommissionStore) TrialBalance(ctx context.Context) ([]commission.AccountTotal, error) {
	c := s.data.Client(ctx)
	accts, err := c.LedgerAccount.Query().All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "ledger accounts")
	}
	sums, err := s.sums(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int64, len(sums))
	for _, x := range sums {
		byID[x.AccountID] = x.Sum
	}
	type key struct {
		owner   ledger.OwnerKind
		purpose ledger.Purpose
	}
	idx := map[key]int{}
	var out []commission.AccountTotal
	for _, a := range accts {
		k := key{ledger.OwnerKind(a.OwnerKind), ledger.Purpose(a.Purpose)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, commission.AccountTotal{Owner: k.owner, Purpose: k.purpose})
		}
		out[i].Accounts++
		out[i].Balance += byID[int64(a.ID)]
	}
	return out, nil
}

func (s *CommissionStore) AccountBalances(ctx context.Context) ([]commission.AccountBalance, error) {
	accts, err := s.data.Client(ctx).LedgerAccount.Query().Order(ledgeraccount.ByID()).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "ledger accounts")
	}
	sums, err := s.sums(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int64, len(sums))
	for _, x := range sums {
		byID[x.AccountID] = x.Sum
	}
	out := make([]commission.AccountBalance, len(accts))
	for i, a := range accts {
		out[i] = commission.AccountBalance{ID: int64(a.ID), Balance: byID[int64(a.ID)], Account: ledger.Account{
			Owner: ledger.OwnerKind(a.OwnerKind), OwnerID: a.OwnerID, Purpose: ledger.Purpose(a.Purpose)}}
	}
	return out, nil
}

func (s *CommissionStore) GridTotals(ctx context.Context, from, to time.Time) ([]commission.GridTotal, error) {
	var rows []struct {
		GridCell string `json:"grid_cell"`
		Amount   int64  `json:"amount"`
		Reversed int64  `json:"reversed"`
	}
	c := s.data.Client(ctx)
	err := c.CommissionEntry.Query().Where(commissionentry.PaidAtGTE(from.UTC()), commissionentry.PaidAtLT(to.UTC())).
		GroupBy(commissionentry.FieldGridCell).
		Aggregate(ent.As(ent.Sum(commissionentry.FieldAmount), "amount"),
			ent.As(ent.Sum(commissionentry.FieldReversed), "reversed")).Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, "commission per grid")
	}
	out := make([]commission.GridTotal, len(rows))
	for i, r := range rows {
		out[i] = commission.GridTotal{GridCell: r.GridCell, Amount: r.Amount, Reversed: r.Reversed}
		// The sales the level-0 entries were earned on (one per line that earns) and the orders.
		base, err := c.CommissionEntry.Query().Where(commissionentry.GridCell(r.GridCell), commissionentry.Level(0),
			commissionentry.PaidAtGTE(from.UTC()), commissionentry.PaidAtLT(to.UTC())).
			Aggregate(ent.Sum(commissionentry.FieldBase)).Int(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "commission base per grid")
		}
		out[i].Base = int64(base)
		n, err := c.CommissionEntry.Query().Where(commissionentry.GridCell(r.GridCell),
			commissionentry.PaidAtGTE(from.UTC()), commissionentry.PaidAtLT(to.UTC())).
			Unique(true).Select(commissionentry.FieldOrderID).Ints(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "orders per grid")
		}
		out[i].Orders = len(n)
	}
	return out, nil
}
