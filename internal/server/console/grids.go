package console

import (
	"net/http"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/leader"
)

const (
	gridsPath     = "/console/ops/grids"
	saveGridRoute = "POST " + gridsPath + "/{cell}"
)

// gridRow is a grid with its boundary drawn: the polygon's points in gridBox.
type gridRow struct {
	*leader.Grid
	Points string
}

// gridsData is the named grids, each with its H3 boundary as an inline SVG computed here (no
// map tiles, nothing fetched) and, for ops, a switch to serve it or not.
type gridsData struct {
	Grids   []gridRow
	Box     svgBox
	CanSave bool
	Error   string
}

func (c *Console) gridsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showGrids(w, r, rc, http.StatusOK, &gridsData{})
}

func (c *Console) showGrids(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *gridsData) {
	gs, err := c.deps.Leaders.Grids(r.Context())
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Box, d.CanSave = gridBox, c.may(rc.p, saveGridRoute)
	for _, g := range gs {
		vs, err := c.deps.Leaders.Boundary(g.Cell.String())
		if err != nil {
			c.internal(w, r, rc, err)
			return
		}
		d.Grids = append(d.Grids, gridRow{Grid: g, Points: project(vs, gridBox)})
	}
	c.render(w, r, status, "grids", c.frame(rc, "grids.heading", gridsPath), d)
}

// saveGrid serves a grid or stops serving it, keeping its name and labels (the API's SaveGrid,
// which sets them all).
func (c *Console) saveGrid(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	_, err := c.deps.Leaders.SaveGrid(r.Context(), r.PathValue("cell"), leader.GridEdit{
		Name: strings.TrimSpace(r.PostFormValue("name")), Serving: r.PostFormValue("serving") == "true",
		RouteLabel: strings.TrimSpace(r.PostFormValue("route_label")), StationLabel: strings.TrimSpace(r.PostFormValue("station_label"))})
	if err == nil {
		opsRedirect(w, r, gridsPath)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	c.showGrids(w, r, rc, status, &gridsData{Error: text})
}
