package console

import (
	"net/http"
	"sort"
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

// gridsPerPage bounds the grids drawn on one page: each is an SVG, and a city has hundreds.
const gridsPerPage = 48

// gridsData is a page of the named grids in cell order, each with its H3 boundary as an inline
// SVG computed here (no map tiles, nothing fetched) and, for ops, a switch to serve it or not.
// After and Next are the keyset: the last cell of the previous page and of this one.
type gridsData struct {
	Grids   []gridRow
	Box     svgBox
	CanSave bool
	Error   string
	After   string
	Next    string
}

func (c *Console) gridsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showGrids(w, r, rc, http.StatusOK, &gridsData{After: r.URL.Query().Get("after")})
}

func (c *Console) showGrids(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *gridsData) {
	gs, err := c.deps.Leaders.Grids(r.Context())
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Box, d.CanSave = gridBox, c.may(rc.p, saveGridRoute)
	gs, d.Next = gridsPage(gs, d.After)
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

// gridsPage is the page of gs (in cell order, as the use case lists them) after cell after, and
// the last cell shown when more follow. The list is one read of a few hundred rows; what costs
// is drawing them, so the page is cut here.
func gridsPage(gs []*leader.Grid, after string) (page []*leader.Grid, next string) {
	i := sort.Search(len(gs), func(i int) bool { return gs[i].Cell.String() > after })
	gs = gs[i:]
	if len(gs) > gridsPerPage {
		gs = gs[:gridsPerPage]
		next = gs[len(gs)-1].Cell.String()
	}
	return gs, next
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
