package redispace_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/redispace"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

const mchID = "1900000109"

func newPacer(t *testing.T, rdb redis.UniversalClient, prefix string, rates map[pace.Op]float64, backoff time.Duration) *redispace.Pacer {
	t.Helper()
	p, err := redispace.New(rdb, redisdb.KeyPrefix(strings.TrimSuffix(prefix, ":")), redispace.Config{MchID: mchID, Rates: rates,
		Backoff: backoff, MaxReplicas: 4}, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// admissions runs workers goroutines on each pacer, each waiting for op and recording when
// it was let through, until d has passed; it returns the times, sorted.
func admissions(t *testing.T, pacers []*redispace.Pacer, op pace.Op, workers int, d time.Duration) []time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var got []time.Time
	var wg sync.WaitGroup
	for _, p := range pacers {
		for range workers {
			wg.Go(func() {
				for p.Wait(ctx, op) == nil {
					mu.Lock()
					got = append(got, time.Now())
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
	return got
}

// busiest is the most admissions in any window of length w.
func busiest(times []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// Two replicas (pacers of their own on one Redis), 16 callers each, ask for as many permits
// as they can for 3 s: together they get the merchant's rate, never more than rate × t + 1
// over any window, and nearly all of it (the pace is not just slow).
func TestReplicasShareTheMerchantsRate(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		const rate, d = 100.0, 3 * time.Second
		rates := map[pace.Op]float64{pace.CreateOrder: rate}
		a, b := newPacer(t, rdb, prefix, rates, time.Second), newPacer(t, rdb, prefix, rates, time.Second)
		got := admissions(t, []*redispace.Pacer{a, b}, pace.CreateOrder, 16, d)
		const burst = 1 // permits come one at a time
		// A waiter wakes a little late now and then and meets the next one: 2 of slack. And a
		// permit is recorded when its goroutine runs again, which on a loaded machine (the race
		// detector, the rest of the suite) can be tens of milliseconds after the bucket granted
		// it, bunching permits granted apart: windows are widened by that lag. A pace twice the
		// rate still fails every window.
		const slack, lag = 2, 50 * time.Millisecond
		for _, w := range []time.Duration{100 * time.Millisecond, time.Second, 2 * time.Second} {
			limit := int(rate*(w+lag).Seconds()) + burst + slack
			if n := busiest(got, w); n > limit {
				t.Errorf("%d calls within %s, want at most %d (rate %v, burst %d)", n, w, limit, rate, burst)
			}
		}
		if total, least := len(got), int(0.9*rate*d.Seconds()); total < least || total > int(rate*d.Seconds())+burst+slack {
			t.Errorf("%d calls in %s at %v a second, want %d to %d", total, d, rate, least, int(rate*d.Seconds())+burst+slack)
		}
		t.Logf("%d calls in %s (%.1f/s, rate %v, burst %d); busiest second %d", len(got), d,
			float64(len(got))/d.Seconds(), rate, burst, busiest(got, time.Second))
	})
}

// Each operation, and each merchant, has a bucket of its own.
func TestOperationsArePacedApart(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		p := newPacer(t, rdb, prefix, map[pace.Op]float64{pace.CreateOrder: 20, pace.QueryOrder: 40}, time.Second)
		var create, query []time.Time
		var wg sync.WaitGroup
		wg.Go(func() { create = admissions(t, []*redispace.Pacer{p}, pace.CreateOrder, 4, 2*time.Second) })
		wg.Go(func() { query = admissions(t, []*redispace.Pacer{p}, pace.QueryOrder, 4, 2*time.Second) })
		wg.Wait()
		if n := busiest(create, time.Second); n > 20+2+2 || len(create) < 36 {
			t.Errorf("create_order: %d calls in 2 s, %d in the busiest second; want about 20 a second", len(create), n)
		}
		if n := busiest(query, time.Second); n > 40+4+2 || len(query) < 72 {
			t.Errorf("query_order: %d calls in 2 s, %d in the busiest second; want about 40 a second", len(query), n)
		}
		// An operation without a rate is not paced.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		for i := range 1000 {
			if err := p.Wait(ctx, pace.Unfreeze); err != nil {
				t.Fatalf("unpaced wait %d: %v", i, err)
			}
		}
	})
}

// A FREQUENCY_LIMITED answer met by one replica slows the other down too, for the back-off,
// after which the full rate comes back.
func TestLimitedSlowsEveryReplica(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		const rate, backoff = 100.0, 2 * time.Second
		rates := map[pace.Op]float64{pace.Unfreeze: rate}
		a, b := newPacer(t, rdb, prefix, rates, backoff), newPacer(t, rdb, prefix, rates, backoff)
		before := admissions(t, []*redispace.Pacer{b}, pace.Unfreeze, 8, time.Second)
		a.Limited(context.Background(), pace.Unfreeze)
		a.Limited(context.Background(), pace.Unfreeze) // the same second: halved once
		slowed := admissions(t, []*redispace.Pacer{b}, pace.Unfreeze, 8, time.Second)
		time.Sleep(backoff) // the back-off passes
		after := admissions(t, []*redispace.Pacer{b}, pace.Unfreeze, 8, time.Second)
		t.Logf("replica b: %d calls in the second before, %d after a's FREQUENCY_LIMITED, %d once the back-off passed",
			len(before), len(slowed), len(after))
		if len(before) < 85 {
			t.Errorf("before: %d calls in 1 s, want about %v", len(before), rate)
		}
		// Half the rate: at most 50 (plus a late waiter).
		if len(slowed) > 52 || len(slowed) < 35 {
			t.Errorf("slowed down: %d calls in 1 s, want about %v (half the rate)", len(slowed), rate/2)
		}
		if len(after) < 85 {
			t.Errorf("after the back-off: %d calls in 1 s, want about %v", len(after), rate)
		}
	})
}

// cutHook makes its client's commands fail while cut is set, as if its Redis were unreachable
// from this replica alone.
type cutHook struct{ cut atomic.Bool }

var errCut = errors.New("redis unreachable from this replica")

func (h *cutHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *cutHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.cut.Load() {
			cmd.SetErr(errCut)
			return errCut
		}
		return next(ctx, cmd)
	}
}

func (h *cutHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.cut.Load() {
			return errCut
		}
		return next(ctx, cmds)
	}
}

// cuttable is a client of the test's Redis (single) of its own, that the hook can cut off.
func cuttable(t *testing.T) (*redis.Client, *cutHook) {
	t.Helper()
	addrs, _ := testenv.RedisAddrs(testenv.SingleRedis)
	rdb := redis.NewClient(&redis.Options{Addr: addrs[0], MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	h := &cutHook{}
	rdb.AddHook(h)
	return rdb, h
}

// shortPacer is newPacer with a replica counted away 300 ms after its last permit and
// forgotten after forget.
func shortPacer(t *testing.T, rdb redis.UniversalClient, prefix string, rate float64, replicas int, forget time.Duration) *redispace.Pacer {
	t.Helper()
	cfg := redispace.WithTimes(redispace.Config{MchID: mchID, Rates: map[pace.Op]float64{pace.CreateOrder: rate},
		Backoff: 10 * time.Second, MaxReplicas: replicas}, 300*time.Millisecond, forget)
	p, err := redispace.New(rdb, redisdb.KeyPrefix(strings.TrimSuffix(prefix, ":")), cfg, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Without Redis a replica paces itself at rate / max_replicas (4), once the others count it
// away: slower, never faster, and calls still go through. A replica that never reached Redis is
// counted by nobody and calls nothing until it does.
func TestRedisDownFallsBackSlower(t *testing.T) {
	_, prefix := testenv.Redis(t)
	rdb, cut := cuttable(t)
	const rate = 80.0
	p := shortPacer(t, rdb, prefix, rate, 4, 20*time.Second)
	if err := p.Wait(t.Context(), pace.CreateOrder); err != nil {
		t.Fatal(err)
	}
	cut.cut.Store(true)
	// 300 ms of grace, then 20 a second, burst 1: at most 41 in the 2 s after.
	got := admissions(t, []*redispace.Pacer{p}, pace.CreateOrder, 8, 2300*time.Millisecond)
	if len(got) > 41 || len(got) < 30 {
		t.Errorf("Redis down: %d calls in 2 s, want about %v (rate %v / 4 replicas)", len(got), 2*rate/4, rate)
	}
	p.Limited(context.Background(), pace.CreateOrder) // Redis still down: the local pace halves
	slowed := admissions(t, []*redispace.Pacer{p}, pace.CreateOrder, 8, 2*time.Second)
	if len(slowed) > 21 || len(slowed) < 14 {
		t.Errorf("Redis down, FREQUENCY_LIMITED: %d calls in 2 s, want about %v", len(slowed), 2*rate/8)
	}
	t.Logf("Redis down: %d calls in 2 s at rate %v (%.1f/s); after FREQUENCY_LIMITED %d", len(got), rate,
		float64(len(got))/2, len(slowed))

	never := shortPacer(t, rdb, prefix, rate, 4, 20*time.Second)
	if n := len(admissions(t, []*redispace.Pacer{never}, pace.CreateOrder, 4, 700*time.Millisecond)); n != 0 {
		t.Errorf("a replica that never reached Redis made %d calls on its own", n)
	}
}

// admitted runs admissions on a and b at once, apart.
func admitted(t *testing.T, a, b *redispace.Pacer, d time.Duration) (ta, tb []time.Time) {
	var wg sync.WaitGroup
	wg.Go(func() { ta = admissions(t, []*redispace.Pacer{a}, pace.CreateOrder, 8, d) })
	wg.Go(func() { tb = admissions(t, []*redispace.Pacer{b}, pace.CreateOrder, 8, d) })
	wg.Wait()
	return ta, tb
}

func merged(a, b []time.Time) []time.Time {
	all := append(slices.Clone(a), b...)
	slices.SortFunc(all, func(x, y time.Time) int { return x.Compare(y) })
	return all
}

// Redis fails for one replica of two: it paces itself at rate / 2 while the other keeps the
// shared bucket, which then leaves it that half. Together they never pass the merchant's rate:
// not while one is away, not once it is forgotten (it stops), not when it is back.
func TestPartialOutageKeepsTheMerchantsRate(t *testing.T) {
	direct, prefix := testenv.Redis(t)
	rdb, cut := cuttable(t)
	const rate, forget = 100.0, 3 * time.Second
	a, b := shortPacer(t, rdb, prefix, rate, 2, forget), shortPacer(t, direct, prefix, rate, 2, forget)
	// While the pace learns that a is away, the two overlap for a moment: 106 to 114 calls
	// within a second at a rate of 100 on this test's machine (the shipped pace keeps 10% below
	// WeChat's limit, and a FREQUENCY_LIMITED answer slows every replica down).
	limit := int(1.15 * rate)
	admitted(t, a, b, 500*time.Millisecond) // both in the bucket's list
	cut.cut.Store(true)
	cutAt := time.Now()
	ta, tb := admitted(t, a, b, 2*time.Second)
	t.Logf("a cut off: a %d calls, b %d in 2 s; busiest second %d", len(ta), len(tb), busiest(merged(ta, tb), time.Second))
	if n := busiest(merged(ta, tb), time.Second); n > limit {
		t.Errorf("one replica away: %d calls within a second, want at most %d", n, limit)
	}
	if len(ta) < 50 {
		t.Errorf("a away: %d calls in 2 s, want about %v a second from 300 ms on", len(ta), rate/2)
	}
	time.Sleep(time.Until(cutAt.Add(forget)))
	ta, tb = admitted(t, a, b, time.Second)
	t.Logf("a forgotten: a %d calls, b %d in 1 s", len(ta), len(tb))
	if len(ta) != 0 || len(tb) < 80 || len(tb) > limit {
		t.Errorf("a forgotten: a made %d calls, b %d in 1 s; want none, and b about %v", len(ta), len(tb), rate)
	}
	cut.cut.Store(false)
	ta, tb = admitted(t, a, b, 2*time.Second)
	t.Logf("a back: a %d calls, b %d in 2 s", len(ta), len(tb))
	if n := busiest(merged(ta, tb), time.Second); n > limit || len(ta) == 0 {
		t.Errorf("a back: %d calls within a second (want at most %d), a made %d", n, limit, len(ta))
	}
}

// The embedded configuration's in-process Redis (miniredis) runs the same scripts.
func TestEmbeddedRedisRunsTheScripts(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	p := newPacer(t, rdb, "embedded:", map[pace.Op]float64{pace.QueryOrder: 50}, time.Second)
	got := admissions(t, []*redispace.Pacer{p}, pace.QueryOrder, 4, time.Second)
	if len(got) < 45 || len(got) > 50+5+2 {
		t.Errorf("miniredis: %d calls in 1 s at 50 a second", len(got))
	}
	p.Limited(context.Background(), pace.QueryOrder)
	if slowed := admissions(t, []*redispace.Pacer{p}, pace.QueryOrder, 4, time.Second); len(slowed) > 27 {
		t.Errorf("miniredis: %d calls in 1 s after FREQUENCY_LIMITED, want about 25", len(slowed))
	}
}

// A caller that cannot wait for the next permit (its deadline comes first) is refused at once
// and takes nothing: callers that keep coming back past their deadline must not push every
// later permit out of reach. After a hundred refusals at one a second — had each taken its
// permit, the next would be a hundred seconds away — the next permit is still within a second.
func TestWaitPastTheDeadlineTakesNoPermit(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		p := newPacer(t, rdb, prefix, map[pace.Op]float64{pace.QueryOrder: 1}, time.Second)
		if err := p.Wait(t.Context(), pace.QueryOrder); err != nil { // the burst of one
			t.Fatal(err)
		}
		for i := range 100 {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			err := p.Wait(ctx, pace.QueryOrder)
			cancel()
			if !errors.Is(err, pace.ErrPastDeadline) {
				t.Fatalf("wait %d with 50 ms to spare: %v, want ErrPastDeadline", i, err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		if err := p.Wait(ctx, pace.QueryOrder); err != nil {
			t.Fatalf("the next permit after the refusals: %v", err)
		}
	})
}

// When the rate rises again (the back-off after FREQUENCY_LIMITED ends), permits asked for then
// come after those promised at the slower rate, never among them: a second never sees more than
// the rate. Sixty callers reserve at half the rate (1.2 s of permits), the back-off ends at
// 0.5 s, and sixty more callers come at 0.6 s.
func TestPermitsAfterABackOffDoNotJumpTheQueue(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		const rate, backoff = 100.0, 500 * time.Millisecond
		p := newPacer(t, rdb, prefix, map[pace.Op]float64{pace.Unfreeze: rate}, backoff)
		p.Limited(context.Background(), pace.Unfreeze)
		var mu sync.Mutex
		var got []time.Time
		var wg sync.WaitGroup
		callers := func() {
			for range 60 {
				wg.Go(func() {
					if err := p.Wait(t.Context(), pace.Unfreeze); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, time.Now())
					mu.Unlock()
				})
			}
		}
		callers()
		time.Sleep(600 * time.Millisecond)
		callers()
		wg.Wait()
		slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
		if n := busiest(got, time.Second); n > int(rate)+2 {
			t.Errorf("%d permits within a second after the back-off, want at most %v", n, rate)
		}
		t.Logf("120 permits in %s; busiest second %d", got[len(got)-1].Sub(got[0]).Round(time.Millisecond), busiest(got, time.Second))
	})
}
