package console

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/geo"
)

func points(t *testing.T, attr string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, p := range strings.Fields(attr) {
		xy := strings.Split(p, ",")
		if len(xy) != 2 {
			t.Fatalf("point %q in %q", p, attr)
		}
		x, err1 := strconv.ParseFloat(xy[0], 64)
		y, err2 := strconv.ParseFloat(xy[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("point %q in %q", p, attr)
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

func TestProjectFitsAGridCellInTheBox(t *testing.T) {
	cell, err := geo.CellAt(geo.LatLng{Lat: 31.2304, Lng: 121.4737}, geo.DefaultGridRes)
	if err != nil {
		t.Fatal(err)
	}
	vs := cell.Boundary()
	box := svgBox{W: 200, H: 100, Pad: 10}
	pts := points(t, project(vs, box))
	if len(pts) != len(vs) || len(pts) < 6 {
		t.Fatalf("%d points for %d vertices", len(pts), len(vs))
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	const eps = 0.02
	if minX < box.Pad-eps || maxX > box.W-box.Pad+eps || minY < box.Pad-eps || maxY > box.H-box.Pad+eps {
		t.Errorf("drawing %.2f..%.2f × %.2f..%.2f leaves the padded box %+v", minX, maxX, minY, maxY, box)
	}
	// The box is wider than tall: the cell fills the height and is centred across.
	if h := maxY - minY; math.Abs(h-(box.H-2*box.Pad)) > eps {
		t.Errorf("height %.2f, want the padded height %.2f", h, box.H-2*box.Pad)
	}
	if mid := (minX + maxX) / 2; math.Abs(mid-box.W/2) > eps {
		t.Errorf("centre x %.2f, want %.2f", mid, box.W/2)
	}
	// A hexagon about 1:1 on the ground stays about 1:1 in the drawing (longitude is scaled
	// by cos(lat); without it the cell would be drawn ~17% wider at Shanghai's latitude).
	if ratio := (maxX - minX) / (maxY - minY); ratio < 0.8 || ratio > 1.25 {
		t.Errorf("aspect %.2f: the projection distorts the cell", ratio)
	}
}

func TestProjectKeepsNorthUpAndEastRight(t *testing.T) {
	// A square a kilometre across; its first vertex is the north-west corner.
	vs := []geo.LatLng{{Lat: 31.01, Lng: 121.0}, {Lat: 31.01, Lng: 121.01}, {Lat: 31.0, Lng: 121.01}, {Lat: 31.0, Lng: 121.0}}
	pts := points(t, project(vs, svgBox{W: 100, H: 100, Pad: 0}))
	nw, ne, se := pts[0], pts[1], pts[2]
	if nw[1] != 0 || se[1] != 100 {
		t.Errorf("north at y=%.2f, south at y=%.2f: want 0 and 100", nw[1], se[1])
	}
	if ne[0] <= nw[0] {
		t.Errorf("east x=%.2f is not right of west x=%.2f", ne[0], nw[0])
	}
	// 0.01° of longitude at 31° is cos(31°) of 0.01° of latitude.
	if w, want := ne[0]-nw[0], 100*math.Cos(31.005*math.Pi/180); math.Abs(w-want) > 0.05 {
		t.Errorf("width %.2f, want %.2f", w, want)
	}
}

func TestProjectDegenerate(t *testing.T) {
	if got := project(nil, gridBox); got != "" {
		t.Errorf("no vertices: %q", got)
	}
	got := project([]geo.LatLng{{Lat: 31, Lng: 121}, {Lat: 31, Lng: 121}}, svgBox{W: 50, H: 40})
	if got != "25.00,20.00 25.00,20.00" {
		t.Errorf("one spot: %q, want the centre", got)
	}
}
