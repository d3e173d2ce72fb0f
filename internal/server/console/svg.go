package console

import (
	"math"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/geo"
)

// svgBox is the size of a grid's drawing, in SVG user units.
type svgBox struct{ W, H, Pad float64 }

// gridBox is the box every grid is drawn in on the grids page.
var gridBox = svgBox{W: 120, H: 120, Pad: 6}

// project draws a polygon of lat/lng vertices into box: an equirectangular projection about
// the polygon's mean latitude (a degree of longitude is cos(lat) of a degree of latitude, which
// is true enough over one grid cell), scaled to fit inside the padding with its aspect kept,
// centred, north up. It returns the polygon's "points" attribute; "" for no vertices.
func project(vs []geo.LatLng, box svgBox) string {
	if len(vs) == 0 {
		return ""
	}
	var meanLat float64
	for _, v := range vs {
		meanLat += v.Lat
	}
	k := math.Cos(meanLat / float64(len(vs)) * math.Pi / 180)
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		x, y := v.Lng*k, v.Lat
		minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
	}
	spanX, spanY := maxX-minX, maxY-minY
	scale := 0.0 // one point, or all on one spot: drawn at the centre
	if span := math.Max(spanX, spanY); span > 0 {
		scale = math.Min((box.W-2*box.Pad)/math.Max(spanX, 1e-12), (box.H-2*box.Pad)/math.Max(spanY, 1e-12))
	}
	offX, offY := (box.W-spanX*scale)/2, (box.H-spanY*scale)/2
	pts := make([]string, len(vs))
	for i, v := range vs {
		x := offX + (v.Lng*k-minX)*scale
		y := offY + (maxY-v.Lat)*scale // SVG's y grows downwards: north is up
		pts[i] = num(x) + "," + num(y)
	}
	return strings.Join(pts, " ")
}

// num writes a coordinate with two decimals, enough for a drawing a few hundred units wide.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
