package geo

import (
	"slices"
	"testing"

	h3 "github.com/uber/h3-go/v4"
)

// TestRingsMatchGridRing checks the walker, fast path and breadth-first fallback alike,
// against h3.GridRing: from pentagons, from cells a few steps off them (so the fallback
// starts mid-walk), and from ordinary cells.
func TestRingsMatchGridRing(t *testing.T) {
	fallbacks := 0
	for _, res := range []int{2, 5, DefaultPickupRes} {
		pents, _ := h3.Pentagons(res)
		origins := []h3.Cell{pents[0], pents[11]}
		for _, p := range pents[:4] {
			ring, _ := h3.GridRing(p, 3)
			origins = append(origins, ring[0])
		}
		c, _ := h3.LatLngToCell(h3.LatLng{Lat: shanghai.Lat, Lng: shanghai.Lng}, res)
		origins = append(origins, c)
		for _, o := range origins {
			var rs rings
			rs.start(o)
			for r := 1; r <= 12; r++ {
				got, err := rs.next()
				if err != nil {
					t.Fatal(err)
				}
				want, _ := h3.GridRing(o, r)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("res %d origin %v ring %d (fallback %v): %d cells, GridRing %d", res, o, r, rs.bfs, len(got), len(want))
				}
			}
			if rs.bfs {
				fallbacks++
			}
		}
	}
	if fallbacks < 3*6 {
		t.Errorf("only %d walks used the fallback; the pentagon cases should all have", fallbacks)
	}
}
