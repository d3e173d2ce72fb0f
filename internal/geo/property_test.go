package geo

import (
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	h3 "github.com/uber/h3-go/v4"
)

var (
	propSeed  = flag.Int64("geo.seed", 20260601, "first seed of TestNearestMatchesScan")
	propCases = flag.Int("geo.cases", 400, "point sets TestNearestMatchesScan generates")
)

// TestNearestMatchesScan is the exactness property: for random point sets (clusters,
// duplicates, points a hair off cell vertices, points ±1 m around the query radius, near a
// pentagon, across the antimeridian, near a pole) and random queries, pages and filters, the
// index returns exactly what the brute-force scan does, before and after random writes. Each
// case has its own seed, printed on failure.
func TestNearestMatchesScan(t *testing.T) {
	n := *propCases
	if testing.Short() {
		n /= 10
	}
	queries := 0
	for i := range n {
		seed := *propSeed + int64(i)
		q, err := propertyCase(seed)
		if err != nil {
			t.Fatalf("seed %d: %v\nreproduce: go test ./internal/geo -run TestNearestMatchesScan -args -geo.seed=%d -geo.cases=1",
				seed, err, seed)
		}
		queries += q
	}
	t.Logf("%d point sets, %d queries compared", n, queries)
}

// world is one generated case: the index under test and the model it must agree with.
type world struct {
	rng    *rand.Rand
	res    int
	centre LatLng
	spread float64 // metres: how far points and queries scatter from centre
	ix     *Index
	model  map[int64]LatLng
	nextID int64
	pts    []Point // model as a slice, rebuilt after writes
}

func propertyCase(seed int64) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	w := &world{rng: rng, res: []int{9, 9, 9, 7, 8, 10}[rng.IntN(6)], model: map[int64]LatLng{}, nextID: 1}
	// Over empty space a walk costs (radius/h)² cells: keep res 10 (h ≈ 48 m) to radii a
	// res-10 index would be asked for.
	maxR := float64(MaxRadiusMeters)
	if w.res > DefaultPickupRes {
		maxR = 3_000
	}
	w.centre, w.spread = w.pickPlace()
	queries := w.makeQueries(4+rng.IntN(6), maxR)
	size := rng.IntN(1200)
	if rng.IntN(4) == 0 { // tiny worlds: the walk must not stop while any point is unseen
		size = rng.IntN(4)
	}
	w.populate(size, queries, rng.IntN(2) == 0)
	ix, err := BuildIndex(w.res, w.points())
	if err != nil {
		return 0, err
	}
	w.ix = ix
	n := 0
	for round := range 3 {
		for _, q := range queries {
			if err := w.check(q); err != nil {
				return n, fmt.Errorf("res %d, round %d, %d points: %w", w.res, round, len(w.model), err)
			}
			n++
		}
		w.mutate(rng.IntN(200))
	}
	return n, nil
}

// pickPlace chooses where the case happens and how spread out it is.
func (w *world) pickPlace() (LatLng, float64) {
	spread := []float64{300, 2_000, 8_000, 25_000}[w.rng.IntN(4)]
	switch w.rng.IntN(6) {
	case 0:
		pents, _ := h3.Pentagons(w.res)
		c := Cell(pents[w.rng.IntN(len(pents))]).Center()
		return c, spread
	case 1:
		return LatLng{Lat: 60*w.rng.Float64() - 30, Lng: 180 - 0.01*w.rng.Float64()}, spread
	case 2:
		return LatLng{Lat: 89.99 + 0.01*w.rng.Float64(), Lng: 360*w.rng.Float64() - 180}, spread
	case 3:
		return randomGlobal(w.rng), spread
	}
	return destination(shanghai, 360*w.rng.Float64(), 20_000*w.rng.Float64()), spread
}

// near is a random point within the case's spread of centre (or of p, when given).
func (w *world) near(p LatLng, spread float64) LatLng {
	return destination(p, 360*w.rng.Float64(), spread*math.Sqrt(w.rng.Float64()))
}

func (w *world) add(p LatLng) {
	w.pts = nil
	w.model[w.nextID] = p
	w.nextID++
}

// populate adds n points of mixed kinds and, if atRadius, for every query, points on and
// ±1 m around its radius.
func (w *world) populate(n int, queries []Query, atRadius bool) {
	for range n {
		switch k := w.rng.IntN(10); {
		case k < 4:
			w.add(w.near(w.centre, w.spread))
		case k < 6: // a tight cluster: many candidates in one or two cells
			c := w.near(w.centre, w.spread)
			for range 1 + w.rng.IntN(30) {
				w.add(w.near(c, 30))
			}
		case k < 7 && len(w.model) > 0: // same coordinates as an existing point
			w.add(w.model[1+w.rng.Int64N(w.nextID-1)])
		default: // a hair off a vertex of a cell: ranks across the cell edge
			w.add(w.offVertex(w.near(w.centre, w.spread)))
		}
	}
	for _, q := range queries {
		if !atRadius {
			break
		}
		for _, dm := range []float64{-1, 0, 1} {
			w.add(destination(q.At, 360*w.rng.Float64(), max(0, q.MaxMeters+dm)))
		}
	}
}

// offVertex is a vertex of p's cell moved by 1e-9° in latitude and longitude.
func (w *world) offVertex(p LatLng) LatLng {
	c, _ := CellAt(p, w.res)
	vs := c.Boundary()
	v := vs[w.rng.IntN(len(vs))]
	v.Lat = math.Max(-90, math.Min(90, v.Lat+1e-9*float64(w.rng.IntN(3)-1)))
	v.Lng = math.Max(-180, math.Min(180, v.Lng+1e-9*float64(w.rng.IntN(3)-1)))
	return v
}

func (w *world) makeQueries(n int, maxR float64) []Query {
	qs := make([]Query, n)
	for i := range qs {
		at := w.near(w.centre, w.spread)
		if w.rng.IntN(3) == 0 {
			at = w.offVertex(at)
		}
		radii := []float64{0, 1, 50, 300, 1_000, 3_000, 10_000, MaxRadiusMeters, w.spread * 2 * w.rng.Float64()}
		limit := []int{1, 3, 10, 50, 1 + w.rng.IntN(100)}[w.rng.IntN(5)]
		offset := []int{0, 0, 0, 5, 37, w.rng.IntN(200)}[w.rng.IntN(6)]
		qs[i] = Query{At: at, Limit: limit, Offset: offset, MaxMeters: min(maxR, radii[w.rng.IntN(len(radii))])}
		if w.rng.IntN(4) == 0 {
			m := int64(2 + w.rng.IntN(3))
			qs[i].Filter = func(id int64) bool { return id%m != 0 }
		}
	}
	return qs
}

// mutate moves, removes and adds n points through the index and the model alike.
func (w *world) mutate(n int) {
	for range n {
		w.pts = nil
		switch k := w.rng.IntN(3); {
		case k == 0 && len(w.model) > 0:
			id := w.anyID()
			delete(w.model, id)
			w.ix.Remove(id)
		case k == 1 && len(w.model) > 0:
			id := w.anyID()
			w.model[id] = w.near(w.model[id], 500)
			_ = w.ix.Upsert(id, w.model[id])
		default:
			w.add(w.near(w.centre, w.spread))
			_ = w.ix.Upsert(w.nextID-1, w.model[w.nextID-1])
		}
	}
}

// anyID is a random id present in the model (ids are dense, so a few draws find one).
func (w *world) anyID() int64 {
	for {
		if id := 1 + w.rng.Int64N(w.nextID-1); w.has(id) {
			return id
		}
	}
}

func (w *world) has(id int64) bool {
	_, ok := w.model[id]
	return ok
}

func (w *world) points() []Point {
	if w.pts == nil {
		w.pts = make([]Point, 0, len(w.model))
		for _, id := range slices.Sorted(maps.Keys(w.model)) {
			w.pts = append(w.pts, Point{ID: id, LatLng: w.model[id]})
		}
	}
	return w.pts
}

func (w *world) check(q Query) error {
	if w.ix.Len() != len(w.model) {
		return fmt.Errorf("index holds %d points, model %d", w.ix.Len(), len(w.model))
	}
	want, err := ScanInto(nil, w.points(), q)
	if err != nil {
		return err
	}
	got, err := w.ix.NearestInto(nil, q)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("query %+v:\n index %v\n  scan %v", q, got, want)
	}
	if q.Offset == 0 && q.Filter == nil && q.Limit <= MaxWindow {
		if plain := NearestScan(w.points(), q.At, q.Limit, q.MaxMeters); !slices.Equal(plain, want) {
			return fmt.Errorf("NearestScan %v, ScanInto %v", plain, want)
		}
	}
	return nil
}
