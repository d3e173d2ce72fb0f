package commissionstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/commissionentry"
	"github.com/groupbuy/groupbuy/ent/commissionplan"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// CommissionStore is commission_plans and commission_entries as commission.Repo; the books it
// reports from are read through the ledger's owner, the batches through presale's.
type CommissionStore struct {
	data    *sqldb.DB
	books   *ledgerstore.Books
	batches *presalestore.BatchRepo
}

// NewCommissionStore builds the store on data.
func NewCommissionStore(data *sqldb.DB) *CommissionStore {
	return &CommissionStore{data: data, books: ledgerstore.NewBooks(data), batches: presalestore.NewBatchRepo(data)}
}

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

// EarnedByLevel sums the leader's entries by level over the orders whose payment was posted in
// [from, to).
func (s *CommissionStore) EarnedByLevel(ctx context.Context, leaderID int64, from, to time.Time) (map[int]int64, error) {
	c := s.data.Client(ctx)
	var mine []int64
	err := c.CommissionEntry.Query().Where(commissionentry.LeaderID(leaderID)).Unique(true).
		Select(commissionentry.FieldOrderID).Scan(ctx, &mine)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("orders of leader %d", leaderID))
	}
	orderIDs, err := s.books.PostedIn(ctx, commission.KindPaid, from, to, mine)
	if err != nil {
		return nil, err
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

// ServedDiscounts implements commission.Repo: the orders are orderstore's.
func (s *CommissionStore) ServedDiscounts(ctx context.Context, leaderID int64, from, to time.Time) (commission.Discounts, error) {
	return orderstore.ServedDiscounts(ctx, s.data, leaderID, from, to)
}

// The books are the ledger's: commission reads them through their owner.

// Posted implements commission.Repo.
func (s *CommissionStore) Posted(ctx context.Context, key string) (bool, error) {
	return s.books.Posted(ctx, key)
}

// Balances implements commission.Repo.
func (s *CommissionStore) Balances(ctx context.Context, owner ledger.OwnerKind, ownerID int64, before time.Time) (map[ledger.Purpose]int64, error) {
	return s.books.Balances(ctx, owner, ownerID, before)
}

// CurrentBalances implements commission.Repo.
func (s *CommissionStore) CurrentBalances(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[ledger.Purpose]int64, error) {
	return s.books.Current(ctx, owner, ownerID)
}

// KindTotal implements commission.Repo.
func (s *CommissionStore) KindTotal(ctx context.Context, leaderID int64, kind string) (int64, error) {
	return s.books.KindTotal(ctx, leaderID, kind)
}

// Movements implements commission.Repo.
func (s *CommissionStore) Movements(ctx context.Context, leaderID int64, from, to time.Time) ([]commission.Movement, error) {
	return s.books.Movements(ctx, leaderID, from, to)
}

// TrialBalance implements commission.Repo.
func (s *CommissionStore) TrialBalance(ctx context.Context) ([]commission.AccountTotal, error) {
	return s.books.TrialBalance(ctx)
}

// AccountBalances implements commission.Repo.
func (s *CommissionStore) AccountBalances(ctx context.Context) ([]commission.AccountBalance, error) {
	return s.books.AccountBalances(ctx)
}

// MaxItemBP implements commission.Repo: the batches are presale's.
func (s *CommissionStore) MaxItemBP(ctx context.Context, grid string) (int, error) {
	return s.batches.MaxCommissionBP(ctx, grid)
}
