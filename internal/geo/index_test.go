package geo

import (
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
)

func TestIndexUpsertMoveRemove(t *testing.T) {
	ix := NewIndex(DefaultPickupRes)
	if got := ix.Nearest(shanghai, 10, 3000); len(got) != 0 {
		t.Fatalf("empty index found %v", got)
	}
	near, far := destination(shanghai, 90, 100), destination(shanghai, 0, 2000)
	mustUpsert(t, ix, 1, near)
	mustUpsert(t, ix, 2, far)
	mustUpsert(t, ix, 3, destination(shanghai, 180, 5000))
	if ix.Len() != 3 {
		t.Fatalf("len %d", ix.Len())
	}
	assertIDs(t, ix.Nearest(shanghai, 10, 3000), 1, 2)

	mustUpsert(t, ix, 2, destination(shanghai, 270, 50)) // moves, does not duplicate
	got := ix.Nearest(shanghai, 10, 3000)
	assertIDs(t, got, 2, 1)
	if ix.Len() != 3 || len(got) == 0 || math.Abs(got[0].Meters-50) > 0.01 {
		t.Fatalf("after move: len %d, %v", ix.Len(), got)
	}

	if !ix.Remove(2) || ix.Remove(2) || ix.Remove(42) {
		t.Fatal("Remove reports wrongly")
	}
	assertIDs(t, ix.Nearest(shanghai, 10, 3000), 1)
	if err := ix.Upsert(9, LatLng{Lat: 100}); !errors.Is(err, ErrInvalidCoordinate) {
		t.Errorf("invalid upsert: %v", err)
	}
}

func TestIndexTiesBreakByID(t *testing.T) {
	ix := NewIndex(DefaultPickupRes)
	// Offsets of 2⁻⁸° from a binary-exact centre subtract exactly, so east and west are at
	// bit-identical distances.
	at := LatLng{Lat: 31.25, Lng: 121.5}
	east, west := LatLng{Lat: 31.25, Lng: 121.5 + 1.0/256}, LatLng{Lat: 31.25, Lng: 121.5 - 1.0/256}
	for _, id := range []int64{7, 3, 5} {
		mustUpsert(t, ix, id, east)
	}
	mustUpsert(t, ix, 4, west)
	got := ix.Nearest(at, 10, 3000)
	assertIDs(t, got, 3, 4, 5, 7)
	if len(got) == 4 && got[0].Meters != got[3].Meters {
		t.Errorf("expected a four-way tie: %v", got)
	}
}

func TestNearestIntoPagesAndFilters(t *testing.T) {
	ix := NewIndex(DefaultPickupRes)
	for i := range int64(20) {
		mustUpsert(t, ix, i+1, destination(shanghai, float64(i*37), float64(100*(i+1))))
	}
	q := Query{At: shanghai, Limit: 5, Offset: 5, MaxMeters: 1550}
	page, err := ix.NearestInto(nil, q)
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, page, 6, 7, 8, 9, 10)
	q.Offset, q.Limit, q.Filter = 2, 3, func(id int64) bool { return id%2 == 0 }
	page, _ = ix.NearestInto(page, q) // reuses page's storage
	assertIDs(t, page, 6, 8, 10)
	q.Offset = 1000 - q.Limit
	if page, _ = ix.NearestInto(page, q); len(page) != 0 {
		t.Errorf("beyond the last page: %v", page)
	}
}

func TestQueryValidation(t *testing.T) {
	ix := NewIndex(DefaultPickupRes)
	mustUpsert(t, ix, 1, shanghai)
	bad := []Query{
		{At: shanghai, Limit: -1, MaxMeters: 1},
		{At: shanghai, Limit: 1, Offset: -1, MaxMeters: 1},
		{At: shanghai, Limit: MaxWindow, Offset: 1, MaxMeters: 1},
		{At: shanghai, Limit: 1, MaxMeters: math.NaN()},
		{At: shanghai, Limit: 1, MaxMeters: -1},
		{At: shanghai, Limit: 1, MaxMeters: MaxRadiusMeters + 1},
		{At: LatLng{Lat: math.Inf(1)}, Limit: 1, MaxMeters: 1},
	}
	for _, q := range bad {
		if _, err := ix.NearestInto(nil, q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%+v: %v", q, err)
		}
		if got := ix.Nearest(q.At, q.Limit, q.MaxMeters); got != nil && q.Offset == 0 {
			t.Errorf("%+v: Nearest returned %v", q, got)
		}
	}
	if _, err := ix.NearestInto(nil, bad[len(bad)-1]); !errors.Is(err, ErrInvalidCoordinate) {
		t.Errorf("bad point: %v", err)
	}
	if got, err := ix.NearestInto(nil, Query{At: shanghai, MaxMeters: 10}); err != nil || len(got) != 0 {
		t.Errorf("limit 0: %v, %v", got, err)
	}
}

func TestNewIndexResolution(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewIndex(16) did not panic")
		}
	}()
	if _, err := BuildIndex(-1, nil); !errors.Is(err, ErrInvalidResolution) {
		t.Errorf("BuildIndex(-1): %v", err)
	}
	if NewIndex(0).Resolution() != 0 || NewIndex(15).Resolution() != 15 {
		t.Error("resolution not kept")
	}
	NewIndex(16)
}

func TestReplaceAll(t *testing.T) {
	a, b := destination(shanghai, 0, 10), destination(shanghai, 0, 20)
	ix, err := BuildIndex(DefaultPickupRes, []Point{{1, a}, {2, b}, {1, b}}) // last 1 wins
	if err != nil || ix.Len() != 2 {
		t.Fatalf("build: %v, len %d", err, ix.Len())
	}
	got := ix.Nearest(shanghai, 10, 100)
	assertIDs(t, got, 1, 2)
	if len(got) == 2 && got[0].Meters != got[1].Meters {
		t.Errorf("duplicate id did not take the last position: %v", got)
	}
	if err := ix.ReplaceAll([]Point{{3, a}, {4, LatLng{Lat: math.NaN()}}}); !errors.Is(err, ErrInvalidCoordinate) {
		t.Fatalf("invalid bulk: %v", err)
	}
	assertIDs(t, ix.Nearest(shanghai, 10, 100), 1, 2) // unchanged
	if err := ix.ReplaceAll(nil); err != nil || ix.Len() != 0 || ix.Remove(1) {
		t.Fatalf("replace with nothing: %v, len %d", err, ix.Len())
	}
	mustUpsert(t, ix, 1, a) // writers still work after a bulk swap
	assertIDs(t, ix.Nearest(shanghai, 10, 100), 1)
}

func mustUpsert(t *testing.T, ix *Index, id int64, p LatLng) {
	t.Helper()
	if err := ix.Upsert(id, p); err != nil {
		t.Fatal(err)
	}
}

func assertIDs(t *testing.T, got []Result, want ...int64) {
	t.Helper()
	ids := make([]int64, len(got))
	for i, r := range got {
		ids[i] = r.ID
	}
	if !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v (%v)", ids, want, got)
	}
}

// destination is the point meters from p on the initial bearing (degrees clockwise from
// north), on the sphere: exact where displace is a flat approximation.
func destination(p LatLng, bearing, meters float64) LatLng {
	lat1, lng1, th, d := p.Lat*degToRad, p.Lng*degToRad, bearing*degToRad, meters/EarthRadiusMeters
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(th))
	lng2 := lng1 + math.Atan2(math.Sin(th)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	lng := math.Mod(lng2/degToRad+540, 360) - 180
	return LatLng{Lat: math.Max(-90, math.Min(90, lat2/degToRad)), Lng: lng}
}

// TestNearestIntoAllocations pins the allocation budget of a query: none of our own, only
// h3-go's (two in LatLngToCell, one per GridRingUnsafe), so a page of 50 costs what a page of
// 1 does. Here the walk stops after ring 1: 3 allocations.
func TestNearestIntoAllocations(t *testing.T) {
	ix := NewIndex(DefaultPickupRes)
	for i := range int64(100) {
		mustUpsert(t, ix, i+1, destination(shanghai, float64(i)*3.6, 20))
		mustUpsert(t, ix, 1000+i, destination(shanghai, float64(i)*3.6, 5000))
	}
	page := make([]Result, 0, 50)
	// A collection empties the index's sync.Pool of search buffers, and the next query then
	// allocates one more: collect first, then keep the collector out of the measurement. The
	// race detector drops pooled items at random, so there a query may allocate its buffer too.
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	want := 3.0
	if raceDetector {
		want = 4
	}
	for _, k := range []int{1, 10, 50} {
		q := Query{At: shanghai, Limit: k, MaxMeters: 3000}
		allocs := testing.AllocsPerRun(100, func() { page, _ = ix.NearestInto(page, q) })
		if len(page) != k || allocs > want {
			t.Errorf("k=%d: %d results, %v allocations per query, want %d and at most %v", k, len(page), allocs, k, want)
		}
	}
}
