package data_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/seedcity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// The nearby benchmarks share one seeded database per test process. Its size and seed come from
// -nearby.n / -nearby.seed, or GROUPBUY_NEARBY_N / GROUPBUY_NEARBY_SEED.
var (
	nearbyN    = flag.Int("nearby.n", envInt("GROUPBUY_NEARBY_N", seedcity.DefaultN), "pickup points seeded for the nearby benchmarks")
	nearbySeed = flag.Int64("nearby.seed", int64(envInt("GROUPBUY_NEARBY_SEED", seedcity.DefaultSeed)), "seed of the synthetic city")
)

// The measured query: k=10 within 3 km, from 16,384 shopper locations of the same distribution.
const (
	nearbyK       = 10
	nearbyRadius  = 3000
	nearbyQueries = 1 << 14
	// nearbyChecked queries are compared with geo.NearestScan before a benchmark is timed.
	nearbyChecked = 256
)

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestMain drops the shared nearby database after the last benchmark and prints the summary.
func TestMain(m *testing.M) {
	code := m.Run()
	printNearbySummary()
	nearbyTB.runCleanups()
	os.Exit(code)
}

// nearbyFixture is the seeded city, loaded every way the benchmarks compare.
type nearbyFixture struct {
	db     *sqldb.DB
	pts    []geo.Point  // what was seeded, ids 1..n
	qs     []geo.LatLng // shopper locations
	finder *leader.Finder
	index  *geo.Index // the raw index over pts
}

var nearbyOnce = sync.OnceValues(buildNearbyFixture)

// nearby returns the shared fixture, building it on first use.
func nearby(b *testing.B) *nearbyFixture {
	b.Helper()
	f, err := nearbyOnce()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func buildNearbyFixture() (f *nearbyFixture, err error) {
	defer func() {
		if p := recover(); p != nil {
			if fail, ok := p.(fixtureFailure); ok {
				f, err = nil, fmt.Errorf("nearby fixture: %s", string(fail))
				return
			}
			panic(p)
		}
	}()
	ctx := context.Background()
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{
		Driver: "postgres", Source: testenv.PostgresDSN(nearbyTB), MaxOpenConns: maxConns,
	}})
	if err != nil {
		return nil, err
	}
	nearbyTB.Cleanup(cleanup) // runs before testenv's drop, registered earlier
	key, err := seal.GenerateKey()
	if err != nil {
		return nil, err
	}
	keys, err := data.NewKeyring(&conf.Security{PersonalData: &conf.Security_PersonalData{
		ActiveKeyId: "k1", Keys: map[string]string{"k1": key},
	}})
	if err != nil {
		return nil, err
	}

	f = &nearbyFixture{db: db, pts: seedcity.Points(*nearbyN, *nearbySeed), qs: seedcity.Queries(nearbyQueries, *nearbySeed)}
	seeded, err := seedcity.Seed(ctx, db, keys, f.pts, seedcity.Options{})
	if err != nil {
		return nil, err
	}
	f.finder = leader.NewFinder(leaderstore.NewLeaderRepo(db, keys), leader.Config{
		GridRes: geo.DefaultGridRes, PickupRes: geo.DefaultPickupRes, MaxRadiusMeters: nearbyRadius,
		IndexRefresh: time.Second,
	}, port.SystemClock)
	start := time.Now()
	if err := f.finder.Refresh(ctx); err != nil {
		return nil, err
	}
	loaded := time.Since(start)
	if f.index, err = geo.BuildIndex(geo.DefaultPickupRes, f.pts); err != nil {
		return nil, err
	}
	fmt.Printf("nearby: seeded %d leaders in %d grids in %v; Finder.Refresh loaded them from PostgreSQL in %v\n",
		seeded.Leaders, seeded.Grids, seeded.Elapsed.Round(time.Millisecond), loaded.Round(time.Millisecond))
	if err := f.checkFinder(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// checkFinder proves the database-backed finder answers exactly what a scan of the seeded points
// does: same ids, same order, same metres, bit for bit.
func (f *nearbyFixture) checkFinder(ctx context.Context) error {
	for _, k := range []int{nearbyK, leader.MaxPageSize} {
		for _, q := range f.qs[:nearbyChecked] {
			got, _, err := f.finder.Nearby(ctx, q, nearbyRadius, 0, k)
			if err != nil {
				return err
			}
			want := geo.NearestScan(f.pts, q, k, nearbyRadius)
			same := len(got) == len(want)
			for i := 0; same && i < len(got); i++ {
				same = got[i].Leader.ID == want[i].ID && got[i].Meters == want[i].Meters
			}
			if !same {
				return fmt.Errorf("finder at %v k=%d: %d results differ from the scan's %d", q, k, len(got), len(want))
			}
		}
	}
	return nil
}

// fixtureFailure is how nearbyTB.Fatalf stops building the fixture.
type fixtureFailure string

// nearbyTB is the testing.TB the shared fixture is built with. testenv ties a database's life to
// a test, but the fixture outlives every single benchmark (sync.Once), so it gets this one, which
// lives as long as the process: TestMain runs its cleanups (closing the pool, dropping the
// database) after the last benchmark. Only the methods testenv calls are implemented; the
// embedded nil interface supplies the unexported method and panics on anything else.
var nearbyTB = &processTB{}

type processTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

func (p *processTB) Helper()      {}
func (p *processTB) Name() string { return "BenchmarkNearby" }
func (p *processTB) Failed() bool { return false }

func (p *processTB) Cleanup(fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, fn)
}

func (p *processTB) Fatal(args ...any) { panic(fixtureFailure(fmt.Sprint(args...))) }
func (p *processTB) Fatalf(format string, args ...any) {
	panic(fixtureFailure(fmt.Sprintf(format, args...)))
}
func (p *processTB) Error(args ...any) {
	fmt.Fprintln(os.Stderr, "nearby fixture:", fmt.Sprint(args...))
}
func (p *processTB) Errorf(format string, args ...any) {
	fmt.Fprintln(os.Stderr, "nearby fixture:", fmt.Sprintf(format, args...))
}
func (p *processTB) Log(args ...any)                 { fmt.Println(args...) }
func (p *processTB) Logf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (p *processTB) runCleanups() {
	p.mu.Lock()
	fns := p.cleanups
	p.cleanups = nil
	p.mu.Unlock()
	for _, fn := range slices.Backward(fns) {
		fn()
	}
}

// nearbyStat is one measured benchmark, for the summary and the ratios.
type nearbyStat struct {
	nsPerOp, p50, p99, allocsPerOp, bytesPerOp, resultsPerOp float64
}

var nearbyStats struct {
	sync.Mutex
	by map[string]nearbyStat // by benchmark name, the last run wins
}

func recordNearby(name string, s nearbyStat) {
	nearbyStats.Lock()
	defer nearbyStats.Unlock()
	if nearbyStats.by == nil {
		nearbyStats.by = map[string]nearbyStat{}
	}
	nearbyStats.by[name] = s
}

func nearbyStatOf(name string) (nearbyStat, bool) {
	nearbyStats.Lock()
	defer nearbyStats.Unlock()
	s, ok := nearbyStats.by[name]
	return s, ok
}

// The benchmark names the summary and the ratios refer to.
const (
	statFinder   = "BenchmarkNearbyFinder/k=10"
	statFinder50 = "BenchmarkNearbyFinder/k=50"
	statIndex    = "BenchmarkNearbyIndex/k=10"
	statIndex50  = "BenchmarkNearbyIndex/k=50"
	statScan     = "BenchmarkNearbyFullScan/k=10"
	statSQL      = "BenchmarkNearbySQL/index=none"
	statSQLIndex = "BenchmarkNearbySQL/index=lat_lng"
)

// printNearbySummary prints a table of every nearby benchmark that ran, the ratios to the
// finder and the targets of the measurement issue.
func printNearbySummary() {
	nearbyStats.Lock()
	by := nearbyStats.by
	nearbyStats.Unlock()
	if len(by) == 0 {
		return
	}
	fmt.Printf("\nnearby summary (%d points, k=%d unless named, %d m):\n", *nearbyN, nearbyK, nearbyRadius)
	fmt.Printf("  %-34s %12s %10s %10s %10s %10s %9s\n", "benchmark", "mean µs/op", "p50 µs", "p99 µs", "allocs/op", "B/op", "results")
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range by {
			if !yield(n) {
				return
			}
		}
	}) {
		s := by[name]
		fmt.Printf("  %-34s %12.2f %10.2f %10.2f %10.1f %10.0f %9.1f\n", name, s.nsPerOp/1e3, s.p50, s.p99,
			s.allocsPerOp, s.bytesPerOp, s.resultsPerOp)
	}
	finder, ok := by[statFinder]
	if !ok {
		return
	}
	fmt.Println("  ratios (other ÷ finder, k=10):        mean      p50      p99")
	for _, other := range []string{statIndex, statScan, statSQL, statSQLIndex} {
		if s, ok := by[other]; ok {
			fmt.Printf("    %-34s %8.1f× %7.1f× %7.1f×\n", other, s.nsPerOp/finder.nsPerOp, s.p50/finder.p50, s.p99/finder.p99)
		}
	}
	fmt.Printf("  target p99 < 50 µs:                   %s (%.2f µs)\n", verdict(finder.p99 < 50), finder.p99)
	if f50, ok := by[statFinder50]; ok && f50.resultsPerOp > finder.resultsPerOp {
		// An allocation per result would add at least one per extra result; what growth there is
		// comes from h3-go allocating each ring it walks (k=50 walks a few more rings).
		perResult := (f50.allocsPerOp - finder.allocsPerOp) / (f50.resultsPerOp - finder.resultsPerOp)
		fmt.Printf("  target no allocation per result:      %s (%.1f → %.1f allocs/op for %.0f → %.0f results: %+.2f per extra result)\n",
			verdict(perResult < 0.5), finder.allocsPerOp, f50.allocsPerOp, finder.resultsPerOp, f50.resultsPerOp, perResult)
	}
	if s, ok := by[statScan]; ok {
		fmt.Printf("  target ≥ 100× the full scan:          %s (%.0f×)\n", verdict(s.nsPerOp/finder.nsPerOp >= 100), s.nsPerOp/finder.nsPerOp)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
