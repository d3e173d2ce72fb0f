// Package metricstore keeps the daily operations counts (metric_days): the rollup that counts a
// day in PostgreSQL with set-based SQL, and the reads of the dashboards.
package metricstore

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

//go:embed rollup.sql
var rollupSQL string

// ErrNeedsPostgres: the rollup's SQL (GROUPING SETS, FILTER) is PostgreSQL's.
var ErrNeedsPostgres = errors.New("the daily rollup needs PostgreSQL")

// Store is metrics.Store over the database.
type Store struct {
	data *sqldb.DB
	now  port.Clock
}

// NewStore is the store over data.
func NewStore(data *sqldb.DB, now port.Clock) *Store { return &Store{data: data, now: now} }

var _ metrics.Store = (*Store)(nil)

// Rollup replaces day's rows at every level in one transaction.
func (s *Store) Rollup(ctx context.Context, day string) error {
	if !s.data.Postgres() {
		return ErrNeedsPostgres
	}
	start, err := dayStart(day)
	if err != nil {
		return err
	}
	end, before := start.AddDate(0, 0, 1), start.AddDate(0, 0, -30)
	return s.data.InTx(ctx, func(ctx context.Context) error {
		c := s.data.Client(ctx)
		// The planner's estimates of the rollup's joins run far too high and would have it JIT-
		// compile the query, seconds of compiling for a query that runs in less; the sorts of the
		// distinct counts of a million orders fit in memory with a larger work_mem.
		if _, err := c.ExecContext(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return fmt.Errorf("settings of the rollup: %w", err)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM metric_days WHERE day = $1`, day); err != nil {
			return fmt.Errorf("delete the rollup of %s: %w", day, err)
		}
		if _, err := c.ExecContext(ctx, rollupSQL, day, start, end, before, s.now()); err != nil {
			return fmt.Errorf("roll up %s: %w", day, err)
		}
		return nil
	})
}

// RefundedOrderDays are the Beijing days of the orders whose refunds succeeded on day, earlier
// than day.
func (s *Store) RefundedOrderDays(ctx context.Context, day string) ([]string, error) {
	if !s.data.Postgres() {
		return nil, ErrNeedsPostgres
	}
	start, err := dayStart(day)
	if err != nil {
		return nil, err
	}
	var days []string
	err = s.data.Query(ctx, `SELECT DISTINCT to_char(o.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d
		FROM payment_refunds r JOIN orders o
			ON o.id = CASE WHEN r.out_refund_no ~ '^GBR[0-9]+-' THEN split_part(substr(r.out_refund_no, 4), '-', 1)::bigint END
		WHERE r.state = 'success' AND r.success_at >= $1 AND r.success_at < $2 AND o.created_at < $1
		ORDER BY d`, []any{start, start.AddDate(0, 0, 1)}, func(r *sql.Rows) error {
		var d string
		err := r.Scan(&d)
		days = append(days, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("order days refunded on %s: %w", day, err)
	}
	return days, nil
}

// Days reads key's rows of [from, to).
func (s *Store) Days(ctx context.Context, k metrics.Key, from, to string) ([]metrics.Day, error) {
	var days []metrics.Day
	err := s.data.Query(ctx, `SELECT day, visitors, page_views, sessions, bounces, carters, sharers,
			shares, share_opens, buyers, payers, orders, items, paid, refunded_by_order_day,
			refunded_on_day, new_payers, repeat_payers, share_orders, invitees, inviters
		FROM metric_days WHERE level = $1 AND grid_cell = $2 AND leader_id = $3 AND batch_id = $4
			AND day >= $5 AND day < $6 ORDER BY day`,
		[]any{string(k.Level), k.GridCell, k.LeaderID, k.BatchID, from, to}, func(r *sql.Rows) error {
			var d metrics.Day
			c := &d.Counts
			err := r.Scan(&d.Day, &c.Visitors, &c.PageViews, &c.Sessions, &c.Bounces, &c.Carters,
				&c.Sharers, &c.Shares, &c.ShareOpens, &c.Buyers, &c.Payers, &c.Orders, &c.Items, &c.Paid,
				&c.RefundedByOrderDay, &c.RefundedOnDay, &c.NewPayers, &c.RepeatPayers, &c.ShareOrders,
				&c.Invitees, &c.Inviters)
			days = append(days, d)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("daily counts of %s %q/%d/%d: %w", k.Level, k.GridCell, k.LeaderID, k.BatchID, err)
	}
	return days, nil
}

// dayStart is the start of a Beijing day written YYYY-MM-DD.
func dayStart(day string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, day, bjtime.Zone)
	if err != nil {
		return t, bizerr.Invalid("day", "must be a date YYYY-MM-DD")
	}
	return t, nil
}

var _ metrics.Ranking = (*Store)(nil)

// LeaderRanking sums the leaders' rows of [from, to) and keeps the limit with the most paid fen.
func (s *Store) LeaderRanking(ctx context.Context, from, to string, limit int) ([]metrics.Ranked, error) {
	var out []metrics.Ranked
	err := s.data.Query(ctx, `SELECT leader_id, sum(visitors), sum(page_views), sum(buyers), sum(payers),
			sum(orders), sum(items), sum(paid), sum(refunded_by_order_day), sum(new_payers),
			sum(repeat_payers), sum(share_orders), sum(sharers), sum(shares)
		FROM metric_days WHERE level = 'leader' AND leader_id > 0 AND day >= $1 AND day < $2
		GROUP BY leader_id ORDER BY sum(paid) DESC, leader_id LIMIT $3`,
		[]any{from, to, limit}, func(r *sql.Rows) error {
			var k metrics.Ranked
			c := &k.Counts
			err := r.Scan(&k.LeaderID, &c.Visitors, &c.PageViews, &c.Buyers, &c.Payers, &c.Orders,
				&c.Items, &c.Paid, &c.RefundedByOrderDay, &c.NewPayers, &c.RepeatPayers, &c.ShareOrders,
				&c.Sharers, &c.Shares)
			out = append(out, k)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("leader ranking %s–%s: %w", from, to, err)
	}
	return out, nil
}

// RolledUp lists the days of [from, to) that have their city row: every rolled-up day has one.
func (s *Store) RolledUp(ctx context.Context, from, to string) ([]string, error) {
	var days []string
	err := s.data.Query(ctx, `SELECT day FROM metric_days
		WHERE level = 'city' AND grid_cell = '' AND leader_id = 0 AND batch_id = 0 AND day >= $1 AND day < $2 ORDER BY day`,
		[]any{from, to}, func(r *sql.Rows) error {
			var d string
			err := r.Scan(&d)
			days = append(days, d)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("rolled-up days %s–%s: %w", from, to, err)
	}
	return days, nil
}
