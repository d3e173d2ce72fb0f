package geo

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentReadersAndWriter runs readers against a writer that moves, removes and
// re-adds points (run it with -race). Readers check every page is well formed, and that
// pinned points the writer never touches are always found: a reader never sees a half-made
// snapshot.
func TestConcurrentReadersAndWriter(t *testing.T) {
	const pinned = 200 // ids 1..pinned never change
	city := SyntheticCity(5_000, 3, shanghai)
	ix, err := BuildIndex(DefaultPickupRes, city)
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := range 3 {
		wg.Go(func() {
			if err := readUntil(ix, city[:pinned], int64(r), &stop, &reads); err != nil {
				errs <- err
			}
		})
	}
	for reads.Load() < 30 { // the readers are up
		runtime.Gosched()
	}
	writes := 3_000
	if testing.Short() {
		writes = 300
	}
	before := reads.Load()
	write(t, ix, city, pinned, writes)
	during := reads.Load() - before
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d reads during %d writes", during, writes)
	if during < 100 {
		t.Errorf("only %d reads overlapped the writer", during)
	}
}

func write(t *testing.T, ix *Index, city []Point, pinned, n int) {
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range n {
		p := city[pinned+rng.IntN(len(city)-pinned)]
		switch i % 3 {
		case 0:
			ix.Remove(p.ID)
		case 1:
			mustUpsert(t, ix, p.ID, destination(p.LatLng, 360*rng.Float64(), 800*rng.Float64()))
		default:
			mustUpsert(t, ix, p.ID, p.LatLng)
		}
	}
}

func readUntil(ix *Index, pins []Point, seed int64, stop *atomic.Bool, reads *atomic.Int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 5))
	qs := SyntheticQueries(256, seed, shanghai)
	page := make([]Result, 0, 50)
	for i := 0; !stop.Load() || i < 100; i++ {
		q := Query{At: qs[i%len(qs)], Limit: 1 + rng.IntN(50), MaxMeters: 3000}
		page, err := ix.NearestInto(page, q)
		if err != nil {
			return err
		}
		if err := wellFormed(page, q); err != nil {
			return err
		}
		pin := pins[rng.IntN(len(pins))]
		// Same place, smaller id than every movable point: ranks first at 0 m.
		if got := ix.Nearest(pin.LatLng, 1, 0); len(got) != 1 || got[0].ID > pin.ID {
			return fmt.Errorf("pinned point %d not found: %v", pin.ID, got)
		}
		reads.Add(2)
	}
	return nil
}

func wellFormed(page []Result, q Query) error {
	if len(page) > q.Limit {
		return fmt.Errorf("%d results for limit %d", len(page), q.Limit)
	}
	if !slices.IsSortedFunc(page, compareResults) {
		return fmt.Errorf("page out of order: %v", page)
	}
	seen := map[int64]bool{}
	for _, r := range page {
		if seen[r.ID] || r.Meters > q.MaxMeters {
			return fmt.Errorf("duplicate or out-of-range result %v in %v", r, page)
		}
		seen[r.ID] = true
	}
	return nil
}
