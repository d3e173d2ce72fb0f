package geo_test

import (
	"fmt"

	"github.com/groupbuy/groupbuy/internal/geo"
)

func ExampleDistance() {
	peoplesSquare := geo.LatLng{Lat: 31.2317, Lng: 121.4726}
	lujiazui := geo.LatLng{Lat: 31.2335, Lng: 121.5055}
	fmt.Printf("%.0f m\n", geo.Distance(peoplesSquare, lujiazui))
	// Output: 3135 m
}

func ExampleCellAt() {
	p := geo.LatLng{Lat: 31.2304, Lng: 121.4737} // GCJ-02, as wx.getLocation returns it
	grid, _ := geo.CellAt(p, geo.DefaultGridRes)
	pickup, _ := geo.CellAt(p, geo.DefaultPickupRes)
	fmt.Println(grid, grid.Resolution())
	fmt.Println(pickup, pickup.Resolution())
	// Output:
	// 87309959dffffff 7
	// 89309959d73ffff 9
}

func ExampleIndex_NearestInto() {
	ix := geo.NewIndex(geo.DefaultPickupRes)
	_ = ix.Upsert(1, geo.LatLng{Lat: 31.2317, Lng: 121.4726})
	_ = ix.Upsert(2, geo.LatLng{Lat: 31.2335, Lng: 121.5055})
	_ = ix.Upsert(3, geo.LatLng{Lat: 31.2304, Lng: 121.4740})
	page := make([]geo.Result, 0, 2) // reuse across requests: no allocation per page
	page, _ = ix.NearestInto(page, geo.Query{
		At: geo.LatLng{Lat: 31.2304, Lng: 121.4737}, Limit: 2, MaxMeters: 3000,
		Filter: func(id int64) bool { return id != 3 }, // e.g. paused since the last refresh
	})
	for _, r := range page {
		fmt.Printf("%d %.0f m\n", r.ID, r.Meters)
	}
	// Output: 1 178 m
}
