package leaderstore

import (
	"context"

	"github.com/groupbuy/groupbuy/ent/grid"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

type gridNames struct{ data *sqldb.DB }

// NewGridNames tells batches which cells ops named as grids.
func NewGridNames(data *sqldb.DB) presale.Grids { return &gridNames{data: data} }

func (g *gridNames) Exists(ctx context.Context, cell geo.Cell) (bool, error) {
	ok, err := g.data.Client(ctx).Grid.Query().Where(grid.ID(cell.String())).Exist(ctx)
	return ok, sqldb.Err(err, "grid "+cell.String())
}
