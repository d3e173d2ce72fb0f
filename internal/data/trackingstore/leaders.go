package trackingstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Leaders attributes events to leaders through the leaders' owner.
type Leaders struct{ data *sqldb.DB }

// NewLeaders reads leaders and bindings in data.
func NewLeaders(data *sqldb.DB) *Leaders { return &Leaders{data: data} }

// Attribution reads the shopper's bound leader as checkout does, but keeps it whether it serves
// or not: a paused leader's shoppers still visit, and their visits are its grid's. Leaders named
// are read only when there are any (a shared link's).
func (l *Leaders) Attribution(ctx context.Context, userID int64, named []int64) (int64, string, map[int64]string, error) {
	bound, grid, _, err := leaderstore.BoundLeader(ctx, l.data, userID)
	if errors.Is(err, bizerr.ErrNotFound) {
		bound, grid, err = 0, "", nil
	}
	if err != nil {
		return 0, "", nil, err
	}
	grids := map[int64]string{}
	if bound != 0 {
		grids[bound] = grid
	}
	var unknown []int64
	for _, id := range named {
		if _, ok := grids[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return bound, grid, grids, nil
	}
	cells, err := leaderstore.GridsOf(ctx, l.data, unknown)
	if err != nil {
		return 0, "", nil, fmt.Errorf("leaders named by events: %w", err)
	}
	for id, cell := range cells {
		grids[id] = cell
	}
	return bound, grid, grids, nil
}
