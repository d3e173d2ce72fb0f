package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	h3 "github.com/uber/h3-go/v4"
)

// Resolutions used by groupbuy; callers may pass others.
const (
	// DefaultGridRes is the operations grid (网格): hexagons of about 5 km².
	DefaultGridRes = 7
	// DefaultPickupRes is what every pickup point is indexed at: about 0.1 km².
	DefaultPickupRes = 9
)

var (
	// ErrInvalidCell is returned for strings and values that are not H3 cell indexes.
	ErrInvalidCell = errors.New("geo: invalid H3 cell")
	// ErrInvalidResolution is returned for resolutions outside 0..15 or finer than a cell.
	ErrInvalidResolution = errors.New("geo: invalid H3 resolution")
)

// Cell is an H3 cell index. Its text form is the 15-digit lowercase hex H3 string, e.g.
// "87309b62dffffff"; as an integer it always fits in an int64 (the top bit is zero).
type Cell uint64

// CellAt is the cell of resolution res containing p.
func CellAt(p LatLng, res int) (Cell, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := checkRes(res); err != nil {
		return 0, err
	}
	c, err := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, res)
	if err != nil {
		return 0, fmt.Errorf("geo: h3 cell of %v at res %d: %w", p, res, err)
	}
	return Cell(c), nil
}

// ParseCell parses the 15-hex-digit H3 form (either case). Anything else, including a "0x"
// prefix or a syntactically fine but invalid index, is ErrInvalidCell.
func ParseCell(s string) (Cell, error) {
	if len(s) != 15 {
		return 0, fmt.Errorf("%w: %q", ErrInvalidCell, s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil || !h3.Cell(v).IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrInvalidCell, s)
	}
	return Cell(v), nil
}

// IsZero reports whether c is the zero Cell (no cell, e.g. an unset optional one).
func (c Cell) IsZero() bool { return c == 0 }

// Valid reports whether c is a valid H3 cell (hexagon or pentagon).
func (c Cell) Valid() bool { return h3.Cell(c).IsValid() }

// String is the H3 text form.
func (c Cell) String() string { return strconv.FormatUint(uint64(c), 16) }

// MarshalText implements encoding.TextMarshaler, so cells are JSON strings.
func (c Cell) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseCell's rules.
func (c *Cell) UnmarshalText(b []byte) error {
	v, err := ParseCell(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Resolution of the cell, 0..15.
func (c Cell) Resolution() int { return h3.Cell(c).Resolution() }

// Parent is the ancestor at resolution res (res ≤ c.Resolution(); res == c.Resolution() is c).
func (c Cell) Parent(res int) (Cell, error) {
	if !c.Valid() {
		return 0, fmt.Errorf("%w: %s", ErrInvalidCell, c)
	}
	if err := checkRes(res); err != nil || res > c.Resolution() {
		return 0, fmt.Errorf("%w: parent res %d of %s (res %d)", ErrInvalidResolution, res, c, c.Resolution())
	}
	p, err := h3.Cell(c).Parent(res)
	if err != nil {
		return 0, fmt.Errorf("geo: h3 parent of %s: %w", c, err)
	}
	return Cell(p), nil
}

// Center is the cell's centre point; the zero LatLng for an invalid cell.
func (c Cell) Center() LatLng {
	if !c.Valid() {
		return LatLng{}
	}
	ll, err := h3.CellToLatLng(h3.Cell(c))
	if err != nil {
		return LatLng{}
	}
	return LatLng{Lat: ll.Lat, Lng: ll.Lng}
}

// Boundary is the cell's polygon, counter-clockwise and not closed (the first vertex is not
// repeated): 6 vertices for a hexagon, 5 for a pentagon, up to 10 where a cell crosses an
// icosahedron edge. Nil for an invalid cell.
func (c Cell) Boundary() []LatLng {
	if !c.Valid() {
		return nil
	}
	b, err := h3.CellToBoundary(h3.Cell(c))
	if err != nil {
		return nil
	}
	out := make([]LatLng, len(b))
	for i, v := range b {
		out[i] = LatLng{Lat: v.Lat, Lng: v.Lng}
	}
	return out
}

func checkRes(res int) error {
	if res < 0 || res > h3.MaxResolution {
		return fmt.Errorf("%w: %d", ErrInvalidResolution, res)
	}
	return nil
}

// Constants of the separation bound; the argument is in the package documentation.
const (
	// res0UnitGnomonic is H3's RES0_U_GNOMONIC: the res-0 centre spacing on the tangent plane
	// of an icosahedron face, unit sphere.
	res0UnitGnomonic = 0.38196601125010500003
	// cosFaceRadius is cos(37.3774°), the angle from an icosahedron face centre to its
	// vertices: the inradius over the circumradius of a regular icosahedron.
	cosFaceRadius = 0.7946544722917662
	// separationMargin absorbs rounding and any slack in the argument.
	separationMargin = 0.9
)

// minSeparation is h(res), in metres: no two H3 cells of resolution res that are not
// neighbours come closer than this. Planar edge length u/√3, shrunk by the worst gnomonic
// scale cos²θ, times the margin.
func minSeparation(res int) float64 {
	u := res0UnitGnomonic * math.Pow(7, -float64(res)/2)
	return separationMargin * cosFaceRadius * cosFaceRadius * u / math.Sqrt(3) * EarthRadiusMeters
}
