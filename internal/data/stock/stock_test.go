package stock_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/data/stock"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

func newStore(tb testing.TB) *stock.Store {
	rdb, prefix := testenv.Redis(tb)
	return stock.NewStore(rdb, prefix)
}

// eachStore runs fn on a store on the single Redis and, in parallel, on one on the Redis
// Cluster, where every script's keys must share a slot.
func eachStore(t *testing.T, fn func(t *testing.T, s *stock.Store)) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		t.Parallel()
		fn(t, stock.NewStore(rdb, prefix))
	})
}

func token(user, n int64) string { return fmt.Sprintf("%d:%x", user, n) }

// mustLoad sets a batch's counts the way a keeper opens a batch: pause, rebuild, resume.
func mustLoad(tb testing.TB, s *stock.Store, batch int64, remaining map[int64]int64) {
	tb.Helper()
	ctx := context.Background()
	if err := s.Pause(ctx, batch, time.Minute); err != nil {
		tb.Fatal(err)
	}
	if err := s.Rebuild(ctx, batch, stock.Snapshot{Remaining: remaining}); err != nil {
		tb.Fatal(err)
	}
	if err := s.Resume(ctx, batch); err != nil {
		tb.Fatal(err)
	}
}

func remaining(t *testing.T, s *stock.Store, batch int64, items ...int64) map[int64]int64 {
	t.Helper()
	left, err := s.Remaining(t.Context(), batch, items...)
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func holdings(t *testing.T, s *stock.Store, batch, user int64) map[int64]int64 {
	t.Helper()
	held, err := s.Holdings(t.Context(), batch, user)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// Many shoppers racing for one item never take more than its quota, and each keeps its limit.
func TestNoOversellUnderConcurrency(t *testing.T) { eachStore(t, testNoOversellUnderConcurrency) }

func testNoOversellUnderConcurrency(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 1, map[int64]int64{10: 100})
	var won, soldOut, limited atomic.Int64
	var wg sync.WaitGroup
	for shopper := range int64(400) {
		wg.Go(func() {
			for attempt := range int64(3) { // each shopper tries three orders of 1, limit 2
				err := s.Reserve(ctx, 1, token(shopper, attempt), shopper, []stock.Line{{ItemID: 10, Qty: 1, Limit: 2}})
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, stock.ErrSoldOut):
					soldOut.Add(1)
				case errors.Is(err, stock.ErrLimitExceeded):
					limited.Add(1)
				default:
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	left := remaining(t, s, 1, 10)
	if won.Load() != 100 || left[10] != 0 {
		t.Fatalf("%d units reserved, %d left; want 100 and 0", won.Load(), left[10])
	}
	if won.Load()+soldOut.Load()+limited.Load() != 1200 {
		t.Fatalf("answers do not add up: %d won, %d sold out, %d limited", won.Load(), soldOut.Load(), limited.Load())
	}
}

// An order of several lines takes all of them or none.
func TestReserveIsAllOrNothing(t *testing.T) { eachStore(t, testReserveIsAllOrNothing) }

func testReserveIsAllOrNothing(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 2, map[int64]int64{1: 5, 2: 1})
	err := s.Reserve(ctx, 2, "7:a", 7, []stock.Line{{ItemID: 1, Qty: 3}, {ItemID: 2, Qty: 2}})
	var ie *stock.ItemError
	if !errors.As(err, &ie) || ie.ItemID != 2 || !errors.Is(err, stock.ErrSoldOut) {
		t.Fatalf("reserve beyond item 2's stock: %v", err)
	}
	if left := remaining(t, s, 2, 1, 2); left[1] != 5 || left[2] != 1 {
		t.Fatalf("a refused order took stock: %v", left)
	}
	if err := s.Reserve(ctx, 2, "7:b", 7, []stock.Line{{ItemID: 3, Qty: 1}}); !errors.Is(err, stock.ErrNotLoaded) {
		t.Fatalf("unknown item: %v", err)
	}
}

// A retried reservation takes nothing more; a release gives back once and frees the limit.
func TestReserveAndReleaseAreIdempotent(t *testing.T) {
	eachStore(t, testReserveAndReleaseAreIdempotent)
}

func testReserveAndReleaseAreIdempotent(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 3, map[int64]int64{1: 10})
	line := []stock.Line{{ItemID: 1, Qty: 2, Limit: 2}}
	for range 3 {
		if err := s.Reserve(ctx, 3, "9:first", 9, line); err != nil {
			t.Fatal(err)
		}
	}
	if left := remaining(t, s, 3, 1); left[1] != 8 {
		t.Fatalf("retries took stock again: %d left", left[1])
	}
	if err := s.Reserve(ctx, 3, "9:second", 9, line); !errors.Is(err, stock.ErrLimitExceeded) {
		t.Fatalf("second order over the limit: %v", err)
	}
	for i, want := range []bool{true, false} {
		released, err := s.Release(ctx, 3, "9:first", 9)
		if err != nil || released != want {
			t.Fatalf("release #%d = %v, %v; want %v", i+1, released, err, want)
		}
	}
	if left := remaining(t, s, 3, 1); left[1] != 10 {
		t.Fatalf("after release %d left, want 10", left[1])
	}
	if held := holdings(t, s, 3, 9); len(held) != 0 {
		t.Fatalf("holdings after the release: %v", held)
	}
	if err := s.Reserve(ctx, 3, "9:third", 9, line); err != nil {
		t.Fatalf("the limit was not freed by the release: %v", err)
	}
}

func TestBadLinesAndTokensAreRefusedBeforeRedis(t *testing.T) {
	eachStore(t, testBadLinesAndTokensAreRefusedBeforeRedis)
}

func testBadLinesAndTokensAreRefusedBeforeRedis(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	for _, lines := range [][]stock.Line{
		nil,
		{{ItemID: 1, Qty: 0}},
		{{ItemID: 1, Qty: -1}},
		{{ItemID: 1, Qty: 1, Limit: -1}},
		{{ItemID: 1, Qty: 1}, {ItemID: 1, Qty: 1}},
	} {
		if err := s.Reserve(ctx, 4, "1:a", 1, lines); err == nil {
			t.Errorf("lines %v accepted", lines)
		}
	}
	ok := []stock.Line{{ItemID: 1, Qty: 1}}
	for _, tok := range []string{"", " ", "1:a b", "1:a\tb", "1:a\n", "1:\x00", "1:\xff", strings.Repeat("x", 101)} {
		if err := s.Reserve(ctx, 4, tok, 1, ok); err == nil || errors.Is(err, stock.ErrNotLoaded) {
			t.Errorf("reserve with token %q: %v, want refused before Redis", tok, err)
		}
		if _, err := s.Release(ctx, 4, tok, 1); err == nil {
			t.Errorf("release with token %q accepted", tok)
		}
	}
	// The longest token is fine (and reaches Redis, which knows no stock of batch 4).
	if err := s.Reserve(ctx, 4, strings.Repeat("x", 100), 1, ok); !errors.Is(err, stock.ErrNotLoaded) {
		t.Errorf("100-character token: %v", err)
	}
}

// A token reused with other lines or by another shopper is refused and changes nothing; a
// release by the wrong shopper gives nothing back.
func TestTokensCannotBeConfused(t *testing.T) { eachStore(t, testTokensCannotBeConfused) }

func testTokensCannotBeConfused(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 5, map[int64]int64{1: 10})
	if err := s.Reserve(ctx, 5, "7:k", 7, []stock.Line{{ItemID: 1, Qty: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, 5, "7:k", 7, []stock.Line{{ItemID: 1, Qty: 3}}); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("same token, other lines: %v", err)
	}
	if err := s.Reserve(ctx, 5, "7:k", 8, []stock.Line{{ItemID: 1, Qty: 2}}); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("same token, other shopper: %v", err)
	}
	if _, err := s.Release(ctx, 5, "7:k", 8); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("release by another shopper: %v", err)
	}
	if left := remaining(t, s, 5, 1); left[1] != 8 {
		t.Fatalf("%d left, want 8", left[1])
	}
	if ok, err := s.Release(ctx, 5, "7:k", 7); !ok || err != nil {
		t.Fatalf("release by the owner: %v, %v", ok, err)
	}
	if left := remaining(t, s, 5, 1); left[1] != 10 {
		t.Fatalf("%d left after release, want 10", left[1])
	}
}

// A paused batch refuses reservations, retries and releases alike and changes nothing; Resume
// opens it again, and a pause runs out by itself.
func TestPausedBatchRefusesAndChangesNothing(t *testing.T) {
	eachStore(t, testPausedBatchRefusesAndChangesNothing)
}

func testPausedBatchRefusesAndChangesNothing(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 6, map[int64]int64{1: 10})
	line := []stock.Line{{ItemID: 1, Qty: 3, Limit: 5}}
	if err := s.Reserve(ctx, 6, "1:held", 1, line); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(ctx, 6, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, 6, "1:new", 1, []stock.Line{{ItemID: 1, Qty: 1}}); !errors.Is(err, stock.ErrPaused) {
		t.Fatalf("reserve while paused: %v", err)
	}
	if err := s.Reserve(ctx, 6, "1:held", 1, line); !errors.Is(err, stock.ErrPaused) {
		t.Fatalf("retry while paused: %v", err)
	}
	if ok, err := s.Release(ctx, 6, "1:held", 1); ok || !errors.Is(err, stock.ErrPaused) {
		t.Fatalf("release while paused: %v, %v", ok, err)
	}
	if left := remaining(t, s, 6, 1); left[1] != 7 {
		t.Fatalf("%d left while paused, want 7", left[1])
	}
	if held := holdings(t, s, 6, 1); !maps.Equal(held, map[int64]int64{1: 3}) {
		t.Fatalf("holdings while paused: %v", held)
	}
	if err := s.Resume(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Release(ctx, 6, "1:held", 1); !ok || err != nil {
		t.Fatalf("release after resume: %v, %v", ok, err)
	}
	if err := s.Pause(ctx, 6, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if err := s.Reserve(ctx, 6, "1:new", 1, []stock.Line{{ItemID: 1, Qty: 1}}); err != nil {
		t.Fatalf("reserve after the pause ran out: %v", err)
	}
	if err := s.Pause(ctx, 6, 0); err == nil {
		t.Fatal("pause without a ttl accepted")
	}
}

func TestRebuildRequiresPause(t *testing.T) { eachStore(t, testRebuildRequiresPause) }

func testRebuildRequiresPause(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 7, map[int64]int64{1: 10})
	if err := s.Reserve(ctx, 7, "1:a", 1, []stock.Line{{ItemID: 1, Qty: 4}}); err != nil {
		t.Fatal(err)
	}
	err := s.Rebuild(ctx, 7, stock.Snapshot{Remaining: map[int64]int64{1: 10}})
	if !errors.Is(err, stock.ErrNotPaused) {
		t.Fatalf("rebuild of a running batch: %v", err)
	}
	if left := remaining(t, s, 7, 1); left[1] != 6 {
		t.Fatalf("a refused rebuild changed stock: %d left, want 6", left[1])
	}
	if held := holdings(t, s, 7, 1); !maps.Equal(held, map[int64]int64{1: 4}) {
		t.Fatalf("a refused rebuild changed holdings: %v", held)
	}
}

func TestRebuildRefusesBadSnapshots(t *testing.T) { eachStore(t, testRebuildRefusesBadSnapshots) }

func testRebuildRefusesBadSnapshots(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	if err := s.Pause(ctx, 8, time.Minute); err != nil {
		t.Fatal(err)
	}
	one := []stock.Line{{ItemID: 1, Qty: 1}}
	for name, snap := range map[string]stock.Snapshot{
		"bad token":            {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "a b", UserID: 1, Lines: one}}},
		"token twice":          {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "1:a", UserID: 1, Lines: one}, {Token: "1:a", UserID: 1, Lines: one}}},
		"no lines":             {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "1:a", UserID: 1}}},
		"item uncounted":       {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "1:a", UserID: 1, Lines: []stock.Line{{ItemID: 2, Qty: 1}}}}},
		"zero quantity":        {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "1:a", UserID: 1, Lines: []stock.Line{{ItemID: 1}}}}},
		"item in a line twice": {Remaining: map[int64]int64{1: 1}, Reservations: []stock.Reservation{{Token: "1:a", UserID: 1, Lines: []stock.Line{{ItemID: 1, Qty: 1}, {ItemID: 1, Qty: 1}}}}},
	} {
		if err := s.Rebuild(ctx, 8, snap); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A rebuilt batch behaves as if its reservations had been made by Reserve: a release gives stock
// back exactly once, a retry of a rebuilt token is a no-op success, the per-shopper limit counts
// rebuilt holdings, and whatever Redis held before (lost, stale or extra) is gone.
func TestRebuildRestoresReservations(t *testing.T) { eachStore(t, testRebuildRestoresReservations) }

func testRebuildRestoresReservations(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	const batch = 9
	// Redis drifted from the database: a stale count, an order the database does not know, and
	// holdings of a shopper with no live order.
	mustLoad(t, s, batch, map[int64]int64{1: 3, 2: 99})
	if err := s.Reserve(ctx, batch, "5:ghost", 5, []stock.Line{{ItemID: 1, Qty: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(ctx, batch, time.Minute); err != nil {
		t.Fatal(err)
	}
	aLines := []stock.Line{{ItemID: 2, Qty: 1, Limit: 3}, {ItemID: 1, Qty: 2, Limit: 3}}
	snap := stock.Snapshot{
		Remaining: map[int64]int64{1: 5, 2: 6}, // quotas 10 and 8
		Reservations: []stock.Reservation{
			{Token: "1:a", UserID: 1, Lines: aLines},
			{Token: "1:b", UserID: 1, Lines: []stock.Line{{ItemID: 1, Qty: 1, Limit: 3}}},
			{Token: "2:a", UserID: 2, Lines: []stock.Line{{ItemID: 1, Qty: 2, Limit: 3}, {ItemID: 2, Qty: 1, Limit: 3}}},
		},
	}
	if err := s.Rebuild(ctx, batch, snap); err != nil {
		t.Fatal(err)
	}
	if left := remaining(t, s, batch, 1, 2); !maps.Equal(left, map[int64]int64{1: 5, 2: 6}) {
		t.Fatalf("rebuilt stock %v", left)
	}
	for user, want := range map[int64]map[int64]int64{1: {1: 3, 2: 1}, 2: {1: 2, 2: 1}, 5: {}} {
		if held := holdings(t, s, batch, user); !maps.Equal(held, want) {
			t.Fatalf("rebuilt holdings of user %d: %v, want %v", user, held, want)
		}
	}
	// Still paused: the caller resumes.
	if err := s.Reserve(ctx, batch, "3:a", 3, []stock.Line{{ItemID: 1, Qty: 1}}); !errors.Is(err, stock.ErrPaused) {
		t.Fatalf("reserve right after the rebuild: %v", err)
	}
	if err := s.Resume(ctx, batch); err != nil {
		t.Fatal(err)
	}

	// (b) A retry of a rebuilt token, lines in another order, is recognised; other lines are not.
	if err := s.Reserve(ctx, batch, "1:a", 1, []stock.Line{aLines[1], aLines[0]}); err != nil {
		t.Fatalf("retry of a rebuilt token: %v", err)
	}
	if err := s.Reserve(ctx, batch, "1:a", 1, []stock.Line{{ItemID: 1, Qty: 2, Limit: 3}}); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("rebuilt token with other lines: %v", err)
	}
	if left := remaining(t, s, batch, 1, 2); !maps.Equal(left, map[int64]int64{1: 5, 2: 6}) {
		t.Fatalf("retries took stock: %v", left)
	}
	// (c) User 1 holds 3 of item 1, its limit.
	if err := s.Reserve(ctx, batch, "1:c", 1, []stock.Line{{ItemID: 1, Qty: 1, Limit: 3}}); !errors.Is(err, stock.ErrLimitExceeded) {
		t.Fatalf("over the limit with rebuilt holdings: %v", err)
	}
	// (a) A rebuilt reservation gives its stock back once and frees the limit.
	for i, want := range []bool{true, false} {
		if ok, err := s.Release(ctx, batch, "1:a", 1); ok != want || err != nil {
			t.Fatalf("release #%d of a rebuilt token: %v, %v; want %v", i+1, ok, err, want)
		}
	}
	if left := remaining(t, s, batch, 1, 2); !maps.Equal(left, map[int64]int64{1: 7, 2: 7}) {
		t.Fatalf("after release %v, want 7 and 7", left)
	}
	if held := holdings(t, s, batch, 1); !maps.Equal(held, map[int64]int64{1: 1}) {
		t.Fatalf("holdings after release %v", held)
	}
	if err := s.Reserve(ctx, batch, "1:c", 1, []stock.Line{{ItemID: 1, Qty: 2, Limit: 3}}); err != nil {
		t.Fatalf("limit not freed by the release: %v", err)
	}
	if _, err := s.Release(ctx, batch, "2:a", 1); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("release of a rebuilt token by another shopper: %v", err)
	}
	// The ghost order is gone with the rebuild.
	if ok, err := s.Release(ctx, batch, "5:ghost", 5); ok || err != nil {
		t.Fatalf("release of an order the database did not list: %v, %v", ok, err)
	}
	if left := remaining(t, s, batch, 1); left[1] != 5 {
		t.Fatalf("%d of item 1 left, want 5", left[1])
	}
}

// A quota lowered under what is taken rebuilds to a negative count: nothing sells until
// releases bring it above zero.
func TestRebuildOversoldCount(t *testing.T) { eachStore(t, testRebuildOversoldCount) }

func testRebuildOversoldCount(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	if err := s.Pause(ctx, 13, time.Minute); err != nil {
		t.Fatal(err)
	}
	two := []stock.Line{{ItemID: 1, Qty: 2}}
	snap := stock.Snapshot{Remaining: map[int64]int64{1: -1}, Reservations: []stock.Reservation{
		{Token: "1:a", UserID: 1, Lines: two}, {Token: "2:a", UserID: 2, Lines: two},
	}}
	if err := s.Rebuild(ctx, 13, snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(ctx, 13); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, 13, "3:a", 3, []stock.Line{{ItemID: 1, Qty: 1}}); !errors.Is(err, stock.ErrSoldOut) {
		t.Fatalf("reserve of an oversold item: %v", err)
	}
	if ok, err := s.Release(ctx, 13, "1:a", 1); !ok || err != nil {
		t.Fatalf("release: %v, %v", ok, err)
	}
	if err := s.Reserve(ctx, 13, "3:a", 3, []stock.Line{{ItemID: 1, Qty: 1}}); err != nil {
		t.Fatalf("reserve after the release: %v", err)
	}
	if left := remaining(t, s, 13, 1); left[1] != 0 {
		t.Fatalf("%d left, want 0", left[1])
	}
}

// An empty snapshot of a paused batch leaves only the pause; Drop removes that too.
func TestRebuildEmptyAndDrop(t *testing.T) { eachStore(t, testRebuildEmptyAndDrop) }

func testRebuildEmptyAndDrop(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	mustLoad(t, s, 10, map[int64]int64{1: 5})
	mustLoad(t, s, 1, map[int64]int64{1: 5}) // another batch, which must survive
	if err := s.Reserve(ctx, 10, "1:a", 1, []stock.Line{{ItemID: 1, Qty: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(ctx, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Rebuild(ctx, 10, stock.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if left := remaining(t, s, 10, 1); len(left) != 0 {
		t.Fatalf("stock after an empty rebuild: %v", left)
	}
	if held := holdings(t, s, 10, 1); len(held) != 0 {
		t.Fatalf("holdings after an empty rebuild: %v", held)
	}
	if err := s.Reserve(ctx, 10, "1:b", 1, []stock.Line{{ItemID: 1, Qty: 1}}); !errors.Is(err, stock.ErrPaused) {
		t.Fatalf("the pause did not survive the rebuild: %v", err)
	}
	if err := s.Drop(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, 10, "1:b", 1, []stock.Line{{ItemID: 1, Qty: 1}}); !errors.Is(err, stock.ErrNotLoaded) {
		t.Fatalf("reserve in a dropped batch: %v", err)
	}
	if left := remaining(t, s, 1, 1); left[1] != 5 {
		t.Fatalf("dropping batch 10 touched batch 1: %v", left)
	}
}

// A big batch rebuilds in several pipelines and every reservation comes back.
func TestRebuildManyReservations(t *testing.T) { eachStore(t, testRebuildManyReservations) }

func testRebuildManyReservations(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	const n = 5000
	if err := s.Pause(ctx, 11, time.Minute); err != nil {
		t.Fatal(err)
	}
	snap := stock.Snapshot{Remaining: map[int64]int64{1: 0}}
	for i := range int64(n) {
		snap.Reservations = append(snap.Reservations, stock.Reservation{Token: token(i%100, i), UserID: i % 100, Lines: []stock.Line{{ItemID: 1, Qty: 1}}})
	}
	for range 2 { // the second rebuild must first delete all the first one wrote
		if err := s.Rebuild(ctx, 11, snap); err != nil {
			t.Fatal(err)
		}
	}
	if held := holdings(t, s, 11, 42); held[1] != n/100 {
		t.Fatalf("user 42 holds %v, want %d", held, n/100)
	}
	if err := s.Resume(ctx, 11); err != nil {
		t.Fatal(err)
	}
	for _, r := range snap.Reservations {
		if ok, err := s.Release(ctx, 11, r.Token, r.UserID); !ok || err != nil {
			t.Fatalf("release %s: %v, %v", r.Token, ok, err)
		}
	}
	if left := remaining(t, s, 11, 1); left[1] != n {
		t.Fatalf("%d left after releasing everything, want %d", left[1], n)
	}
}

// sale is the test's stand-in for the database: the reservations that succeeded and were not
// cancelled. A checkout holds inFlight for reading from its call to Redis until it has recorded
// the outcome, as a real checkout holds its transaction; the reconciler takes it to wait them out.
type sale struct {
	inFlight sync.RWMutex
	mu       sync.Mutex
	live     map[string]stock.Reservation
}

func (d *sale) record(r stock.Reservation) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.live[r.Token] = r
}

func (d *sale) cancel(token string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.live, token)
}

// snapshot is what the reconciler reads from the database: one item, quota minus what is live.
func (d *sale) snapshot(quota int64) stock.Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	snap := stock.Snapshot{Remaining: map[int64]int64{1: quota}}
	for _, r := range d.live {
		snap.Remaining[1] -= r.Lines[0].Qty
		snap.Reservations = append(snap.Reservations, r)
	}
	return snap
}

// Redis loses a batch in the middle of a sale. Shoppers see ErrNotLoaded, then ErrPaused, and
// retry; the reconciler pauses, waits out in-flight checkouts, rebuilds from the database and
// resumes; the sale carries on, releases rebuilt reservations, and never oversells.
func TestWipeMidSaleThenRebuild(t *testing.T) { eachStore(t, testWipeMidSaleThenRebuild) }

func testWipeMidSaleThenRebuild(t *testing.T, s *stock.Store) {
	ctx := t.Context()
	const (
		batch    = 12
		quota    = 400
		limit    = 12
		shoppers = 60
		steps    = 40
	)
	mustLoad(t, s, batch, map[int64]int64{1: quota})
	db := &sale{live: map[string]stock.Reservation{}}
	var reserved, refused, reservedAfter atomic.Int64
	var resumed atomic.Bool
	dropped := make(chan struct{})

	// checkout reserves until Redis gives a final answer, retrying while the batch is lost or
	// paused, and reports whether the reservation was made.
	checkout := func(r stock.Reservation) bool {
		for {
			db.inFlight.RLock()
			err := s.Reserve(ctx, batch, r.Token, r.UserID, r.Lines)
			if err == nil {
				db.record(r)
			}
			db.inFlight.RUnlock()
			switch {
			case err == nil:
				reserved.Add(1)
				if resumed.Load() {
					reservedAfter.Add(1)
				}
				return true
			case errors.Is(err, stock.ErrSoldOut), errors.Is(err, stock.ErrLimitExceeded):
				return false
			case errors.Is(err, stock.ErrNotLoaded), errors.Is(err, stock.ErrPaused):
				refused.Add(1)
				time.Sleep(time.Millisecond)
			default:
				t.Error(err)
				return false
			}
		}
	}
	// cancel releases a reservation. The order is cancelled in the database whatever Redis
	// answers: with the batch lost, Redis has nothing to give back, and the rebuild will not
	// count the order. Only a paused batch makes it retry.
	cancel := func(r stock.Reservation) {
		for {
			db.inFlight.RLock()
			_, err := s.Release(ctx, batch, r.Token, r.UserID)
			if err == nil {
				db.cancel(r.Token)
			}
			db.inFlight.RUnlock()
			if !errors.Is(err, stock.ErrPaused) {
				if err != nil {
					t.Error(err)
				}
				return
			}
			time.Sleep(time.Millisecond)
		}
	}

	var wg sync.WaitGroup
	for shopper := range int64(shoppers) {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(shopper), 1))
			var mine []stock.Reservation
			for step := range int64(steps) {
				if step == steps/2 {
					<-dropped // half the sale happens after the loss
				}
				if len(mine) > 0 && rnd.IntN(4) == 0 {
					i := rnd.IntN(len(mine))
					cancel(mine[i])
					mine = slices.Delete(mine, i, i+1)
					continue
				}
				r := stock.Reservation{Token: token(shopper, step), UserID: shopper,
					Lines: []stock.Line{{ItemID: 1, Qty: 1 + rnd.Int64N(3), Limit: limit}}}
				if checkout(r) {
					mine = append(mine, r)
				}
			}
		})
	}
	// Watch the count for the whole sale: it must never go below zero.
	saleOver := make(chan struct{})
	var watched sync.WaitGroup
	watched.Go(func() {
		for {
			select {
			case <-saleOver:
				return
			default:
			}
			left, err := s.Remaining(ctx, batch, 1)
			if err != nil {
				t.Error(err)
				return
			}
			if n, ok := left[1]; ok && n < 0 {
				t.Errorf("remaining went negative: %d", n)
				return
			}
			time.Sleep(200 * time.Microsecond)
		}
	})

	// The reconciler.
	for reserved.Load() < 30 {
		time.Sleep(100 * time.Microsecond)
	}
	if err := s.Drop(ctx, batch); err != nil {
		t.Fatal(err)
	}
	close(dropped)
	// Let shoppers run into the loss for a while (they all retry from step steps/2 on).
	for before, end := refused.Load(), time.Now().Add(time.Second); refused.Load() < before+20 && time.Now().Before(end); {
		time.Sleep(100 * time.Microsecond)
	}
	if err := s.Pause(ctx, batch, time.Minute); err != nil {
		t.Fatal(err)
	}
	db.inFlight.Lock() // wait out the checkouts that reached Redis before the pause
	snap := db.snapshot(quota)
	db.inFlight.Unlock()
	if err := s.Rebuild(ctx, batch, snap); err != nil {
		t.Fatal(err)
	}
	resumed.Store(true)
	if err := s.Resume(ctx, batch); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(saleOver)
	watched.Wait()

	if reservedAfter.Load() == 0 {
		t.Fatal("no reservation succeeded after the rebuild: the sale did not carry on")
	}
	final := db.snapshot(quota)
	left := remaining(t, s, batch, 1)
	if left[1] != final.Remaining[1] || left[1] < 0 {
		t.Fatalf("%d left, want quota %d minus %d reserved = %d", left[1], quota, quota-final.Remaining[1], final.Remaining[1])
	}
	want := map[int64]map[int64]int64{}
	for _, r := range final.Reservations {
		if want[r.UserID] == nil {
			want[r.UserID] = map[int64]int64{}
		}
		want[r.UserID][1] += r.Lines[0].Qty
	}
	for shopper := range int64(shoppers) {
		held := holdings(t, s, batch, shopper)
		if !maps.Equal(held, want[shopper]) && (len(held) != 0 || len(want[shopper]) != 0) {
			t.Errorf("shopper %d holds %v in Redis, %v in the database", shopper, held, want[shopper])
		}
		if held[1] > limit {
			t.Errorf("shopper %d holds %d, over the limit %d", shopper, held[1], limit)
		}
	}
	t.Logf("%d reservations (%d after the rebuild), %d retries of a lost or paused batch, %d units left",
		reserved.Load(), reservedAfter.Load(), refused.Load(), left[1])
}

// BenchmarkReserve is many shoppers taking one hot item, one unit per order.
func BenchmarkReserve(b *testing.B) {
	s := newStore(b)
	ctx := b.Context()
	mustLoad(b, s, 1, map[int64]int64{1: 1 << 50})
	var shoppers atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		user := shoppers.Add(1)
		for n := int64(0); pb.Next(); n++ {
			if err := s.Reserve(ctx, 1, token(user, n), user, []stock.Line{{ItemID: 1, Qty: 1}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// LoadFresh loads a fresh batch without a pause, loads only what is missing, and never undoes a
// reservation, however often it runs.
func TestLoadFreshSetsOnlyMissingCounts(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	const batch = 42
	if err := s.LoadFresh(ctx, batch, map[int64]int64{1: 10}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, batch, token(7, 1), 7, []stock.Line{{ItemID: 1, Qty: 3}}); err != nil {
		t.Fatalf("reserve right after the load: %v", err)
	}
	if err := s.LoadFresh(ctx, batch, map[int64]int64{1: 10, 2: 5}); err != nil {
		t.Fatal(err)
	}
	if left := remaining(t, s, batch, 1, 2); left[1] != 7 || left[2] != 5 {
		t.Fatalf("after loading again: %v, want item 1 at 7 and item 2 at 5", left)
	}
}
