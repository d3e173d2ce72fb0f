package geo

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// The benchmark city: 100,000 leaders around People's Square, queries from the same
// distribution, k=10 within 3 km unless a benchmark says otherwise.
const (
	benchPoints  = 100_000
	benchSeed    = 1
	benchQueries = 1 << 14
	benchRadius  = 3_000
)

type cityFixture struct {
	ix  *Index
	pts []Point
	qs  []LatLng
}

var benchFixture = sync.OnceValue(func() cityFixture {
	pts := SyntheticCity(benchPoints, benchSeed, shanghai)
	ix, err := BuildIndex(DefaultPickupRes, pts)
	if err != nil {
		panic(err)
	}
	return cityFixture{ix, pts, SyntheticQueries(benchQueries, benchSeed, shanghai)}
})

func benchCity() (*Index, []Point, []LatLng) {
	f := benchFixture()
	return f.ix, f.pts, f.qs
}

// BenchmarkNearest reports ns/op and allocs/op of NearestInto with a reused page, plus the
// per-query p50/p99 latency measured around each call and the mean results per query.
func BenchmarkNearest(b *testing.B) {
	ix, _, qs := benchCity()
	for _, k := range []int{10, 50} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			page := make([]Result, 0, k)
			benchQueryLoop(b, qs, func(q LatLng) int {
				page, _ = ix.NearestInto(page, Query{At: q, Limit: k, MaxMeters: benchRadius})
				return len(page)
			})
		})
	}
}

// BenchmarkNearestScan is the brute-force baseline over the same city and queries.
func BenchmarkNearestScan(b *testing.B) {
	_, pts, qs := benchCity()
	page := make([]Result, 0, 10)
	benchQueryLoop(b, qs, func(q LatLng) int {
		page, _ = ScanInto(page, pts, Query{At: q, Limit: 10, MaxMeters: benchRadius})
		return len(page)
	})
}

// BenchmarkNearestOutsideCity is a shopper 60 km from the city: the index's bounding cap
// answers without walking.
func BenchmarkNearestOutsideCity(b *testing.B) {
	ix, _, _ := benchCity()
	page := make([]Result, 0, 10)
	benchQueryLoop(b, []LatLng{destination(shanghai, 270, 60_000)}, func(q LatLng) int {
		page, _ = ix.NearestInto(page, Query{At: q, Limit: 10, MaxMeters: benchRadius})
		return len(page)
	})
}

// BenchmarkNearestEmptyWalk is the worst case a query can cost: nothing within the radius yet
// inside the cap (here, halfway between the city and a second one 90 km away, in one index),
// so the walk goes all the way out: 24 rings, 1,801 cells for 3 km at res 9.
func BenchmarkNearestEmptyWalk(b *testing.B) {
	_, pts, _ := benchCity()
	second := SyntheticCity(1_000, benchSeed, destination(shanghai, 270, 90_000))
	for i := range second {
		second[i].ID += benchPoints
	}
	ix, err := BuildIndex(DefaultPickupRes, append(slices.Clip(pts), second...))
	if err != nil {
		b.Fatal(err)
	}
	for _, radius := range []float64{benchRadius, MaxRadiusMeters} {
		b.Run(fmt.Sprintf("radius=%.0fm", radius), func(b *testing.B) {
			page := make([]Result, 0, 10)
			benchQueryLoop(b, []LatLng{destination(shanghai, 270, 45_000)}, func(q LatLng) int {
				page, _ = ix.NearestInto(page, Query{At: q, Limit: 10, MaxMeters: radius})
				return len(page)
			})
		})
	}
}

// BenchmarkUpsert is a leader moving within the city (copy-on-write of one shard and bucket).
func BenchmarkUpsert(b *testing.B) {
	ix, pts, qs := benchCity()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := ix.Upsert(pts[i%len(pts)].ID, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	if err := ix.ReplaceAll(pts); err != nil { // leave the shared city as it was
		b.Fatal(err)
	}
}

// benchQueryLoop runs query over qs round robin, timing each call into a fixed ring of
// samples so the measurement itself allocates nothing.
func benchQueryLoop(b *testing.B, qs []LatLng, query func(LatLng) int) {
	samples := make([]time.Duration, 1<<16)
	n, results := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		results += query(qs[n%len(qs)])
		samples[n%len(samples)] = time.Since(start)
		n++
	}
	samples = samples[:min(n, len(samples))]
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(results)/float64(n), "results/op")
}
