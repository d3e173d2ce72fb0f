package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/settlementrun"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// SettlementStore is settlement_runs, settlement_items and settlement_shares, and the reads of
// payments, commission entries, receivers and the ledger that selection needs.
type SettlementStore struct{ data *Data }

// NewSettlementStore builds the store on data.
func NewSettlementStore(data *Data) *SettlementStore { return &SettlementStore{data: data} }

var _ settlement.Store = (*SettlementStore)(nil)

// rebind turns the ? placeholders of query into PostgreSQL's $n. Queries here never hold a ?
// inside a literal.
func (s *SettlementStore) rebind(query string) string {
	if s.data.dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// in is a placeholder list for n values.
func in(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// anys gives the states a life cycle in biz names as SQL arguments, for in(len(states)).
func anys[S ~string](states []S) []any {
	out := make([]any, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// query runs a ? query in ctx's transaction (if any) and calls scan for every row.
func (s *SettlementStore) query(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	return queryRows(ctx, s.data.client(ctx), s.rebind(q), args, scan)
}

func (s *SettlementStore) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.data.client(ctx).ExecContext(ctx, s.rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateRun implements settlement.Store.
func (s *SettlementStore) CreateRun(ctx context.Context, r settlement.Run) (*settlement.Run, error) {
	err := s.data.client(ctx).SettlementRun.Create().SetKey(r.Key).SetCutoff(r.Cutoff.UTC()).
		SetTrigger(settlementrun.Trigger(r.Trigger)).SetStartedBy(r.StartedBy).SetCreatedAt(r.CreatedAt.UTC()).
		OnConflictColumns(settlementrun.FieldKey).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbErr(err, "create settlement run "+r.Key)
	}
	row, err := s.data.client(ctx).SettlementRun.Query().Where(settlementrun.Key(r.Key)).Only(ctx)
	if err != nil {
		return nil, dbErr(err, "read settlement run "+r.Key)
	}
	return runOf(row), nil
}

func runOf(r *ent.SettlementRun) *settlement.Run {
	return &settlement.Run{ID: r.ID, Key: r.Key, Cutoff: r.Cutoff.UTC(), Trigger: settlement.Trigger(r.Trigger),
		StartedBy: r.StartedBy, State: settlement.RunState(r.State), CreatedAt: r.CreatedAt.UTC(),
		SelectedAt: utc(r.SelectedAt), FinishedAt: utc(r.FinishedAt)}
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// GetRun implements settlement.Store.
func (s *SettlementStore) GetRun(ctx context.Context, id int64) (*settlement.Run, error) {
	row, err := s.data.client(ctx).SettlementRun.Get(ctx, id)
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("settlement run %d", id))
	}
	return runOf(row), nil
}

// LockRun implements settlement.Store.
func (s *SettlementStore) LockRun(ctx context.Context, id int64, skipLocked bool) (*settlement.Run, bool, error) {
	q := s.data.client(ctx).SettlementRun.Query().Where(settlementrun.ID(id))
	if s.data.dialect == dialect.Postgres { // SQLite transactions are BEGIN IMMEDIATE: one writer at a time already
		if skipLocked {
			q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
		} else {
			q.ForUpdate()
		}
	}
	row, err := q.Only(ctx)
	if skipLocked && ent.IsNotFound(err) {
		if _, err := s.GetRun(ctx, id); err != nil {
			return nil, false, err
		}
		return nil, false, nil // another worker holds it
	}
	if err != nil {
		return nil, false, dbErr(err, fmt.Sprintf("lock settlement run %d", id))
	}
	return runOf(row), true, nil
}

// ListRuns implements settlement.Store.
func (s *SettlementStore) ListRuns(ctx context.Context, beforeID int64, limit int) ([]settlement.Run, error) {
	q := s.data.client(ctx).SettlementRun.Query().Order(ent.Desc(settlementrun.FieldID)).Limit(limit)
	if beforeID > 0 {
		q.Where(settlementrun.IDLT(beforeID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, dbErr(err, "list settlement runs")
	}
	out := make([]settlement.Run, len(rows))
	for i, r := range rows {
		out[i] = *runOf(r)
	}
	return out, nil
}

// RunsToSelect implements settlement.Store.
func (s *SettlementStore) RunsToSelect(ctx context.Context) ([]settlement.Run, error) {
	rows, err := s.data.client(ctx).SettlementRun.Query().
		Where(settlementrun.StateEQ(settlementrun.StateRunning), settlementrun.SelectedAtIsNil()).
		Order(ent.Asc(settlementrun.FieldID)).All(ctx)
	if err != nil {
		return nil, dbErr(err, "settlement runs to select")
	}
	out := make([]settlement.Run, len(rows))
	for i, r := range rows {
		out[i] = *runOf(r)
	}
	return out, nil
}

// MarkSelected implements settlement.Store.
func (s *SettlementStore) MarkSelected(ctx context.Context, runID int64, at time.Time) error {
	err := s.data.client(ctx).SettlementRun.UpdateOneID(runID).SetSelectedAt(at.UTC()).Exec(ctx)
	return dbErr(err, fmt.Sprintf("mark settlement run %d selected", runID))
}

// FinishRuns implements settlement.Store.
func (s *SettlementStore) FinishRuns(ctx context.Context, at time.Time) (int, error) {
	n, err := s.exec(ctx, `UPDATE settlement_runs SET state = 'done', finished_at = ?
WHERE state = 'running' AND selected_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.run_id = settlement_runs.id AND i.active)`, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("finish settlement runs: %w", err)
	}
	return int(n), nil
}
