package leaderstore

import (
	"context"
	"database/sql"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entgrid "github.com/groupbuy/groupbuy/ent/grid"
	entleader "github.com/groupbuy/groupbuy/ent/leader"
	"github.com/groupbuy/groupbuy/ent/leaderbinding"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// LockLeaders locks the leaders of ids in id order (so two lockers never deadlock) for ctx's
// transaction. SQLite transactions are BEGIN IMMEDIATE: one writer at a time already.
func LockLeaders(ctx context.Context, db *sqldb.DB, ids []int64) error {
	if len(ids) == 0 || !db.Postgres() {
		return nil
	}
	err := db.Query(ctx, `SELECT id FROM leaders WHERE id IN (`+sqldb.List(1, len(ids))+`) ORDER BY id `+db.ForUpdate(),
		sqldb.Args(ids), func(*sql.Rows) error { return nil })
	if err != nil {
		return fmt.Errorf("lock leaders: %w", err)
	}
	return nil
}

// UserIDs maps each leader of ids to its user.
func UserIDs(ctx context.Context, db *sqldb.DB, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	err := db.Query(ctx, `SELECT id, user_id FROM leaders WHERE id IN (`+sqldb.List(1, len(ids))+`)`, sqldb.Args(ids),
		func(r *sql.Rows) error {
			var id, user int64
			err := r.Scan(&id, &user)
			out[id] = user
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("users of leaders: %w", err)
	}
	return out, nil
}

// BoundLeader reads the shopper's current binding and its leader in one query: the leader, its
// grid and whether it serves (approved and not paused); bizerr.ErrNotFound when unbound.
func BoundLeader(ctx context.Context, db *sqldb.DB, userID int64) (id int64, grid string, serving bool, err error) {
	row, err := db.Client(ctx).Leader.Query().
		Where(func(s *entsql.Selector) {
			t := entsql.Table(leaderbinding.Table)
			s.Where(entsql.In(s.C(entleader.FieldID), entsql.Select(t.C(leaderbinding.FieldLeaderID)).From(t).
				Where(entsql.And(entsql.EQ(t.C(leaderbinding.FieldUserID), userID), entsql.IsNull(t.C(leaderbinding.FieldUnboundAt))))))
		}).
		Select(entleader.FieldID, entleader.FieldGridCell, entleader.FieldStatus, entleader.FieldPaused).
		Only(ctx)
	if err != nil {
		return 0, "", false, sqldb.Err(err, fmt.Sprintf("leader of user %d", userID))
	}
	return int64(row.ID), row.GridCell, row.Status == entleader.StatusApproved && !row.Paused, nil
}

// GridsOf maps each existing leader of ids to its grid cell.
func GridsOf(ctx context.Context, db *sqldb.DB, ids []int64) (map[int64]string, error) {
	rows, err := db.Client(ctx).Leader.Query().Where(entleader.IDIn(sqldb.IDs(ids)...)).
		Select(entleader.FieldID, entleader.FieldGridCell).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "grids of leaders")
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[int64(r.ID)] = r.GridCell
	}
	return out, nil
}

// Point is a leader's pickup point as a dispatch list prints it.
type Point struct{ Name, Address string }

// Points reads the pickup points of the leaders of ids.
func Points(ctx context.Context, db *sqldb.DB, ids []int64) (map[int64]Point, error) {
	rows, err := db.Client(ctx).Leader.Query().Where(entleader.IDIn(sqldb.IDs(ids)...)).
		Select(entleader.FieldID, entleader.FieldPointName, entleader.FieldAddress).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "pickup points")
	}
	out := make(map[int64]Point, len(rows))
	for _, p := range rows {
		out[int64(p.ID)] = Point{Name: p.PointName, Address: p.Address}
	}
	return out, nil
}

// Grids reads the grids of cells.
func Grids(ctx context.Context, db *sqldb.DB, cells []string) ([]*ent.Grid, error) {
	rows, err := db.Client(ctx).Grid.Query().Where(entgrid.IDIn(cells...)).All(ctx)
	return rows, sqldb.Err(err, "grids")
}
