package console

import (
	"slices"
	"sort"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// The grids are paged by cell: every grid shows exactly once walking the pages, in order.
func TestGridsPageWalksEveryGridOnce(t *testing.T) {
	var gs []*leader.Grid
	for i := range gridsPerPage*2 + 5 {
		c, err := geo.CellAt(geo.LatLng{Lat: 31.0 + float64(i)*0.01, Lng: 121.4}, 8)
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, &leader.Grid{Cell: c})
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].Cell.String() < gs[j].Cell.String() })
	var seen []string
	after, pages := "", 0
	for {
		page, next := gridsPage(gs, after)
		pages++
		if len(page) > gridsPerPage {
			t.Fatalf("page %d has %d grids", pages, len(page))
		}
		for _, g := range page {
			seen = append(seen, g.Cell.String())
		}
		if next == "" {
			break
		}
		after = next
	}
	want := make([]string, len(gs))
	for i, g := range gs {
		want[i] = g.Cell.String()
	}
	if pages != 3 || !slices.Equal(seen, want) {
		t.Errorf("%d pages; walked %d grids of %d, in order: %v", pages, len(seen), len(want), slices.Equal(seen, want))
	}
}
