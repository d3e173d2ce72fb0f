package settlementstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementrun"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// SettlementStore is settlement_runs, settlement_items, settlement_shares and settlement_returns.
// What it needs of other domains' tables it asks their owners for (the ledger's Books,
// commissionstore, leaderstore, orderstore, paymentstore, identitystore); only the selection
// of candidates and the at-risk view read across domains, in one statement each (see
// candidatesSQL).
type SettlementStore struct {
	data  *sqldb.DB
	books *ledgerstore.Books
}

// NewSettlementStore builds the store on data.
func NewSettlementStore(data *sqldb.DB) *SettlementStore {
	return &SettlementStore{data: data, books: ledgerstore.NewBooks(data)}
}

var _ settlement.Store = (*SettlementStore)(nil)

// CreateRun implements settlement.Store.
func (s *SettlementStore) CreateRun(ctx context.Context, r settlement.Run) (*settlement.Run, error) {
	err := s.data.Client(ctx).SettlementRun.Create().SetKey(r.Key).SetCutoff(r.Cutoff.UTC()).
		SetTrigger(settlementrun.Trigger(r.Trigger)).SetStartedBy(r.StartedBy).SetCreatedAt(r.CreatedAt.UTC()).
		OnConflictColumns(settlementrun.FieldKey).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.Err(err, "create settlement run "+r.Key)
	}
	row, err := s.data.Client(ctx).SettlementRun.Query().Where(settlementrun.Key(r.Key)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read settlement run "+r.Key)
	}
	return runOf(row), nil
}

func runOf(r *ent.SettlementRun) *settlement.Run {
	return &settlement.Run{ID: r.ID, Key: r.Key, Cutoff: r.Cutoff.UTC(), Trigger: settlement.Trigger(r.Trigger),
		StartedBy: r.StartedBy, State: settlement.RunState(r.State), CreatedAt: r.CreatedAt.UTC(),
		SelectedAt: sqldb.UTC(r.SelectedAt), FinishedAt: sqldb.UTC(r.FinishedAt)}
}

// GetRun implements settlement.Store.
func (s *SettlementStore) GetRun(ctx context.Context, id int64) (*settlement.Run, error) {
	row, err := s.data.Client(ctx).SettlementRun.Get(ctx, id)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("settlement run %d", id))
	}
	return runOf(row), nil
}

// LockRun implements settlement.Store.
func (s *SettlementStore) LockRun(ctx context.Context, id int64, skipLocked bool) (*settlement.Run, bool, error) {
	q := s.data.Client(ctx).SettlementRun.Query().Where(settlementrun.ID(id))
	if skipLocked {
		q = sqldb.LockSkipping(s.data, q)
	} else {
		q = sqldb.Lock(s.data, q)
	}
	row, err := q.Only(ctx)
	if skipLocked && ent.IsNotFound(err) {
		if _, err := s.GetRun(ctx, id); err != nil {
			return nil, false, err
		}
		return nil, false, nil // another worker holds it
	}
	if err != nil {
		return nil, false, sqldb.Err(err, fmt.Sprintf("lock settlement run %d", id))
	}
	return runOf(row), true, nil
}

// ListRuns implements settlement.Store.
func (s *SettlementStore) ListRuns(ctx context.Context, beforeID int64, limit int) ([]settlement.Run, error) {
	q := s.data.Client(ctx).SettlementRun.Query().Order(ent.Desc(settlementrun.FieldID)).Limit(limit)
	if beforeID > 0 {
		q.Where(settlementrun.IDLT(beforeID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list settlement runs")
	}
	out := make([]settlement.Run, len(rows))
	for i, r := range rows {
		out[i] = *runOf(r)
	}
	return out, nil
}

// RunsToSelect implements settlement.Store.
func (s *SettlementStore) RunsToSelect(ctx context.Context) ([]settlement.Run, error) {
	rows, err := s.data.Client(ctx).SettlementRun.Query().
		Where(settlementrun.StateEQ(settlementrun.StateRunning), settlementrun.SelectedAtIsNil()).
		Order(ent.Asc(settlementrun.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "settlement runs to select")
	}
	out := make([]settlement.Run, len(rows))
	for i, r := range rows {
		out[i] = *runOf(r)
	}
	return out, nil
}

// MarkSelected implements settlement.Store.
func (s *SettlementStore) MarkSelected(ctx context.Context, runID int64, at time.Time) error {
	err := s.data.Client(ctx).SettlementRun.UpdateOneID(runID).SetSelectedAt(at.UTC()).Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("mark settlement run %d selected", runID))
}

// FinishRuns implements settlement.Store.
func (s *SettlementStore) FinishRuns(ctx context.Context, at time.Time) (int, error) {
	n, err := s.data.Exec(ctx, `UPDATE settlement_runs SET state = 'done', finished_at = $1
WHERE state = 'running' AND selected_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.run_id = settlement_runs.id AND i.active)`, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("finish settlement runs: %w", err)
	}
	return int(n), nil
}
