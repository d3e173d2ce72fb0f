package orderstore

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// dispatchWhere picks a batch's orders in the statuses ($1 the batch), of one grid ($2) when
// grid is set: the index on (batch_id, grid_cell, leader_id, status) serves either.
func dispatchWhere(batchID int64, grid string, statuses []order.Status) (string, []any, error) {
	in, err := statusList(statuses)
	if err != nil {
		return "", nil, err
	}
	if grid == "" {
		return "o.batch_id = $1 AND o.status IN " + in, []any{batchID}, nil
	}
	return "o.batch_id = $1 AND o.grid_cell = $2 AND o.status IN " + in, []any{batchID, grid}, nil
}

// DispatchRows sums in the database: one GROUP BY for the quantities, one for the order counts,
// then one query each for the points and the grids involved.
func (r *pickupRepo) DispatchRows(ctx context.Context, batchID int64, grid string, statuses []order.Status) (*order.DispatchRows, error) {
	what := fmt.Sprintf("dispatch list of batch %d", batchID)
	where, args, err := dispatchWhere(batchID, grid, statuses)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := &order.DispatchRows{Stops: map[int64]order.Point{}, Grids: map[string]order.GridInfo{}}
	err = r.scan(ctx, `SELECT o.grid_cell, o.leader_id, l.item_id, CAST(SUM(l.quantity - l.refunded_quantity) AS BIGINT)
FROM orders o JOIN order_lines l ON l.order_id = o.id
WHERE `+where+`
GROUP BY o.grid_cell, o.leader_id, l.item_id
ORDER BY o.grid_cell, o.leader_id, l.item_id`, args, func(rows interface{ Scan(...any) error }) error {
		var s order.StopLine
		if err := rows.Scan(&s.Grid, &s.LeaderID, &s.ItemID, &s.Qty); err != nil {
			return err
		}
		out.Lines = append(out.Lines, s)
		return nil
	})
	if err != nil {
		return nil, sqldb.Err(err, what)
	}
	var ids []int64
	var cells []string
	seen := map[string]bool{}
	err = r.scan(ctx, `SELECT o.grid_cell, o.leader_id, COUNT(*) FROM orders o
WHERE `+where+`
GROUP BY o.grid_cell, o.leader_id ORDER BY o.grid_cell, o.leader_id`, args, func(rows interface{ Scan(...any) error }) error {
		var s order.StopOrders
		if err := rows.Scan(&s.Grid, &s.LeaderID, &s.Orders); err != nil {
			return err
		}
		out.Orders = append(out.Orders, s)
		ids = append(ids, s.LeaderID)
		if !seen[s.Grid] {
			seen[s.Grid] = true
			cells = append(cells, s.Grid)
		}
		return nil
	})
	if err != nil {
		return nil, sqldb.Err(err, what)
	}
	if len(ids) == 0 {
		return out, nil
	}
	points, err := leaderstore.Points(ctx, r.data, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for id, p := range points {
		out.Stops[id] = order.Point{Name: p.Name, Address: p.Address}
	}
	infos, err := r.gridInfos(ctx, cells)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out.Grids = infos
	return out, nil
}

// DispatchRoutes counts per grid in one GROUP BY, then reads the grids involved.
func (r *pickupRepo) DispatchRoutes(ctx context.Context, batchID int64, statuses []order.Status) ([]order.DispatchRoute, error) {
	what := fmt.Sprintf("routes of batch %d", batchID)
	where, args, err := dispatchWhere(batchID, "", statuses)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []order.DispatchRoute
	var cells []string
	err = r.scan(ctx, `SELECT o.grid_cell, COUNT(DISTINCT o.leader_id), COUNT(*) FROM orders o
WHERE `+where+`
GROUP BY o.grid_cell ORDER BY o.grid_cell`, args, func(rows interface{ Scan(...any) error }) error {
		var d order.DispatchRoute
		if err := rows.Scan(&d.Cell, &d.Stops, &d.Orders); err != nil {
			return err
		}
		out = append(out, d)
		cells = append(cells, d.Cell)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, sqldb.Err(err, what)
	}
	infos, err := r.gridInfos(ctx, cells)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i := range out {
		out[i].GridInfo = infos[out[i].Cell]
	}
	return out, nil
}

// gridInfos reads the grids' names and labels from their owner, by cell.
func (r *pickupRepo) gridInfos(ctx context.Context, cells []string) (map[string]order.GridInfo, error) {
	grids, err := leaderstore.Grids(ctx, r.data, cells)
	if err != nil {
		return nil, err
	}
	out := make(map[string]order.GridInfo, len(grids))
	for _, g := range grids {
		out[g.ID] = order.GridInfo{Name: g.Name, RouteLabel: g.RouteLabel, StationLabel: g.StationLabel}
	}
	return out, nil
}
