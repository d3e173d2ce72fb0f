package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	h3 "github.com/uber/h3-go/v4"
)

// TestMinSeparationHolds measures the true closest approach of every cell to its ring-2 cells
// (the closest non-neighbours) where H3 is most distorted, around all twelve pentagons, and at
// random places, and checks it never falls below the bound without its safety margin.
func TestMinSeparationHolds(t *testing.T) {
	for _, res := range []int{5, 7, 9} {
		bound := minSeparation(res) / separationMargin
		worst, where := math.Inf(1), h3.Cell(0)
		for _, c := range separationSample(t, res) {
			if d := closestRing2(t, c); d < worst {
				worst, where = d, c
			}
		}
		edge, _ := h3.HexagonEdgeLengthAvgM(res)
		t.Logf("res %d: closest non-neighbours %.1f m (at %v), bound %.1f m, used %.1f m, average edge %.1f m",
			res, worst, where, bound, minSeparation(res), edge)
		if worst < bound {
			t.Errorf("res %d: cells %.3f m apart at %v, below the bound %.3f m", res, worst, where, bound)
		}
	}
}

// TestRing2CanBeCloserThanWidth documents why the bound is one edge and not one cell width:
// somewhere a ring-2 cell comes closer than the edge-to-edge width of a hexagon.
func TestRing2CanBeCloserThanWidth(t *testing.T) {
	c, _ := h3.LatLngToCell(h3.LatLng{Lat: 31.23, Lng: 121.47}, 9)
	edge, _ := h3.HexagonEdgeLengthAvgM(9)
	d := closestRing2(t, c)
	t.Logf("Shanghai res 9: closest ring-2 cell %.1f m, average edge %.1f m, width %.1f m", d, edge, edge*math.Sqrt(3))
	if d > edge*math.Sqrt(3)*0.8 {
		t.Errorf("closest ring-2 cell %.1f m, expected about one edge (%.1f m)", d, edge)
	}
}

func separationSample(t *testing.T, res int) []h3.Cell {
	t.Helper()
	pents, err := h3.Pentagons(res)
	if err != nil {
		t.Fatal(err)
	}
	var cells []h3.Cell
	for _, p := range pents {
		disk, err := h3.GridDisk(p, 3)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, disk...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		ll := h3.LatLng{Lat: math.Asin(2*rng.Float64()-1) / degToRad, Lng: 360*rng.Float64() - 180}
		c, err := h3.LatLngToCell(ll, res)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, c)
	}
	return cells
}

// closestRing2 is the smallest distance in metres between cell c and any cell of its ring 2.
func closestRing2(t *testing.T, c h3.Cell) float64 {
	t.Helper()
	ring, err := h3.GridRing(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(1)
	for _, o := range ring {
		best = math.Min(best, polygonDistance(Cell(c).Boundary(), Cell(o).Boundary()))
	}
	return best
}

// polygonDistance is the distance between two disjoint spherical polygons: for disjoint
// polygons it is reached at a vertex of one and an edge of the other.
func polygonDistance(a, b []LatLng) float64 {
	best := math.Inf(1)
	for _, pair := range [2][2][]LatLng{{a, b}, {b, a}} {
		for _, v := range pair[0] {
			for i := range pair[1] {
				e0, e1 := pair[1][i], pair[1][(i+1)%len(pair[1])]
				best = math.Min(best, arcDistance(unit(v), unit(e0), unit(e1)))
			}
		}
	}
	return best * EarthRadiusMeters
}

type vec [3]float64

func unit(p LatLng) vec {
	lat, lng := p.Lat*degToRad, p.Lng*degToRad
	return vec{math.Cos(lat) * math.Cos(lng), math.Cos(lat) * math.Sin(lng), math.Sin(lat)}
}

func dot(a, b vec) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func norm(a vec) float64 { return math.Sqrt(dot(a, a)) }

func angle(a, b vec) float64 { return math.Atan2(norm(cross(a, b)), dot(a, b)) }

// arcDistance is the angle from p to the minor great-circle arc from a to b.
func arcDistance(p, a, b vec) float64 {
	n := cross(a, b)
	if l := norm(n); l > 0 {
		n = vec{n[0] / l, n[1] / l, n[2] / l}
		s := dot(p, n)
		q := vec{p[0] - s*n[0], p[1] - s*n[1], p[2] - s*n[2]}
		if dot(cross(a, q), n) >= 0 && dot(cross(q, b), n) >= 0 {
			return math.Asin(math.Min(1, math.Abs(s)))
		}
	}
	return math.Min(angle(p, a), angle(p, b))
}
