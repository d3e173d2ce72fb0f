package leaderstore

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/ent"
	entgrid "github.com/groupbuy/groupbuy/ent/grid"
	entleader "github.com/groupbuy/groupbuy/ent/leader"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

type gridRepo struct{ data *sqldb.DB }

// NewGridRepo stores grids.
func NewGridRepo(data *sqldb.DB) leader.GridRepo { return &gridRepo{data: data} }

func (r *gridRepo) Upsert(ctx context.Context, g *leader.Grid) (*leader.Grid, error) {
	err := r.data.Client(ctx).Grid.Create().
		SetID(g.Cell.String()).
		SetName(g.Name).
		SetServing(g.Serving).
		SetRouteLabel(g.RouteLabel).
		SetStationLabel(g.StationLabel).
		OnConflictColumns(entgrid.FieldID).
		UpdateNewValues().
		Exec(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("save grid %s", g.Cell))
	}
	return r.Get(ctx, g.Cell)
}

func (r *gridRepo) Get(ctx context.Context, cell geo.Cell) (*leader.Grid, error) {
	row, err := r.data.Client(ctx).Grid.Get(ctx, cell.String())
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get grid %s", cell))
	}
	return toGrid(row)
}

// List returns every named grid with its approved leaders counted in one grouped query.
func (r *gridRepo) List(ctx context.Context) ([]*leader.Grid, error) {
	c := r.data.Client(ctx)
	rows, err := c.Grid.Query().Order(ent.Asc(entgrid.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list grids")
	}
	var counts []struct {
		GridCell string `json:"grid_cell"`
		Count    int    `json:"count"`
	}
	err = c.Leader.Query().
		Where(entleader.StatusEQ(entleader.StatusApproved)).
		GroupBy(entleader.FieldGridCell).
		Aggregate(ent.Count()).
		Scan(ctx, &counts)
	if err != nil {
		return nil, sqldb.Err(err, "count leaders per grid")
	}
	byCell := make(map[string]int, len(counts))
	for _, c := range counts {
		byCell[c.GridCell] = c.Count
	}
	out := make([]*leader.Grid, len(rows))
	for i, row := range rows {
		if out[i], err = toGrid(row); err != nil {
			return nil, err
		}
		out[i].LeaderCount = byCell[row.ID]
	}
	return out, nil
}

func toGrid(row *ent.Grid) (*leader.Grid, error) {
	c, err := geo.ParseCell(row.ID)
	if err != nil {
		return nil, fmt.Errorf("grid row %q: %w", row.ID, err)
	}
	return &leader.Grid{Cell: c, Name: row.Name, Serving: row.Serving, RouteLabel: row.RouteLabel,
		StationLabel: row.StationLabel}, nil
}
