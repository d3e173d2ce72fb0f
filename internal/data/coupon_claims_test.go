package data_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// claimEnv is two replicas of the program's claim use cases, each with its own database pool
// and Redis client, on one PostgreSQL database and one Redis.
type claimEnv struct {
	t        *testing.T
	replicas [2]*datatest.Stack
	clocks   [2]*clock
	db       *sqldb.DB
	now      time.Time
}

func newClaimEnv(t *testing.T) *claimEnv {
	t.Helper()
	return newClaimEnvCounting(t, "redis")
}

// newClaimEnvCounting is newClaimEnv with claims counted where promotions.coupon_counter says.
func newClaimEnvCounting(t *testing.T, counter string) *claimEnv {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	rdb, prefix := testenv.Redis(t)
	keys := newKeyring(t, "k1", map[string]string{"k1": generateKey(t)})
	env := &claimEnv{t: t}
	for i := range env.replicas {
		db := openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: maxConns})
		client := rdb
		if i > 0 {
			addrs, _ := testenv.RedisAddrs(testenv.SingleRedis)
			c := redis.NewClient(&redis.Options{Addr: addrs[0]})
			t.Cleanup(func() { _ = c.Close() })
			client = c
		}
		s := newStackWith(t, db, client, redisdb.KeyPrefix(prefix), keys)
		cfg := s.config()
		cfg.Commission = commission.Config{Levels: 1, CapBP: commission.DefaultCapBP}
		cfg.Promotions = &conf.Promotions{CouponCounter: counter}
		env.replicas[i], env.clocks[i] = s.build(s.clock.Now, datatest.NoWechat(), cfg), s.clock
		env.db, env.now = db, s.clock.Now()
	}
	return env
}

// template creates a claim template of count coupons of 100 fen off, amount fen of budget and
// perShopper a shopper.
func (e *claimEnv) template(count, amount int64, perShopper int) *promo.Template {
	e.t.Helper()
	return e.templateOf(promo.ChannelClaim, count, amount, perShopper)
}

// templateOf is template of a channel.
func (e *claimEnv) templateOf(channel promo.Channel, count, amount int64, perShopper int) *promo.Template {
	e.t.Helper()
	v, err := e.replicas[0].PromoAdmin.CreateTemplate(e.t.Context(), &promo.Template{
		Name:        "满10减1",
		Discount:    promo.Discount{Kind: promo.FixedOff, AmountOff: 100, Threshold: 1000},
		Scope:       promo.Scope{Kind: promo.ScopeAll},
		Validity:    promo.Validity{Days: 7},
		Budget:      promo.Budget{Count: count, Amount: amount, PerShopper: perShopper},
		FundedBy:    promo.FundedByPlatform,
		Channel:     channel,
		ClaimWindow: promo.Window{From: e.now.Add(-time.Hour), Until: e.now.Add(24 * time.Hour)},
	}, 1)
	if err != nil {
		e.t.Fatalf("create template: %v", err)
	}
	return v.Template
}

// errHungUp is a claim the test cut short.
var errHungUp = errors.New("the shopper hung up")

// tally counts the outcomes of claims.
type tally struct {
	ok, spent, limit, busy, failed atomic.Int64
}

func (c *tally) add(t *testing.T, err error) {
	switch {
	case err == nil:
		c.ok.Add(1)
	case errors.Is(err, promo.ErrBudgetSpent):
		c.spent.Add(1)
	case errors.Is(err, promo.ErrShopperLimit):
		c.limit.Add(1)
	case errors.Is(err, promo.ErrBudgetBusy):
		c.busy.Add(1)
	case errors.Is(err, errHungUp):
		c.failed.Add(1)
	default:
		t.Errorf("claim: %v", err)
	}
}

// race runs claims of users (one claim per entry, alternating replicas) from workers
// goroutines at once.
func (e *claimEnv) race(users []int64, workers int, claim func(s *datatest.Stack, user int64) error) *tally {
	var (
		out  tally
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(users)) {
					return
				}
				out.add(e.t, claim(e.replicas[i%2], users[i]))
			}
		})
	}
	wg.Wait()
	return &out
}

func (e *claimEnv) claim(s *datatest.Stack, tplID, user int64) error {
	_, err := s.Claims.Claim(e.t.Context(), user, tplID)
	return err
}

// checkAgree asserts the database is within the budgets, no shopper holds more than its limit
// or a seq beyond it, and the counters in Redis equal what the database issued.
func (e *claimEnv) checkAgree(tpl *promo.Template) promo.Issued {
	e.t.Helper()
	ctx := e.t.Context()
	issued, err := e.replicas[0].CouponStore.Issued(ctx, tpl.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if issued.Count > tpl.Budget.Count || issued.Amount > tpl.Budget.Amount {
		e.t.Errorf("issued %d coupons booking %d fen: over the budgets of %d and %d", issued.Count, issued.Amount,
			tpl.Budget.Count, tpl.Budget.Amount)
	}
	var outOfRange int
	err = e.db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM coupons WHERE template_id = $1 AND (seq < 1 OR seq > $2)`,
		tpl.ID, tpl.Budget.PerShopper).Scan(&outOfRange)
	if err != nil || outOfRange > 0 {
		e.t.Errorf("%d coupons with a seq beyond the limit (%v)", outOfRange, err)
	}
	type holder struct{ UserID, N int }
	var rows []holder
	r, err := e.db.SQL.QueryContext(ctx, `SELECT user_id, count(*) FROM coupons WHERE template_id = $1 GROUP BY user_id`, tpl.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	for r.Next() {
		var row holder
		if err := r.Scan(&row.UserID, &row.N); err != nil {
			e.t.Fatal(err)
		}
		rows = append(rows, row)
		if row.N > tpl.Budget.PerShopper {
			e.t.Errorf("shopper %d holds %d coupons, limit %d", row.UserID, row.N, tpl.Budget.PerShopper)
		}
	}
	if err := r.Err(); err != nil {
		e.t.Fatal(err)
	}
	if int64(len(rows)) > issued.Count {
		e.t.Errorf("%d holders of %d coupons", len(rows), issued.Count)
	}
	counters, err := e.replicas[1].CouponCounters.Read(ctx, tpl.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if !counters.Loaded || counters.Count != issued.Count || counters.Amount != issued.Amount {
		e.t.Errorf("counters %d coupons, %d fen (loaded %v); the database %d, %d", counters.Count, counters.Amount,
			counters.Loaded, issued.Count, issued.Amount)
	}
	for _, row := range rows {
		if got := counters.PerShopper[int64(row.UserID)]; got != row.N {
			e.t.Errorf("shopper %d: counters %d, database %d", row.UserID, got, row.N)
		}
	}
	if len(counters.PerShopper) != len(rows) {
		e.t.Errorf("counters hold %d shoppers, the database %d", len(counters.PerShopper), len(rows))
	}
	return issued
}

func shoppers(n int, times int) []int64 {
	users := make([]int64, 0, n*times)
	for range times {
		for u := range n {
			users = append(users, int64(1000+u))
		}
	}
	rand.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

// 5,000 shoppers race for 500 coupons with a limit of 1, each claiming twice (once on each
// replica, in random order): exactly 500 are issued, none twice to one shopper, and the counters
// equal the database.
func TestClaimRace5000For500(t *testing.T) {
	e := newClaimEnv(t)
	tpl := e.template(500, 500*100, 1)
	got := e.race(shoppers(5000, 2), 64, func(s *datatest.Stack, u int64) error { return e.claim(s, tpl.ID, u) })
	if got.ok.Load() != 500 {
		t.Errorf("%d claims succeeded, want 500 (spent %d, limit %d, busy %d, failed %d)", got.ok.Load(),
			got.spent.Load(), got.limit.Load(), got.busy.Load(), got.failed.Load())
	}
	if issued := e.checkAgree(tpl); issued.Count != 500 || len(issued.PerShopper) != 500 {
		t.Errorf("database: %d coupons to %d shoppers, want 500 to 500", issued.Count, len(issued.PerShopper))
	}
}

// Claims counted in the template row (promotions.coupon_counter: database, the baseline of
// make bench-coupons) keep the same promises on both replicas: 2,000 shoppers claiming twice for
// 200 coupons of a limit of 1, then one shopper hammering a template of limit 3. The row's counts
// equal what the coupons table holds.
func TestClaimRaceCountedInDatabase(t *testing.T) {
	e := newClaimEnvCounting(t, "database")
	tpl := e.template(200, 200*100, 1)
	got := e.race(shoppers(2000, 2), 32, func(s *datatest.Stack, u int64) error { return e.claim(s, tpl.ID, u) })
	if got.ok.Load() != 200 || got.limit.Load()+got.spent.Load() != 3800 {
		t.Errorf("%d claimed, %d at the limit, %d spent; want 200 and 3,800 refused", got.ok.Load(),
			got.limit.Load(), got.spent.Load())
	}
	e.checkRowCounts(tpl, 200)

	hammered := e.template(100, 100*100, 3)
	users := make([]int64, 100)
	for i := range users {
		users[i] = 42
	}
	got = e.race(users, 25, func(s *datatest.Stack, u int64) error { return e.claim(s, hammered.ID, u) })
	if got.ok.Load() != 3 || got.limit.Load() != 97 {
		t.Errorf("%d claimed, %d refused at the limit; want 3 and 97", got.ok.Load(), got.limit.Load())
	}
	e.checkRowCounts(hammered, 3)
}

// checkRowCounts asserts the template row counted exactly the want coupons the database holds,
// each shopper's seqs distinct and within its limit.
func (e *claimEnv) checkRowCounts(tpl *promo.Template, want int64) {
	e.t.Helper()
	ctx := e.t.Context()
	var count, amount, coupons, most, overLimit int64
	err := e.db.SQL.QueryRowContext(ctx, `SELECT t.issued_count, t.issued_amount,
			(SELECT count(*) FROM coupons c WHERE c.template_id = t.id),
			(SELECT coalesce(sum(most), 0) FROM coupons c WHERE c.template_id = t.id),
			(SELECT count(*) FROM coupons c WHERE c.template_id = t.id AND c.seq > t.per_shopper)
		FROM coupon_templates t WHERE t.id = $1`, tpl.ID).Scan(&count, &amount, &coupons, &most, &overLimit)
	if err != nil {
		e.t.Fatal(err)
	}
	if count != want || coupons != want || amount != most || overLimit != 0 {
		e.t.Errorf("row counts %d coupons, %d fen; the table holds %d booking %d fen, %d beyond the limit; want %d",
			count, amount, coupons, most, overLimit, want)
	}
}

// The amount budget binds before the count: 500 coupons but the fen for 120.
func TestClaimAmountBudgetBindsFirst(t *testing.T) {
	e := newClaimEnv(t)
	tpl := e.template(500, 120*100, 1)
	got := e.race(shoppers(1000, 1), 48, func(s *datatest.Stack, u int64) error { return e.claim(s, tpl.ID, u) })
	if got.ok.Load() != 120 || got.spent.Load() != 880 {
		t.Errorf("%d claimed, %d refused as spent; want 120 and 880", got.ok.Load(), got.spent.Load())
	}
	if issued := e.checkAgree(tpl); issued.Count != 120 || issued.Amount != 120*100 {
		t.Errorf("database: %d coupons booking %d fen, want 120 and 12000", issued.Count, issued.Amount)
	}
}

// One shopper claims a template of limit 3 from 50 goroutines on both replicas: exactly 3, seqs
// 1 to 3.
func TestClaimShopperLimitUnderHammering(t *testing.T) {
	e := newClaimEnv(t)
	tpl := e.template(100, 100*100, 3)
	users := make([]int64, 200)
	for i := range users {
		users[i] = 42
	}
	got := e.race(users, 50, func(s *datatest.Stack, u int64) error { return e.claim(s, tpl.ID, u) })
	if got.ok.Load() != 3 || got.limit.Load() != 197 {
		t.Errorf("%d claimed, %d refused at the limit; want 3 and 197", got.ok.Load(), got.limit.Load())
	}
	if issued := e.checkAgree(tpl); issued.Count != 3 || issued.PerShopper[42] != 3 {
		t.Errorf("database: %+v, want 3 coupons of shopper 42, seqs to 3", issued)
	}
}

// Claims whose shoppers hang up at random moments race the others: every claim whose write
// did not land gives its booking back (and one whose write landed late keeps it), so the
// counters equal the database, and the budget is issued in full, exactly.
func TestClaimGiveBackRaces(t *testing.T) {
	e := newClaimEnv(t)
	tpl := e.template(300, 300*100, 1)
	var hungUp, broken atomic.Int64
	got := e.race(shoppers(2000, 2), 64, func(s *datatest.Stack, u int64) error {
		if rand.IntN(2) == 0 {
			err := e.claim(s, tpl.ID, u)
			if err != nil && !errors.Is(err, promo.ErrBudgetSpent) && !errors.Is(err, promo.ErrShopperLimit) {
				// A pooled connection a hung-up claim broke ("driver: bad connection"): the
				// shopper would retry. Counted, and bounded below.
				broken.Add(1)
				return errHungUp
			}
			return err
		}
		ctx, cancel := context.WithTimeout(e.t.Context(), time.Duration(rand.IntN(4000))*time.Microsecond)
		defer cancel()
		_, err := s.Claims.Claim(ctx, u, tpl.ID)
		if err != nil && !errors.Is(err, promo.ErrBudgetSpent) && !errors.Is(err, promo.ErrShopperLimit) {
			// Cut short: the deadline, or a connection the deadline cut while dialling.
			hungUp.Add(1)
			return errHungUp
		}
		return err
	})
	t.Logf("claimed %d, hung up %d, spent %d, limit %d", got.ok.Load(), hungUp.Load(), got.spent.Load(), got.limit.Load())
	if got.ok.Load() > 300 {
		t.Errorf("%d claims succeeded, budget 300", got.ok.Load())
	}
	if hungUp.Load() == 0 {
		t.Fatal("no claim was cut short: the test proves nothing")
	}
	if broken.Load() > 40 {
		t.Errorf("%d of the claims not cut short failed", broken.Load())
	}
	e.checkAgree(tpl)
	// Bookings given back are claimable again: shoppers arriving later get every coupon left.
	late := make([]int64, 100)
	for i := range late {
		late[i] = int64(100_000 + i)
	}
	e.race(late, 8, func(s *datatest.Stack, u int64) error { return e.claim(s, tpl.ID, u) })
	if issued := e.checkAgree(tpl); issued.Count != 300 {
		t.Errorf("database: %d coupons, want the whole budget of 300", issued.Count)
	}
}

// Redis loses the template's counters twice while 3,000 shoppers claim 400 coupons: the claims
// that find them gone rebuild from the database (one at a time, the others told to retry),
// and in the end the database is within the budgets and the counters equal it.
func TestClaimRedisLossMidClaim(t *testing.T) {
	e := newClaimEnv(t)
	tpl := e.template(400, 400*100, 1)
	keys := e.replicas[0].CouponCounters.Keys(tpl.ID)
	var (
		claimed atomic.Int64
		lost    sync.WaitGroup
		losses  atomic.Int64
	)
	lose := func() {
		if err := e.replicas[0].Redis.Del(context.Background(), keys...).Err(); err != nil {
			t.Error(err)
		}
		losses.Add(1)
	}
	got := e.race(shoppers(3000, 1), 64, func(s *datatest.Stack, u int64) error {
		for attempt := 0; ; attempt++ {
			err := e.claim(s, tpl.ID, u)
			if err == nil {
				if n := claimed.Add(1); n == 100 || n == 250 {
					lost.Go(lose)
				}
			}
			if !errors.Is(err, promo.ErrBudgetBusy) || attempt == 20 {
				return err
			}
			time.Sleep(time.Duration(200+rand.IntN(300)) * time.Millisecond)
		}
	})
	lost.Wait()
	t.Logf("claimed %d, spent %d, busy %d, lost the counters %d times", got.ok.Load(), got.spent.Load(),
		got.busy.Load(), losses.Load())
	if losses.Load() == 0 {
		t.Fatal("the counters were never lost: the test proves nothing")
	}
	issued := e.checkAgree(tpl)
	if issued.Count == 0 || issued.Count != got.ok.Load() {
		t.Errorf("database %d coupons, %d claims succeeded", issued.Count, got.ok.Load())
	}
}
