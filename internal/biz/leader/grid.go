package leader

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// GridEdit is what ops set on a grid.
type GridEdit struct {
	Name         string
	Serving      bool
	RouteLabel   string
	StationLabel string
}

// SaveGrid names a grid (an H3 cell at the grid resolution) or changes it.
func (uc *Usecase) SaveGrid(ctx context.Context, cell string, e GridEdit) (*Grid, error) {
	c, err := uc.gridCell(cell)
	if err != nil {
		return nil, err
	}
	if err := checkText("name", e.Name, 1, 64); err != nil {
		return nil, err
	}
	if len(e.RouteLabel) > 64 || len(e.StationLabel) > 64 {
		return nil, bizerr.Invalid("route_label", "route and station labels are at most 64 bytes")
	}
	return uc.grids.Upsert(ctx, &Grid{Cell: c, Name: e.Name, Serving: e.Serving,
		RouteLabel: e.RouteLabel, StationLabel: e.StationLabel})
}

// Grids lists the named grids with their approved leader counts.
func (uc *Usecase) Grids(ctx context.Context) ([]*Grid, error) { return uc.grids.List(ctx) }

// Locate tells which grid a location is in and whether it is served. A cell ops never named is
// returned unnamed and not served.
func (uc *Usecase) Locate(ctx context.Context, loc geo.LatLng) (*Grid, error) {
	if err := loc.Validate(); err != nil {
		return nil, bizerr.Invalid("location", err.Error())
	}
	c, err := geo.CellAt(loc, uc.cfg.GridRes)
	if err != nil {
		return nil, bizerr.Invalid("location", err.Error())
	}
	g, err := uc.grids.Get(ctx, c)
	if errors.Is(err, bizerr.ErrNotFound) {
		return &Grid{Cell: c}, nil
	}
	return g, err
}

// Boundary is the polygon of a grid cell, for a map.
func (uc *Usecase) Boundary(cell string) ([]geo.LatLng, error) {
	c, err := uc.gridCell(cell)
	if err != nil {
		return nil, err
	}
	return c.Boundary(), nil
}

func (uc *Usecase) gridCell(s string) (geo.Cell, error) {
	c, err := geo.ParseCell(s)
	if err != nil {
		return c, bizerr.Invalid("cell", err.Error())
	}
	if c.Resolution() != uc.cfg.GridRes {
		return c, bizerr.Invalid("cell", fmt.Sprintf("resolution %d, grids are resolution %d", c.Resolution(), uc.cfg.GridRes))
	}
	return c, nil
}
