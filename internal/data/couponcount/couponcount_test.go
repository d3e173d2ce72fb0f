package couponcount_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/couponcount"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

func template(id, count, amount int64, perShopper int, off int64) *promo.Template {
	return &promo.Template{ID: id,
		Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: off},
		Budget:   promo.Budget{Count: count, Amount: amount, PerShopper: perShopper}}
}

func load(t *testing.T, s *couponcount.Store, tpl *promo.Template, issued promo.Issued) {
	t.Helper()
	lease, err := s.Pause(t.Context(), tpl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(t.Context(), tpl, issued, lease); err != nil {
		t.Fatal(err)
	}
}

// The rules of a take, on a single Redis, a cluster and the in-process miniredis of the
// embedded configuration: every script runs on each.
func TestTakeRules(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		takeRules(t, couponcount.NewStore(rdb, redisdb.KeyPrefix(prefix)))
	})
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
		takeRules(t, couponcount.NewStore(rdb, "gb"))
	})
}

func takeRules(t *testing.T, s *couponcount.Store) {
	ctx := t.Context()
	tpl := template(7, 4, 300, 2, 100)
	if _, err := s.Take(ctx, tpl, 1); !errors.Is(err, promo.ErrNotLoaded) {
		t.Fatalf("take before load: %v, want ErrNotLoaded", err)
	}
	load(t, s, tpl, promo.Issued{})
	for want := 1; want <= 2; want++ {
		seq, err := s.Take(ctx, tpl, 1)
		if err != nil || seq != want {
			t.Fatalf("take %d: seq %d, %v", want, seq, err)
		}
	}
	if _, err := s.Take(ctx, tpl, 1); !errors.Is(err, promo.ErrShopperLimit) {
		t.Fatalf("third take of one shopper with limit 2: %v", err)
	}
	mustTake(t, s, tpl, 2)
	// 3 of 4 coupons and 300 of 300 fen booked: the amount budget binds before the count.
	if _, err := s.Take(ctx, tpl, 3); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("take past the amount budget: %v", err)
	}
	// Giving seq 1 back frees exactly it, once.
	for range 2 {
		if err := s.Give(ctx, tpl, 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Read(ctx, tpl.ID)
	if err != nil || f.Count != 2 || f.Amount != 200 || f.PerShopper[1] != 1 {
		t.Fatalf("after giving one of two back twice: %+v, %v", f, err)
	}
	if seq, err := s.Take(ctx, tpl, 1); err != nil || seq != 1 {
		t.Fatalf("take after a give: seq %d, %v; want the freed seq 1", seq, err)
	}
	if err := s.Give(ctx, tpl, 2, 1); err != nil {
		t.Fatal(err)
	}
	// With a cheaper discount the count budget binds: 4 coupons in all.
	cheap := template(7, 4, 300, 2, 10)
	mustTake(t, s, cheap, 3)
	mustTake(t, s, cheap, 4)
	if _, err := s.Take(ctx, cheap, 5); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("fifth take of a count budget of 4: %v", err)
	}
	// A claim holding a template with higher budgets than loaded is held to the loaded ones.
	if _, err := s.Take(ctx, template(7, 100, 10_000, 5, 10), 5); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("take with a stale, higher budget: %v", err)
	}
	lease, err := s.Pause(ctx, tpl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pause(ctx, tpl.ID); !errors.Is(err, promo.ErrBudgetBusy) {
		t.Fatalf("second pause: %v, want ErrBudgetBusy", err)
	}
	if _, err := s.Take(ctx, tpl, 4); !errors.Is(err, promo.ErrBudgetBusy) {
		t.Fatalf("take while paused: %v", err)
	}
	if err := s.Load(ctx, tpl, promo.Issued{}, "not-the-lease"); !errors.Is(err, promo.ErrBudgetBusy) {
		t.Fatalf("load without the lease: %v", err)
	}
	// A failed rebuild lifts only its own pause.
	if err := s.Resume(ctx, tpl.ID, "not-the-lease"); err != nil {
		t.Fatal(err)
	}
	if paused, err := s.Paused(ctx, tpl.ID); err != nil || !paused {
		t.Fatalf("a resume with another lease lifted the pause: %v", err)
	}
	if err := s.Resume(ctx, tpl.ID, lease); err != nil {
		t.Fatal(err)
	}
	if paused, err := s.Paused(ctx, tpl.ID); err != nil || paused {
		t.Fatalf("a resume with the lease left the pause: %v", err)
	}
	if lease, err = s.Pause(ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	issued := promo.Issued{Count: 2, Amount: 200, PerShopper: map[int64]int{1: 2}}
	if err := s.Load(ctx, tpl, issued, lease); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Read(ctx, tpl.ID); f.Count != 2 || f.Amount != 200 || f.PerShopper[1] != 2 || len(f.PerShopper) != 1 {
		t.Fatalf("after a load: %+v", f)
	}
	if _, err := s.Take(ctx, tpl, 1); !errors.Is(err, promo.ErrShopperLimit) {
		t.Fatalf("rebuilt shopper at its limit: %v", err)
	}
}

func mustTake(t *testing.T, s *couponcount.Store, tpl *promo.Template, user int64) {
	t.Helper()
	if _, err := s.Take(t.Context(), tpl, user); err != nil {
		t.Fatalf("shopper %d: %v", user, err)
	}
}

// 300 shoppers, each from two goroutines, race for 50 coupons with a limit of 1 each.
func TestTakeRace(t *testing.T) {
	testenv.EachRedis(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		s := couponcount.NewStore(rdb, redisdb.KeyPrefix(prefix))
		tpl := template(9, 50, 1_000_000, 1, 100)
		load(t, s, tpl, promo.Issued{})
		var ok, spent, limit atomic.Int64
		var wg sync.WaitGroup
		for g := range 600 {
			wg.Go(func() {
				_, err := s.Take(t.Context(), tpl, int64(g%300)+1)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, promo.ErrBudgetSpent):
					spent.Add(1)
				case errors.Is(err, promo.ErrShopperLimit):
					limit.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		f, err := s.Read(t.Context(), tpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok.Load() != 50 || f.Count != 50 || f.Amount != 5000 || len(f.PerShopper) != 50 {
			t.Fatalf("%d takes, counters %+v; want 50", ok.Load(), f)
		}
		for u, n := range f.PerShopper {
			if n != 1 {
				t.Errorf("shopper %d holds %d", u, n)
			}
		}
	})
}

// A replica that saw a budget spent refuses the template's claims without Redis for
// SpentMemory (dropping the keys shows it: Redis alone would answer "not loaded"); a claim
// holding a raised budget, a give-back or a load on the replica, and the end of the memory send
// claims to Redis again. Another replica's memory is its own.
func TestSpentBudgetRemembered(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	s := couponcount.NewStore(rdb, redisdb.KeyPrefix(prefix))
	couponcount.SetClock(s, func() time.Time { return now })
	other := couponcount.NewStore(rdb, redisdb.KeyPrefix(prefix))
	ctx := t.Context()
	tpl := template(9, 1, 1000, 1, 100)
	load(t, s, tpl, promo.Issued{})
	mustTake(t, s, tpl, 1)
	if _, err := s.Take(ctx, tpl, 2); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("take past the budget: %v", err)
	}
	if err := rdb.Del(ctx, s.Keys(tpl.ID)...).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Take(ctx, tpl, 3); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("take within the memory: %v, want the remembered ErrBudgetSpent", err)
	}
	for name, st := range map[string]*couponcount.Store{"a raised budget": s, "another replica": other} {
		held := tpl
		if st == s {
			held = template(9, 2, 1000, 1, 100)
		}
		if _, err := st.Take(ctx, held, 3); !errors.Is(err, promo.ErrNotLoaded) {
			t.Fatalf("%s: %v, want Redis's ErrNotLoaded", name, err)
		}
	}
	now = now.Add(couponcount.SpentMemory + time.Millisecond)
	if _, err := s.Take(ctx, tpl, 3); !errors.Is(err, promo.ErrNotLoaded) {
		t.Fatalf("take after the memory: %v, want Redis's ErrNotLoaded", err)
	}
	// A give-back on the replica ends its memory at once.
	load(t, s, tpl, promo.Issued{Count: 1, Amount: 100, PerShopper: map[int64]int{1: 1}})
	if _, err := s.Take(ctx, tpl, 2); !errors.Is(err, promo.ErrBudgetSpent) {
		t.Fatalf("take past the reloaded budget: %v", err)
	}
	if err := s.Give(ctx, tpl, 1, 1); err != nil {
		t.Fatal(err)
	}
	if seq, err := s.Take(ctx, tpl, 2); err != nil || seq != 1 {
		t.Fatalf("take after a give-back: %d, %v", seq, err)
	}
}
