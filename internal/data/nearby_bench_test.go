package data_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/geo"
)

// The nearby query measured four ways on one seeded city (nearby_fixture_test.go): the finder the
// service uses (loaded from PostgreSQL through the leader repository), the raw geo.Index under
// it, a brute-force scan of every point, and the SQL a developer would write without H3. Each
// reports ns/op, allocs/op, and p50/p99 in µs from per-query timings; the summary printed at the
// end has the ratios. Run with `make bench-nearby`, or
//
//	go test -run '^$' -bench Nearby -benchmem ./internal/data [-nearby.n 100000]

// BenchmarkNearbyFinder is leader.Finder.Nearby, what GET /v1/pickup-points:nearby calls.
func BenchmarkNearbyFinder(b *testing.B) {
	f := nearby(b)
	ctx := context.Background()
	for _, k := range []int{nearbyK, 50} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			measureNearby(b, f.qs, func(q geo.LatLng) int {
				found, _, err := f.finder.Nearby(ctx, q, nearbyRadius, 0, k)
				if err != nil {
					b.Fatal(err)
				}
				return len(found)
			})
		})
	}
}

// BenchmarkNearbyIndex is the raw geo.Index over the same points, with a reused page.
func BenchmarkNearbyIndex(b *testing.B) {
	f := nearby(b)
	for _, k := range []int{nearbyK, 50} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			page := make([]geo.Result, 0, k)
			measureNearby(b, f.qs, func(q geo.LatLng) int {
				page, _ = f.index.NearestInto(page, geo.Query{At: q, Limit: k, MaxMeters: nearbyRadius})
				return len(page)
			})
		})
	}
}

// BenchmarkNearbyFullScan is geo.NearestScan: the distance to every point, the best k kept.
func BenchmarkNearbyFullScan(b *testing.B) {
	f := nearby(b)
	b.Run(fmt.Sprintf("k=%d", nearbyK), func(b *testing.B) {
		measureNearby(b, f.qs, func(q geo.LatLng) int {
			return len(geo.NearestScan(f.pts, q, nearbyK, nearbyRadius))
		})
	})
}

// nearbySQL is the query a developer would write without H3: a bounding box on lat/lng, the
// haversine distance (same formula and Earth radius as geo.Distance) within the radius, nearest
// first, ties by id as the index ranks them.
const nearbySQL = `SELECT id, meters FROM (
	SELECT id, 2 * 6371008.8 * asin(sqrt(
		power(sin(radians(lat - $1) / 2), 2) +
		cos(radians($1)) * cos(radians(lat)) * power(sin(radians(lng - $2) / 2), 2))) AS meters
	FROM leaders
	WHERE status = 'approved' AND NOT paused
	  AND lat BETWEEN $3 AND $4 AND lng BETWEEN $5 AND $6
) near
WHERE meters <= $7
ORDER BY meters, id
LIMIT $8`

// BenchmarkNearbySQL runs nearbySQL on the seeded leaders table, first with the schema's own
// indexes (none on lat/lng), then with a btree on (lat, lng) created for this benchmark only.
func BenchmarkNearbySQL(b *testing.B) {
	f := nearby(b)
	ctx := context.Background()
	query := func(q geo.LatLng, k int) ([]geo.Result, error) {
		latLo, latHi, lngLo, lngHi := boundingBox(q, nearbyRadius)
		rows, err := f.db.SQL.QueryContext(ctx, nearbySQL, q.Lat, q.Lng, latLo, latHi, lngLo, lngHi, float64(nearbyRadius), k)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := make([]geo.Result, 0, k)
		for rows.Next() {
			var r geo.Result
			if err := rows.Scan(&r.ID, &r.Meters); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	for _, variant := range []struct{ name, setup, teardown string }{
		{"index=none", "", ""},
		{"index=lat_lng", "CREATE INDEX nearby_bench_lat_lng ON leaders (lat, lng)", "DROP INDEX IF EXISTS nearby_bench_lat_lng"},
	} {
		b.Run(variant.name, func(b *testing.B) {
			if variant.setup != "" {
				mustExec(b, f, variant.setup)
				mustExec(b, f, "ANALYZE leaders")
				b.Cleanup(func() { mustExec(b, f, variant.teardown) })
			}
			f.checkSQL(b, query)
			f.explain(b, variant.name)
			measureNearby(b, f.qs, func(q geo.LatLng) int {
				res, err := query(q, nearbyK)
				if err != nil {
					b.Fatal(err)
				}
				return len(res)
			})
		})
	}
}

// boundingBox is the lat/lng box around p that holds the circle of radius metres.
func boundingBox(p geo.LatLng, radius float64) (latLo, latHi, lngLo, lngHi float64) {
	const metresPerDegree = geo.EarthRadiusMeters * math.Pi / 180
	dLat := radius / metresPerDegree * 1.001
	latLo, latHi = p.Lat-dLat, p.Lat+dLat
	dLng := dLat / math.Cos(math.Max(math.Abs(latLo), math.Abs(latHi))*math.Pi/180)
	return latLo, latHi, p.Lng - dLng, p.Lng + dLng
}

// checkSQL compares the SQL answers with the scan: same ids in the same order, distances within
// a micrometre (PostgreSQL's libm may round the last bit differently).
func (f *nearbyFixture) checkSQL(b *testing.B, query func(geo.LatLng, int) ([]geo.Result, error)) {
	b.Helper()
	for _, q := range f.qs[:nearbyChecked] {
		got, err := query(q, nearbyK)
		if err != nil {
			b.Fatal(err)
		}
		want := geo.NearestScan(f.pts, q, nearbyK, nearbyRadius)
		same := len(got) == len(want)
		for i := 0; same && i < len(got); i++ {
			same = got[i].ID == want[i].ID && math.Abs(got[i].Meters-want[i].Meters) < 1e-6
		}
		if !same {
			b.Fatalf("SQL at %v: %v, scan: %v", q, got, want)
		}
	}
}

// explain logs the plan of one query, so the report can say whether an index was used.
func (f *nearbyFixture) explain(b *testing.B, name string) {
	b.Helper()
	q := f.qs[0]
	latLo, latHi, lngLo, lngHi := boundingBox(q, nearbyRadius)
	rows, err := f.db.SQL.QueryContext(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF) "+nearbySQL,
		q.Lat, q.Lng, latLo, latHi, lngLo, lngHi, float64(nearbyRadius), nearbyK)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	// The access path and the work, not the long filter expressions: benchmark logs are cut at
	// ten lines.
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		for _, keep := range []string{"Scan", "Rows Removed", "Heap Blocks", "Execution Time"} {
			if strings.Contains(line, keep) {
				plan = append(plan, strings.TrimSpace(line))
				break
			}
		}
	}
	b.Logf("plan (%s): %s", name, strings.Join(plan, "; "))
}

func mustExec(b *testing.B, f *nearbyFixture, stmt string) {
	b.Helper()
	if _, err := f.db.SQL.ExecContext(context.Background(), stmt); err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
}

// measureNearby runs query over qs round robin, timing every call into a fixed ring of samples
// (allocated before the timer starts) for p50/p99, and records the figures for the summary.
func measureNearby(b *testing.B, qs []geo.LatLng, query func(geo.LatLng) int) {
	samples := make([]time.Duration, 1<<16)
	n, results := 0, 0
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		start := time.Now()
		results += query(qs[n%len(qs)])
		samples[n%len(samples)] = time.Since(start)
		n++
	}
	runtime.ReadMemStats(&after)
	samples = samples[:min(n, len(samples))]
	slices.Sort(samples)
	s := nearbyStat{
		nsPerOp:      float64(b.Elapsed().Nanoseconds()) / float64(n),
		p50:          float64(samples[len(samples)/2].Nanoseconds()) / 1e3,
		p99:          float64(samples[len(samples)*99/100].Nanoseconds()) / 1e3,
		allocsPerOp:  float64(after.Mallocs-before.Mallocs) / float64(n),
		bytesPerOp:   float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		resultsPerOp: float64(results) / float64(n),
	}
	b.ReportMetric(s.p50, "p50-µs")
	b.ReportMetric(s.p99, "p99-µs")
	b.ReportMetric(s.resultsPerOp, "results/op")
	if finder, ok := nearbyStatOf(statFinder); ok && slices.Contains([]string{statIndex, statScan, statSQL, statSQLIndex}, b.Name()) {
		b.ReportMetric(s.nsPerOp/finder.nsPerOp, "x-finder") // mean time ÷ the finder's, both k=10
	}
	recordNearby(b.Name(), s)
}
