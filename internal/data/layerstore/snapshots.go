// Package layerstore keeps the daily shopper-layer snapshots, the shoppers' subscription
// consents and the targeted sends, in one portable SQL for PostgreSQL and SQLite.
package layerstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entsnap "github.com/groupbuy/groupbuy/ent/layersnapshot"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// SnapshotStore computes and reads the daily snapshots.
type SnapshotStore struct{ db *sqldb.DB }

// NewSnapshotStore keeps snapshots in db.
func NewSnapshotStore(db *sqldb.DB) *SnapshotStore { return &SnapshotStore{db: db} }

// takeSQL computes a day's rows from the orders in one statement. paid are the orders paid
// before the end of the day and not refunded in full, numbered per shopper by payment (the
// first decides from_share); per sums them per shopper over the windows of layer.Bounds; bound
// is the binding that held at the end of the day. The CASE of layer is layer.Rules.Classify in
// its order of precedence, and r, f, m are layer.Rules.Scores.
//
// Parameters: $1 day, $2 end, $3 new since, $4 active since, $5 loyal since, $6 dormant since,
// $7 rfm since, $8-$11 recency since, $12 active min, $13 active max, $14 loyal min, $15-$18
// frequency cut points, $19-$22 monetary cut points.
const takeSQL = `
WITH paid AS (
	SELECT user_id, paid_at, amount - refunded AS net, share_key <> '' AS shared,
		ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY paid_at, id) AS nth
	FROM orders
	WHERE paid_at IS NOT NULL AND paid_at < $2 AND refunded < amount
), per AS (
	SELECT user_id, MIN(paid_at) AS first_paid_at, MAX(paid_at) AS last_paid_at,
		MAX(CASE WHEN nth = 1 AND shared THEN 1 ELSE 0 END) = 1 AS from_share,
		SUM(CASE WHEN paid_at >= $4 THEN 1 ELSE 0 END) AS orders_month,
		SUM(CASE WHEN paid_at >= $5 THEN 1 ELSE 0 END) AS orders_quarter,
		SUM(CASE WHEN paid_at >= $7 THEN 1 ELSE 0 END) AS orders_year,
		SUM(CASE WHEN paid_at >= $7 THEN net ELSE 0 END) AS spend_year
	FROM paid GROUP BY user_id
), bound AS (
	SELECT b.user_id, b.leader_id, l.grid_cell
	FROM leader_bindings b JOIN leaders l ON l.id = b.leader_id
	WHERE b.id IN (SELECT MAX(id) FROM leader_bindings
		WHERE bound_at < $2 AND (unbound_at IS NULL OR unbound_at >= $2) GROUP BY user_id)
)
INSERT INTO shopper_layers (day, user_id, layer, from_share, leader_id, grid_cell, first_paid_at,
	last_paid_at, orders_month, orders_quarter, orders_year, spend_year, r, f, m)
SELECT $1, p.user_id,
	CASE WHEN p.first_paid_at >= $3 THEN 'new'
		WHEN p.orders_quarter >= $14 THEN 'loyal'
		WHEN p.orders_month BETWEEN $12 AND $13 THEN 'active'
		WHEN p.last_paid_at < $6 THEN 'dormant'
		ELSE 'other' END,
	p.from_share, COALESCE(b.leader_id, 0), COALESCE(b.grid_cell, ''), p.first_paid_at, p.last_paid_at,
	p.orders_month, p.orders_quarter, p.orders_year, p.spend_year,
	CASE WHEN p.last_paid_at >= $8 THEN 5 WHEN p.last_paid_at >= $9 THEN 4
		WHEN p.last_paid_at >= $10 THEN 3 WHEN p.last_paid_at >= $11 THEN 2 ELSE 1 END,
	1 + (CASE WHEN p.orders_year >= $15 THEN 1 ELSE 0 END) + (CASE WHEN p.orders_year >= $16 THEN 1 ELSE 0 END)
		+ (CASE WHEN p.orders_year >= $17 THEN 1 ELSE 0 END) + (CASE WHEN p.orders_year >= $18 THEN 1 ELSE 0 END),
	1 + (CASE WHEN p.spend_year >= $19 THEN 1 ELSE 0 END) + (CASE WHEN p.spend_year >= $20 THEN 1 ELSE 0 END)
		+ (CASE WHEN p.spend_year >= $21 THEN 1 ELSE 0 END) + (CASE WHEN p.spend_year >= $22 THEN 1 ELSE 0 END)
FROM per p LEFT JOIN bound b ON b.user_id = p.user_id`

func takeArgs(d layer.Day, r layer.Rules) []any {
	b := r.Bounds(d)
	args := []any{d.String(), b.End.UTC(), b.NewSince.UTC(), b.ActiveSince.UTC(), b.LoyalSince.UTC(),
		b.DormantSince.UTC(), b.RFMSince.UTC()}
	for _, t := range b.RecencySince {
		args = append(args, t.UTC())
	}
	args = append(args, r.ActiveMin, r.ActiveMax, r.LoyalMin)
	for _, n := range r.FrequencyOrders {
		args = append(args, n)
	}
	for _, n := range r.MonetaryFen {
		args = append(args, n)
	}
	return args
}

// Take replaces the day's rows in one transaction. The day's layer_snapshots row is written
// first: its row lock makes a second run of the same day wait for the first and then replace its
// rows, so concurrent runs end with one complete snapshot. Other days' rows are never touched.
func (s *SnapshotStore) Take(ctx context.Context, d layer.Day, r layer.Rules, at time.Time) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		_, err := s.db.Exec(ctx, `INSERT INTO layer_snapshots (day, rules, shoppers, taken_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (day) DO UPDATE SET rules = excluded.rules, taken_at = excluded.taken_at`,
			d.String(), r.String(), at.UTC())
		if err != nil {
			return fmt.Errorf("lock the snapshot of %s: %w", d, err)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM shopper_layers WHERE day = $1`, d.String()); err != nil {
			return fmt.Errorf("drop the earlier snapshot of %s: %w", d, err)
		}
		if n, err = s.db.Exec(ctx, takeSQL, takeArgs(d, r)...); err != nil {
			return fmt.Errorf("compute the snapshot of %s: %w", d, err)
		}
		_, err = s.db.Exec(ctx, `UPDATE layer_snapshots SET shoppers = $1 WHERE day = $2`, n, d.String())
		return err
	})
	return int(n), err
}

// Info reads a day's snapshot.
func (s *SnapshotStore) Info(ctx context.Context, day string) (*layer.SnapshotInfo, error) {
	row, err := s.db.Client(ctx).LayerSnapshot.Query().Where(entsnap.Day(day)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "snapshot of "+day)
	}
	return toInfo(row), nil
}

// Days lists the latest snapshots, newest first.
func (s *SnapshotStore) Days(ctx context.Context, limit int) ([]layer.SnapshotInfo, error) {
	rows, err := s.db.Client(ctx).LayerSnapshot.Query().Order(ent.Desc(entsnap.FieldDay)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list snapshots")
	}
	out := make([]layer.SnapshotInfo, len(rows))
	for i, row := range rows {
		out[i] = *toInfo(row)
	}
	return out, nil
}

func toInfo(row *ent.LayerSnapshot) *layer.SnapshotInfo {
	return &layer.SnapshotInfo{Day: row.Day, Rules: row.Rules, Shoppers: row.Shoppers, TakenAt: row.TakenAt.UTC()}
}

// Counts groups a day's rows by grid, leader and layer.
func (s *SnapshotStore) Counts(ctx context.Context, day, grid string) ([]layer.Count, error) {
	var out []layer.Count
	err := s.db.Query(ctx, `SELECT grid_cell, leader_id, layer, COUNT(*) FROM shopper_layers
		WHERE day = $1 AND ($2 = '' OR grid_cell = $2)
		GROUP BY grid_cell, leader_id, layer ORDER BY grid_cell, leader_id, layer`,
		[]any{day, grid}, func(rows *sql.Rows) error {
			var c layer.Count
			if err := rows.Scan(&c.Grid, &c.LeaderID, &c.Layer, &c.Shoppers); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("layer counts of %s: %w", day, err)
	}
	return out, nil
}

// Audience reads one layer of one grid over the (day, grid_cell, layer, user_id) index.
func (s *SnapshotStore) Audience(ctx context.Context, day string, l layer.Layer, grid string, limit int) ([]int64, error) {
	var out []int64
	err := s.db.Query(ctx, `SELECT user_id FROM shopper_layers WHERE day = $1 AND grid_cell = $2 AND layer = $3
		ORDER BY user_id LIMIT $4`, []any{day, grid, string(l), limit}, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audience %s/%s/%s: %w", day, grid, l, err)
	}
	return out, nil
}

// Shoppers pages through a day's rows by user id.
func (s *SnapshotStore) Shoppers(ctx context.Context, day string, afterID int64, limit int) ([]layer.Shopper, error) {
	var out []layer.Shopper
	err := s.db.Query(ctx, `SELECT user_id, layer, leader_id, grid_cell, from_share, first_paid_at, last_paid_at,
		orders_month, orders_quarter, orders_year, spend_year, r, f, m
		FROM shopper_layers WHERE day = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,
		[]any{day, afterID, limit}, func(rows *sql.Rows) error {
			var v layer.Shopper
			if err := rows.Scan(&v.UserID, &v.Layer, &v.LeaderID, &v.Grid, &v.FromShare, &v.FirstPaidAt,
				&v.LastPaidAt, &v.OrdersMonth, &v.OrdersQuarter, &v.OrdersYear, &v.SpendYear, &v.R, &v.F, &v.M); err != nil {
				return err
			}
			v.FirstPaidAt, v.LastPaidAt = v.FirstPaidAt.UTC(), v.LastPaidAt.UTC()
			out = append(out, v)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("shoppers of %s: %w", day, err)
	}
	return out, nil
}

var _ layer.SnapshotRepo = (*SnapshotStore)(nil)
