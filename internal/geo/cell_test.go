package geo

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	h3 "github.com/uber/h3-go/v4"
)

var shanghai = LatLng{Lat: 31.2304, Lng: 121.4737}

func TestCellAtRejects(t *testing.T) {
	if _, err := CellAt(LatLng{91, 0}, 9); !errors.Is(err, ErrInvalidCoordinate) {
		t.Errorf("bad coordinate: %v", err)
	}
	for _, res := range []int{-1, 16} {
		if _, err := CellAt(shanghai, res); !errors.Is(err, ErrInvalidResolution) {
			t.Errorf("res %d: %v", res, err)
		}
	}
}

func TestParseCellRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 500 {
		p := randomGlobal(rng)
		res := i % 16
		c, err := CellAt(p, res)
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		if len(s) != 15 || c.Resolution() != res || c.IsZero() || !c.Valid() {
			t.Fatalf("%v res %d: %q res %d", p, res, s, c.Resolution())
		}
		for _, in := range []string{s, strings.ToUpper(s)} {
			if back, err := ParseCell(in); err != nil || back != c {
				t.Fatalf("ParseCell(%q) = %v, %v; want %v", in, back, err, c)
			}
		}
	}
}

func TestParseCellRejects(t *testing.T) {
	for _, s := range []string{
		"", "0", "87309b62dffffff0", "0x87309b62dffff", " 87309b62dfffff", "87309b62dfffffg",
		"+87309b62dfffff", "fffffffffffffff", "000000000000000", "8f309b62dffffff",
	} {
		if _, err := ParseCell(s); !errors.Is(err, ErrInvalidCell) {
			t.Errorf("ParseCell(%q): %v, want ErrInvalidCell", s, err)
		}
	}
}

func TestCellJSON(t *testing.T) {
	c, _ := CellAt(shanghai, DefaultGridRes)
	b, err := json.Marshal(map[string]Cell{"grid": c})
	if err != nil || string(b) != `{"grid":"`+c.String()+`"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var back map[string]Cell
	if err := json.Unmarshal(b, &back); err != nil || back["grid"] != c {
		t.Fatalf("unmarshal: %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`"nonsense"`), new(Cell)); !errors.Is(err, ErrInvalidCell) {
		t.Errorf("unmarshal nonsense: %v", err)
	}
}

func TestParent(t *testing.T) {
	c9, _ := CellAt(shanghai, DefaultPickupRes)
	c7, err := c9.Parent(DefaultGridRes)
	if err != nil || c7.Resolution() != DefaultGridRes {
		t.Fatalf("parent: %v, %v", c7, err)
	}
	c8, _ := c9.Parent(8)
	if via, _ := c8.Parent(7); via != c7 {
		t.Errorf("parent of parent %v, direct %v", via, c7)
	}
	if self, _ := c9.Parent(9); self != c9 {
		t.Errorf("parent at own resolution %v, want %v", self, c9)
	}
	if _, err := c7.Parent(9); !errors.Is(err, ErrInvalidResolution) {
		t.Errorf("finer parent: %v", err)
	}
	if _, err := Cell(12345).Parent(3); !errors.Is(err, ErrInvalidCell) {
		t.Errorf("invalid cell: %v", err)
	}
}

// TestBoundaryEnclosesCentre checks, for ordinary cells, pentagons, and cells on the
// antimeridian and at the poles, that the polygon winds once around the centre, that the
// centre maps back to the cell, and that a point just inside each vertex is in the cell.
func TestBoundaryEnclosesCentre(t *testing.T) {
	pents, _ := h3.Pentagons(DefaultPickupRes)
	cells := []Cell{Cell(pents[0]), Cell(pents[7])}
	for _, p := range []LatLng{shanghai, {0, 180}, {-33.9, -180}, {89.9999, 0}, {-90, 0}} {
		for _, res := range []int{0, DefaultGridRes, DefaultPickupRes, 15} {
			c, _ := CellAt(p, res)
			cells = append(cells, c)
		}
	}
	for _, c := range cells {
		centre, poly := c.Center(), c.Boundary()
		want := 6
		if h3.Cell(c).IsPentagon() {
			want = 5
		}
		if len(poly) < want || len(poly) > 10 {
			t.Errorf("%v: %d vertices, want %d..10", c, len(poly), want)
		}
		if back, _ := CellAt(centre, c.Resolution()); back != c {
			t.Errorf("%v: centre %v is in %v", c, centre, back)
		}
		if w := winding(centre, poly); math.Abs(math.Abs(w)-2*math.Pi) > 1e-6 {
			t.Errorf("%v: boundary winds %.6f rad around the centre, want ±2π", c, w)
		}
		for _, v := range poly {
			if in, _ := CellAt(towards(v, centre, 0.01), c.Resolution()); in != c {
				t.Errorf("%v: point just inside vertex %v is in %v", c, v, in)
			}
		}
	}
}

func TestInvalidCellGeometry(t *testing.T) {
	if Cell(1).Boundary() != nil || Cell(1).Center() != (LatLng{}) || Cell(1).Valid() {
		t.Error("an invalid cell has geometry")
	}
}

// winding sums the signed angles the polygon's edges subtend at centre, in the tangent plane.
func winding(centre LatLng, poly []LatLng) float64 {
	c := unit(centre)
	total := 0.0
	for i := range poly {
		a, b := unit(poly[i]), unit(poly[(i+1)%len(poly)])
		ta, tb := tangent(c, a), tangent(c, b)
		total += math.Atan2(dot(cross(ta, tb), c), dot(ta, tb))
	}
	return total
}

// tangent is the component of v perpendicular to c.
func tangent(c, v vec) vec {
	d := dot(c, v)
	return vec{v[0] - d*c[0], v[1] - d*c[1], v[2] - d*c[2]}
}

// towards moves v a fraction f of the way to c along the chord, back on the sphere.
func towards(v, c LatLng, f float64) LatLng {
	a, b := unit(v), unit(c)
	m := vec{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1]), a[2] + f*(b[2]-a[2])}
	l := norm(m)
	return LatLng{Lat: math.Asin(m[2]/l) / degToRad, Lng: math.Atan2(m[1], m[0]) / degToRad}
}

func randomGlobal(rng *rand.Rand) LatLng {
	return LatLng{Lat: math.Asin(2*rng.Float64()-1) / degToRad, Lng: 360*rng.Float64() - 180}
}
