package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/groupbuy/groupbuy/internal/data/seedcity"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// waitCmd waits for /readyz, then until sampled seeded points are all found where they were
// seeded, then checks that nearby answers a set of queries exactly as a scan of the seeded city
// does (ids and metres): a missing or extra point near a query would change its page.
func waitCmd(args []string) error {
	fs, a := apiFlagSet("wait")
	n := fs.Int("n", seedcity.DefaultN, "points seeded (loadgen seed -n)")
	seed := fs.Int64("seed", seedcity.DefaultSeed, "seed of the synthetic city (loadgen seed -seed)")
	samples := fs.Int("samples", 256, "seeded points looked up, the first and last among them")
	checks := fs.Int("checks", 64, "queries compared with a scan of the seeded city")
	limit := fs.Duration("wait", 2*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	token, err := a.bearer()
	if err != nil {
		return err
	}
	var dials atomic.Int64
	client := newClient(4, a.timeout, &dials)
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	start := time.Now()

	if err := poll(ctx, "/readyz", func() error {
		resp, err := client.Get(base.String() + "/readyz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Printf("ready after %v\n", time.Since(start).Round(time.Millisecond))

	pts := seedcity.Points(*n, *seed)
	picked := samplePoints(pts, *samples, *seed)
	if err := poll(ctx, "seeded points", func() error {
		for _, p := range picked {
			// 1 m around the point itself: it and any sharing its building, distance 0.
			got, err := getNearby(ctx, client, nearbyURL(base, p.LatLng, 1, 50), token)
			if err != nil {
				return err
			}
			if !hasID(got, p.ID) {
				return fmt.Errorf("leader %d not found at its pickup point yet", p.ID)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	qs := seedcity.Queries(*checks, *seed)
	for _, q := range qs {
		got, err := getNearby(ctx, client, nearbyURL(base, q, 3000, 10), token)
		if err != nil {
			return err
		}
		if want := geo.NearestScan(pts, q, 10, 3000); !sameResults(got, want) {
			return fmt.Errorf("nearby at %v answers %v, a scan of the seeded city %v: the server does not hold exactly the seeded city", q, got, want)
		}
	}
	fmt.Printf("index holds the seeded city after %v: %d sampled points found, %d queries match a scan of %d points\n",
		time.Since(start).Round(time.Millisecond), len(picked), len(qs), len(pts))
	return nil
}

// poll retries check every 200 ms until it succeeds or ctx ends.
func poll(ctx context.Context, what string, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %w)", what, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// samplePoints is the first point, the last (seeded last, so loaded last) and random others.
func samplePoints(pts []geo.Point, n int, seed int64) []geo.Point {
	if n >= len(pts) {
		return pts
	}
	out := []geo.Point{pts[0], pts[len(pts)-1]}
	rng := rand.New(rand.NewPCG(uint64(seed), 3)) //nolint:gosec // sampling, not secrets
	for len(out) < n {
		out = append(out, pts[rng.IntN(len(pts))])
	}
	return out
}

func hasID(rs []geo.Result, id int64) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// sameResults: same ids in the same order, distances equal to a micrometre (they pass through
// JSON, which keeps float64 exact, but allow for a server computing them differently).
func sameResults(got, want []geo.Result) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].ID != want[i].ID || math.Abs(got[i].Meters-want[i].Meters) > 1e-6 {
			return false
		}
	}
	return true
}
