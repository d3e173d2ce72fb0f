package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// flashResult is one mode's outcome, written by "flash -out" and tabled by "flash-table".
type flashResult struct {
	Mode       string  `json:"mode"`
	Shoppers   int     `json:"shoppers"`
	Seconds    float64 `json:"seconds"`
	OrdersPS   float64 `json:"orders_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	Created    int64   `json:"created"`
	Refused    int64   `json:"refused"`
	Errors     int64   `json:"errors"`  // measured phase: every answer but 200 and a refusal
	Unknown    int64   `json:"unknown"` // of Errors, the unknown outcomes: 5xx, timeouts, no answer
	Oversell   int64   `json:"oversell"`
	SoldUnits  int64   `json:"sold_units"`  // order_lines of the item, whole run incl. warm-up
	Acked      int64   `json:"acked"`       // 200s of the whole run incl. warm-up and tail
	UnknownAll int64   `json:"unknown_all"` // unknown outcomes of the whole run
	// The sell-out phase.
	SellQuota    int64 `json:"sellout_quota"`
	SellCreated  int64 `json:"sellout_created"`
	SellSoldOut  int64 `json:"sellout_sold_out"`
	SellErrors   int64 `json:"sellout_errors"`
	SellUnknown  int64 `json:"sellout_unknown"`
	SellOversell int64 `json:"sellout_oversell"`
	SellUnits    int64 `json:"sellout_units"`
}

// flashCmd is a flash presale of one hot item: -shoppers clients, each a distinct shopper with its
// own keep-alive connection, each placing orders of one unit with fresh idempotency keys, first
// for -warmup, then measured for -d. Then it checks PostgreSQL (and the counters through the
// shop API) for oversell, and runs the sell-out phase: every shopper tries once at the same time
// for the -sellout-batch item.
func flashCmd(args []string) error {
	fs, a := apiFlagSet("flash")
	mode := fs.String("mode", "redis", "label of the server's stock counter (checkout.stock_counter), for the report")
	batch := fs.Int64("batch", 0, "batch of the throughput sale")
	item := fs.Int64("item", 0, "the hot item (batch item id)")
	price := fs.Int64("price", 3990, "its price in fen")
	shoppers := fs.Int("shoppers", 1000, "concurrent shoppers (users -first-user.. as flash-seed made them)")
	firstUser := fs.Int64("first-user", 2, "user id of the first shopper")
	duration := fs.Duration("d", 10*time.Second, "measured duration (at most 10m)")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured load before the measurement (at most 1m)")
	selloutBatch := fs.Int64("sellout-batch", 0, "batch of the sell-out phase (0: skip it)")
	selloutItem := fs.Int64("sellout-item", 0, "its item")
	dsn := fs.String("dsn", os.Getenv("GROUPBUY_DB_SOURCE"), "the server's PostgreSQL, for the oversell check and the probes")
	redisAddr := fs.String("redis", os.Getenv("GROUPBUY_REDIS_ADDR"), "the server's Redis, for its command statistics (empty: skip)")
	serverPID := fs.Int("server-pid", 0, "pid of the server on this machine, to report its CPU use (Linux)")
	out := fs.String("out", "", "write the result as JSON to this file (for flash-table)")
	couponsFrom := fs.Int64("coupons-of", 0, "every order uses the next of the shopper's coupons of this template (coupon-seed); 0: none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *shoppers < 1 || *shoppers > maxClients:
		return fmt.Errorf("-shoppers %d: want 1 to %d", *shoppers, maxClients)
	case *duration <= 0 || *duration > maxDuration:
		return fmt.Errorf("-d %v: want more than 0 and at most %v", *duration, maxDuration)
	case *warmup < 0 || *warmup > maxWarmup:
		return fmt.Errorf("-warmup %v: want 0 to %v", *warmup, maxWarmup)
	case *batch <= 0 || *item <= 0:
		return errors.New("give -batch and -item")
	case *dsn == "":
		return errors.New("give -dsn (or GROUPBUY_DB_SOURCE): oversell is checked in PostgreSQL")
	}
	if err := checkSeedTarget(*dsn); err != nil {
		return err
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	iss, err := a.issuer()
	if err != nil {
		return err
	}
	tokens := make([]string, *shoppers)
	for i := range tokens {
		if tokens[i], err = iss.IssueAccessToken(identity.Principal{Kind: identity.SubjectUser, ID: *firstUser + int64(i),
			Roles: []identity.Role{identity.RoleShopper}}, time.Now().Add(time.Hour)); err != nil {
			return err
		}
	}
	db, err := sql.Open("pgx", *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	var rdb *redis.Client
	if *redisAddr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: *redisAddr})
		defer rdb.Close()
	}
	ctx := context.Background()
	quota, err := itemQuota(ctx, db, *item)
	if err != nil {
		return err
	}
	// Units sold before this run (an earlier run on the same item) are not this run's answers.
	before, _, err := soldUnits(ctx, db, *item)
	if err != nil {
		return err
	}
	coupons := map[int64][]int64{}
	if *couponsFrom > 0 {
		if coupons, err = couponsOf(ctx, db, *couponsFrom); err != nil {
			return err
		}
	}

	var dials atomic.Int64
	client := newClient(*shoppers, a.timeout, &dials)
	runID := strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	res := flashResult{Mode: *mode, Shoppers: *shoppers}

	// One order first: a wrong token, batch or price fails here, with the server's answer.
	{
		first := *firstUser
		var coupon int64
		if cs := coupons[first]; len(cs) > 0 {
			coupon, coupons[first] = cs[0], cs[1:]
		} else if *couponsFrom > 0 {
			return fmt.Errorf("shopper %d holds no coupon of template %d", first, *couponsFrom)
		}
		body := orderBody(nil, runID+"-first", *batch, *item, *price, coupon)
		code, reply, err := postOrder(ctx, client, base.String(), tokens[0], body)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("first order: %w %d %s", err, code, reply)
		}
		res.Acked++
	}
	fmt.Printf("flash (%s): %d shoppers, %v warm-up then %v, batch %d item %d (quota %d), %s\n",
		*mode, *shoppers, *warmup, *duration, *batch, *item, quota, base)

	var (
		phase   atomic.Int32
		workers = make([]flashWorker, *shoppers)
		wg      sync.WaitGroup
	)
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, 1024)
		w.coupons, w.needCoupon = coupons[*firstUser+int64(i)], *couponsFrom > 0
		wg.Go(func() {
			w.run(client, base.String(), tokens[i], runID+"-"+strconv.Itoa(i), *batch, *item, *price, &phase)
		})
	}
	time.Sleep(*warmup)
	probe := startProbe(ctx, db, rdb, *serverPID)
	start := time.Now()
	phase.Store(phaseMeasure)
	time.Sleep(*duration)
	end := time.Now()
	phase.Store(phaseStop)
	probeReport := probe.stop()
	allDone := awaitClients(&wg, a.timeout+time.Second)
	window := end.Sub(start)

	var (
		lat      latencies
		measured [outcomeCount]int64
		all      [outcomeCount]int64
		errKinds = map[string]int64{}
		ranOut   int
	)
	for i := range workers {
		w := &workers[i]
		w.mu.Lock()
		lat = append(lat, w.lat...)
		for o := range outcomeCount {
			measured[o] += w.measured[o]
			all[o] += w.all[o]
		}
		if !allDone && w.pending.Load() {
			all[outUnknown]++ // still waiting for its answer
		}
		for k, v := range w.kinds {
			errKinds[k] += v
		}
		if w.outOfCoupons {
			ranOut++
		}
		w.mu.Unlock()
	}
	if len(lat) == 0 {
		return errors.New("no order completed during the measurement")
	}
	slices.Sort(lat)
	res.Created = measured[outCreated]
	res.Refused = measured[outSoldOut] + measured[outLimit]
	res.Errors = measured[outUnknown] + measured[outError]
	res.Unknown = measured[outUnknown]
	res.Acked += all[outCreated]
	res.UnknownAll = all[outUnknown]
	res.Seconds = window.Seconds()
	res.OrdersPS = float64(res.Created) / window.Seconds()
	res.P50ms, res.P99ms = msf(lat.pct(0.50)), msf(lat.pct(0.99))
	fmt.Printf("  orders       %d created in %v: %.0f orders/s (%d answers: %.0f/s)\n", res.Created,
		window.Round(time.Millisecond), res.OrdersPS, len(lat), float64(len(lat))/window.Seconds())
	lat.print()
	fmt.Printf("  refused      %d   errors %d (%d of unknown outcome: 5xx, timeouts) %v   connections %d dialled for %d shoppers\n",
		res.Refused, res.Errors, res.Unknown, errKinds, dials.Load(), *shoppers)
	probeReport.print(res.Created, window)

	// Oversell: what PostgreSQL holds for the item against the quota and the answers.
	time.Sleep(200 * time.Millisecond)
	problems, err := checkThroughput(ctx, db, client, base, tokens[0], *mode, *batch, *item, quota, before, all, &res)
	if err != nil {
		return err
	}
	if *couponsFrom > 0 {
		more, err := checkCouponOrders(ctx, db, *couponsFrom)
		if err != nil {
			return err
		}
		problems = append(problems, more...)
	}
	if ranOut > 0 {
		problems = append(problems, fmt.Sprintf("%d shoppers used all their coupons before the end: seed more (coupon-seed -each)", ranOut))
	}
	if *selloutBatch > 0 {
		if err := selloutPhase(ctx, client, base.String(), tokens, runID, *selloutBatch, *selloutItem, *price, db, &res); err != nil {
			return err
		}
		problems = append(problems, checkSellout(int64(len(tokens)), &res)...)
	}
	if res.Oversell > 0 || res.SellOversell > 0 {
		problems = append(problems, "OVERSOLD")
	}
	fmt.Printf("RESULT mode=%s orders_per_s=%.0f p50_ms=%.2f p99_ms=%.2f created=%d refused=%d errors=%d unknown=%d oversell=%d sellout=%d/%d/%d\n",
		res.Mode, res.OrdersPS, res.P50ms, res.P99ms, res.Created, res.Refused, res.Errors, res.Unknown, res.Oversell+res.SellOversell,
		res.SellCreated, res.SellSoldOut, res.SellErrors)
	if *out != "" {
		j, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*out, j, 0o644); err != nil { //nolint:gosec // a report, not a secret
			return err
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("flash (%s): %s", *mode, strings.Join(problems, "; "))
	}
	return nil
}

// checkThroughput compares what PostgreSQL and the shop's counter hold for the throughput item
// with the answers of the whole run (all, by outcome; before the units sold before it), and sets
// res.SoldUnits and res.Oversell.
func checkThroughput(ctx context.Context, db *sql.DB, client *http.Client, base *url.URL, token, mode string, batch, item, quota, before int64,
	all [outcomeCount]int64, res *flashResult) ([]string, error) {
	units, taken, err := soldUnits(ctx, db, item)
	if err != nil {
		return nil, err
	}
	res.SoldUnits = units
	res.Oversell = max(0, units-quota)
	var problems []string
	remaining, rerr := shopRemaining(ctx, client, base, token, batch, item)
	fmt.Printf("  check        PostgreSQL holds %d units in orders of item %d (quota %d): oversell %d; %d orders acknowledged (whole run), %d of unknown outcome",
		units, item, quota, res.Oversell, res.Acked, res.UnknownAll)
	if mode == "database" {
		fmt.Printf("; batch_items.taken %d", taken)
		if taken != units {
			problems = append(problems, fmt.Sprintf("batch_items.taken %d != %d units ordered", taken, units))
		}
	}
	if rerr == nil {
		fmt.Printf("; the shop shows %d remaining (quota − remaining = %d)", remaining, quota-remaining)
		if quota-remaining != units {
			problems = append(problems, fmt.Sprintf("counter says %d taken, orders hold %d units", quota-remaining, units))
		}
	} else {
		fmt.Printf("; remaining unknown: %v", rerr)
	}
	fmt.Println()
	if all[outError] > 0 {
		problems = append(problems, fmt.Sprintf("%d answers were errors other than 5xx or timeouts", all[outError]))
	}
	return append(problems, checkUnits("throughput sale", units-before, res.Acked, res.UnknownAll)...), nil
}

// selloutPhase: every shopper tries once, all released together, for an item of sellout quota.
func selloutPhase(ctx context.Context, client *http.Client, base string, tokens []string, runID string, batch, item, price int64,
	db *sql.DB, res *flashResult) error {
	quota, err := itemQuota(ctx, db, item)
	if err != nil {
		return err
	}
	res.SellQuota = quota
	var (
		mu              sync.Mutex
		n               [outcomeCount]int64
		kinds           = map[string]int64{}
		gate            = make(chan struct{})
		ready, finished sync.WaitGroup
	)
	for i, tok := range tokens {
		body := orderBody(nil, runID+"-sellout-"+strconv.Itoa(i), batch, item, price, 0)
		ready.Add(1)
		finished.Go(func() {
			ready.Done()
			<-gate
			code, reply, err := postOrder(ctx, client, base, tok, body)
			o := classify(code, reply, err)
			mu.Lock()
			defer mu.Unlock()
			n[o]++
			if o != outCreated && o != outSoldOut {
				kinds[errorKind(code, reply, err)]++
			}
		})
	}
	ready.Wait()
	t0 := time.Now()
	close(gate)
	finished.Wait()
	took := time.Since(t0)
	res.SellCreated, res.SellSoldOut = n[outCreated], n[outSoldOut]
	res.SellErrors, res.SellUnknown = n[outLimit]+n[outUnknown]+n[outError], n[outUnknown]
	units, _, err := soldUnits(ctx, db, item)
	if err != nil {
		return err
	}
	res.SellUnits = units
	res.SellOversell = max(0, units-quota)
	fmt.Printf("  sell-out     %d shoppers once each for %d units, in %v: %d created, %d SOLD_OUT, %d errors (%d of unknown outcome); PostgreSQL holds %d units: oversell %d\n",
		len(tokens), quota, took.Round(time.Millisecond), res.SellCreated, res.SellSoldOut, res.SellErrors, res.SellUnknown, units, res.SellOversell)
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		fmt.Printf("    error: %d× %.200s\n", kinds[k], k)
	}
	return nil
}

// flashWorker is one shopper: its latencies (measured phase only) and outcomes.
type flashWorker struct {
	mu       sync.Mutex
	lat      []time.Duration
	measured [outcomeCount]int64 // answers in the measured phase
	all      [outcomeCount]int64 // answers of the whole run, warm-up and tail included
	kinds    map[string]int64    // unsuccessful answers in the measured phase
	pending  atomic.Bool         // a request is out
	// coupons are the shopper's coupons to use, one an order, when needCoupon; a worker that has
	// used them all stops (counted in outOfCoupons).
	coupons      []int64
	needCoupon   bool
	outOfCoupons bool
}

func (w *flashWorker) run(c *http.Client, base, token, keyPrefix string, batch, item, price int64, phase *atomic.Int32) {
	var body []byte
	for seq := 0; ; seq++ {
		started := phase.Load()
		if started == phaseStop {
			return
		}
		var coupon int64
		if w.needCoupon {
			if len(w.coupons) == 0 {
				w.mu.Lock()
				w.outOfCoupons = true
				w.mu.Unlock()
				return
			}
			coupon, w.coupons = w.coupons[0], w.coupons[1:]
		}
		body = orderBody(body[:0], keyPrefix+"-"+strconv.Itoa(seq), batch, item, price, coupon)
		t0 := time.Now()
		w.pending.Store(true)
		code, reply, err := postOrder(context.Background(), c, base, token, body)
		elapsed := time.Since(t0)
		o := classify(code, reply, err)
		measured := started == phaseMeasure && phase.Load() == phaseMeasure
		w.mu.Lock()
		w.pending.Store(false)
		w.all[o]++
		if measured {
			w.lat = append(w.lat, elapsed)
			w.measured[o]++
			if o == outUnknown || o == outError {
				if w.kinds == nil {
					w.kinds = map[string]int64{}
				}
				w.kinds[errorKind(code, reply, err)]++
			}
		}
		w.mu.Unlock()
		if err != nil {
			time.Sleep(10 * time.Millisecond) // do not spin on a dead server
		}
	}
}

// orderBody is one unit of the item, with the coupon unless it is 0.
func orderBody(b []byte, key string, batch, item, price, coupon int64) []byte {
	b = fmt.Appendf(b, `{"idempotencyKey":%q,"batchId":%d,"lines":[{"itemId":%d,"quantity":1,"priceFen":%d}]`, key, batch, item, price)
	if coupon > 0 {
		b = fmt.Appendf(b, `,"couponId":%d`, coupon)
	}
	return append(b, '}')
}

func postOrder(ctx context.Context, c *http.Client, base, token string, body []byte) (int, []byte, error) {
	return call(ctx, c, http.MethodPost, base+"/v1/shop/orders", token, body, 1<<16)
}
