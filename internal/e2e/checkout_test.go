package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// coClient is shared by the concurrent shoppers: enough idle connections per instance that
// 64 goroutines do not churn through ephemeral ports.
var coClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second},
}

// coTry is call without testing.T, safe from any goroutine.
func coTry(api, method, path, token string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, api+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := coClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r, nil
}

// coOrder places an order, retrying only while the stock is being rebuilt (503 UNAVAILABLE).
func coOrder(api, token string, order map[string]any) (reply, int, error) {
	retries := 0
	for {
		r, err := coTry(api, "POST", "/v1/shop/orders", token, order)
		if err != nil {
			return r, retries, err
		}
		if r.status == http.StatusServiceUnavailable && r.reason() == "UNAVAILABLE" && retries < 200 {
			retries++
			time.Sleep(20 * time.Millisecond)
			continue
		}
		return r, retries, nil
	}
}

// coLogin signs a shopper in and binds the leader, from any goroutine.
func (s *stack) coShopper(openid, leaderID string) (string, error) {
	code, err := s.sim.IssueLoginCode(appID, openid, "")
	if err != nil {
		return "", err
	}
	r, err := coTry(s.api, "POST", "/v1/auth/wechat-login", "", map[string]string{"code": code})
	if err != nil {
		return "", err
	}
	if r.status != 200 {
		return "", fmt.Errorf("login %s: %d %s", openid, r.status, r.raw)
	}
	tok := r.str("accessToken")
	if leaderID != "" {
		b, err := coTry(s.api, "POST", "/v1/me/leader", tok, map[string]any{"leaderId": leaderID})
		if err != nil {
			return "", err
		}
		if b.status != 200 {
			return "", fmt.Errorf("bind %s: %d %s", openid, b.status, b.raw)
		}
	}
	return tok, nil
}

// coSKU creates a product with one SKU through the ops API.
func (s *stack) coSKU(title string) string {
	s.t.Helper()
	p := s.call("POST", "/v1/ops/products", s.ops(), map[string]any{"title": title, "description": "产地直发", "category": "水果",
		"images": []string{"https://img.example.com/p.jpg"}})
	expect(s.t, p, 200, "")
	sku := s.call("POST", "/v1/ops/products/"+fmt.Sprint(p.body["id"])+"/skus", s.ops(), map[string]any{"spec": "5斤装", "unit": "箱", "listPriceFen": 5990})
	expect(s.t, sku, 200, "")
	return fmt.Sprint(sku.body["id"])
}

// coBatch creates and schedules a batch of one item opening after opensIn; it returns the batch
// and item ids.
func (s *stack) coBatch(title, skuID string, priceFen, quota, limit int, cells []string, opensIn time.Duration) (string, string) {
	s.t.Helper()
	opens := time.Now().Add(opensIn)
	cutoff := opens.Add(2 * time.Hour)
	in := map[string]any{
		"title": title, "opensAt": opens.UTC().Format(time.RFC3339Nano), "cutoffAt": cutoff.UTC().Format(time.RFC3339Nano),
		"pickupDate": cutoff.Add(48 * time.Hour).In(bjtime.Zone).Format(time.DateOnly),
		"items": []map[string]any{{"skuId": skuID, "priceFen": priceFen, "quota": quota, "perShopperLimit": limit,
			"commissionBp": 1000, "referenceBasis": "厂商建议零售价"}}, // a new SKU: no sales behind its list price
		"gridCells": cells,
	}
	b := s.call("POST", "/v1/ops/batches", s.ops(), in)
	expect(s.t, b, 200, "")
	id := fmt.Sprint(b.body["id"])
	items, _ := b.body["items"].([]any)
	if len(items) != 1 {
		s.t.Fatalf("created batch: %s", b.raw)
	}
	item := fmt.Sprint(items[0].(map[string]any)["id"])
	expect(s.t, s.call("POST", "/v1/ops/batches/"+id+"/schedule", s.ops(), "{}"), 200, "")
	return id, item
}

// coWaitOpen waits until ops see the batch open.
func (s *stack) coWaitOpen(id string, within time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		b := s.call("GET", "/v1/ops/batches/"+id, s.ops(), nil)
		expect(s.t, b, 200, "")
		if b.str("status") == "open" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("batch %s not open within %s: %s", id, within, b.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// coRemaining is the item's remaining stock as the shop shows it.
func (s *stack) coRemaining(token, batchID, itemID string) int64 {
	s.t.Helper()
	r := s.call("GET", "/v1/shop/batches", token, nil)
	expect(s.t, r, 200, "")
	batches, _ := r.body["batches"].([]any)
	for _, b := range batches {
		bm := b.(map[string]any)
		if fmt.Sprint(bm["id"]) != batchID {
			continue
		}
		items, _ := bm["items"].([]any)
		for _, it := range items {
			im := it.(map[string]any)
			if fmt.Sprint(im["id"]) == itemID {
				return coInt(im["remaining"])
			}
		}
	}
	s.t.Fatalf("batch %s item %s not in the shop: %s", batchID, itemID, r.raw)
	return 0
}

// coInt reads a protojson int64 (a string) or int32 (a number); absent is 0.
func coInt(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return -1
}

func coUnits(r reply) int64 {
	var n int64
	lines, _ := r.body["lines"].([]any)
	for _, l := range lines {
		n += coInt(l.(map[string]any)["quantity"])
	}
	return n
}

// Two instances sell a flash-sale item of 100 units to 2,000 shoppers: exactly 100 are sold,
// everybody else hears SOLD_OUT or LIMIT_EXCEEDED, and once the unpaid orders expire every unit
// comes back, in Redis and PostgreSQL alike.
func TestFlashSaleAcrossReplicas(t *testing.T) {
	const ttl = 15 * time.Second // the server requires at least 5s; long enough for the race itself
	t.Setenv("GROUPBUY_ORDER_TTL", fmt.Sprintf("%ds", int(ttl.Seconds())))
	t.Setenv("GROUPBUY_CHECKOUT_TICK", "1s")
	s := start(t)
	other := s.replica()
	insts := []*stack{s, other}

	cell := s.serveGrid(square, "人民广场")
	_, leader := s.becomeLeader("o-e2e-flash-leader", offset(square, 100, 100), "")
	leaderID := fmt.Sprint(leader.body["id"])
	skuID := s.coSKU("阳山水蜜桃")

	const shoppers, workers = 2000, 64
	began := time.Now()
	tokens := make([]string, shoppers)
	{
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		next := make(chan int)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					tok, err := insts[i%2].coShopper(fmt.Sprintf("o-e2e-flash-%04d", i), leaderID)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						continue
					}
					tokens[i] = tok
				}
			}()
		}
		for i := 0; i < shoppers; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d shoppers failed to sign in or bind; first: %v", len(errs), errs[0])
		}
	}
	t.Logf("%d shoppers signed in and bound in %s", shoppers, time.Since(began).Round(time.Millisecond))

	batchID, itemID := s.coBatch("水蜜桃秒杀", skuID, 3990, 100, 2, []string{cell}, 2*time.Second)
	s.coWaitOpen(batchID, 15*time.Second)
	bid, _ := strconv.ParseInt(batchID, 10, 64)
	iid, _ := strconv.ParseInt(itemID, 10, 64)
	order := func(key string, qty int) map[string]any {
		return map[string]any{"idempotencyKey": key, "batchId": bid, "lines": []map[string]any{{"itemId": iid, "quantity": qty, "priceFen": 3990}}}
	}

	type outcome struct {
		first, second reply
		secondTried   bool
		replay        reply
		retries       int
		err           error
	}
	outs := make([]outcome, shoppers)
	raceStart := time.Now()
	{
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					o := &outs[i]
					key := fmt.Sprintf("flash-first-%04d", i)
					var n int
					o.first, n, o.err = coOrder(insts[i%2].api, tokens[i], order(key, 1))
					o.retries += n
					if o.err != nil {
						continue
					}
					if o.first.status == 200 {
						// A retry of the same request, through the other instance, is the same order.
						o.replay, n, o.err = coOrder(insts[(i+1)%2].api, tokens[i], order(key, 1))
						o.retries += n
						if o.err != nil {
							continue
						}
					}
					if i%4 == 0 {
						o.secondTried = true
						o.second, n, o.err = coOrder(insts[(i+1)%2].api, tokens[i], order(fmt.Sprintf("flash-second-%04d", i), 2))
						o.retries += n
					}
				}
			}()
		}
		for i := 0; i < shoppers; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	raceTook := time.Since(raceStart)
	t.Logf("race of %d shoppers took %s", shoppers, raceTook.Round(time.Millisecond))

	var sold, okOrders, soldOut, limited, retried503, secondLimited, secondSoldOut int64
	perShopper := make([]int64, shoppers)
	bad := 0
	for i, o := range outs {
		if o.err != nil {
			t.Errorf("shopper %d: %v", i, o.err)
			continue
		}
		retried503 += int64(o.retries)
		check := func(what string, r reply) {
			switch {
			case r.status == 200:
				u := coUnits(r)
				sold += u
				perShopper[i] += u
				okOrders++
				if r.str("status") != "pending_payment" {
					t.Errorf("shopper %d %s order: %s", i, what, r.raw)
				}
			case r.status == 409 && r.reason() == "SOLD_OUT":
				soldOut++
			case r.status == 409 && r.reason() == "LIMIT_EXCEEDED":
				limited++
			default:
				bad++
				if bad <= 10 {
					t.Errorf("shopper %d %s order: %d %s", i, what, r.status, r.raw)
				}
			}
		}
		check("first", o.first)
		if o.first.status == 200 {
			if o.replay.status != 200 || fmt.Sprint(o.replay.body["id"]) != fmt.Sprint(o.first.body["id"]) {
				t.Errorf("shopper %d: retry with the same key gave %d %s, first gave order %v", i, o.replay.status, o.replay.raw, o.first.body["id"])
			}
		}
		if o.secondTried {
			check("second", o.second)
			if o.first.status == 200 {
				switch {
				case o.second.status == 200:
					t.Errorf("shopper %d holds 1 and was sold 2 more: %s", i, o.second.raw)
				case o.second.reason() == "LIMIT_EXCEEDED":
					secondLimited++
				case o.second.reason() == "SOLD_OUT":
					secondSoldOut++ // also true when stock ran out first; reported below
				}
			}
		}
		if perShopper[i] > 2 {
			t.Errorf("shopper %d holds %d units, limit 2", i, perShopper[i])
		}
	}
	t.Logf("sold %d units in %d orders; %d SOLD_OUT, %d LIMIT_EXCEEDED, %d other; 503 retries %d; second orders of holders: %d LIMIT_EXCEEDED, %d SOLD_OUT",
		sold, okOrders, soldOut, limited, bad, retried503, secondLimited, secondSoldOut)
	if sold != 100 {
		t.Errorf("sold %d units, want exactly 100", sold)
	}
	var dbUnits int64
	if err := s.db.QueryRow(`SELECT coalesce(sum(quantity),0) FROM order_lines`).Scan(&dbUnits); err != nil {
		t.Fatal(err)
	}
	if dbUnits != 100 {
		t.Errorf("order_lines sum to %d units, want 100", dbUnits)
	}
	if n := s.count("orders"); int64(n) != okOrders {
		t.Errorf("%d orders in the database, %d placed", n, okOrders)
	}
	var earliest time.Time
	if err := s.db.QueryRow(`SELECT min(expires_at) FROM orders`).Scan(&earliest); err == nil && !raceStart.Add(raceTook).Before(earliest) {
		t.Errorf("the race (%s) outlasted the order TTL (%s): the first orders expired during it; raise ttl", raceTook, ttl)
	}
	if r := s.coRemaining(tokens[0], batchID, itemID); r != 0 {
		t.Errorf("shop shows %d remaining after the sale, want 0", r)
	}
	if r := other.coRemaining(tokens[1], batchID, itemID); r != 0 {
		t.Errorf("replica shows %d remaining after the sale, want 0", r)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Nobody pays: after the TTL (plus grace and a sweep) every unit comes back.
	expiryStart := time.Now()
	deadline := earliest.Add(ttl + 20*time.Second) // generous: TTL, 5s grace, sweeper ticks, -race
	var pending int
	for {
		if err := s.db.QueryRow(`SELECT count(*) FROM orders WHERE status <> 'cancelled' OR cancel_reason IS DISTINCT FROM 'expired' OR release_pending`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			rows, _ := s.db.Query(`SELECT status, coalesce(cancel_reason,''), release_pending, count(*) FROM orders GROUP BY 1,2,3`)
			for rows != nil && rows.Next() {
				var st, cr string
				var rp bool
				var n int
				_ = rows.Scan(&st, &cr, &rp, &n)
				t.Logf("orders: status=%s cancel_reason=%q release_pending=%v: %d", st, cr, rp, n)
			}
			t.Fatalf("%d orders not expired and released by %s", pending, deadline.Format(time.RFC3339))
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("all %d orders expired %s after the race (TTL %s)", okOrders, time.Since(expiryStart).Round(time.Millisecond), ttl)
	// The stock returns asynchronously from the cancellation in some designs: poll the shop briefly.
	var remaining int64
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		remaining = s.coRemaining(tokens[0], batchID, itemID)
		if remaining == 100 || time.Now().After(end) {
			break
		}
	}
	if remaining != 100 {
		t.Errorf("shop shows %d remaining after every order expired, want 100", remaining)
	}
	if r := other.coRemaining(tokens[1], batchID, itemID); r != 100 {
		t.Errorf("replica shows %d remaining after every order expired, want 100", r)
	}
	for i, o := range outs { // the owner sees it too, through either instance
		if o.first.status == 200 {
			g := insts[(i+1)%2].call("GET", "/v1/shop/orders/"+fmt.Sprint(o.first.body["id"]), tokens[i], nil)
			expect(t, g, 200, "")
			if g.str("status") != "cancelled" || g.str("cancelReason") != "expired" {
				t.Errorf("shopper %d's expired order: %s", i, g.raw)
			}
			break
		}
	}
	rebuildStart := time.Now()
	rebuilt := s.call("POST", "/v1/ops/batches/"+batchID+"/stock/rebuild", s.ops(), "{}")
	expect(t, rebuilt, 200, "")
	t.Logf("stock rebuild took %s: %s", time.Since(rebuildStart).Round(time.Millisecond), rebuilt.raw)
	items, _ := rebuilt.body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("stock report: %s", rebuilt.raw)
	}
	line := items[0].(map[string]any)
	if coInt(line["taken"]) != 0 || coInt(line["remaining"]) != 100 || coInt(line["quota"]) != 100 {
		t.Errorf("stock rebuild after expiry: %s, want taken 0 remaining 100", rebuilt.raw)
	}
	if r := s.coRemaining(tokens[0], batchID, itemID); r != 100 {
		t.Errorf("shop shows %d remaining after the rebuild, want 100", r)
	}
}

// Orders that cannot be placed are refused with their reasons and leave no order behind.
func TestCheckoutBadInput(t *testing.T) {
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	far := offset(square, 9000, 9000)
	farCell := s.serveGrid(far, "远处")
	_, leader := s.becomeLeader("o-e2e-bad-leader", offset(square, 100, 100), "")
	leaderID := fmt.Sprint(leader.body["id"])
	skuID := s.coSKU("阳山水蜜桃")

	openID, openItem := s.coBatch("今日团购", skuID, 3990, 100, 2, []string{cell}, 2*time.Second)
	laterID, laterItem := s.coBatch("明日团购", skuID, 3990, 100, 2, []string{cell}, time.Hour)
	farID, farItem := s.coBatch("远处团购", skuID, 3990, 100, 2, []string{farCell}, 2*time.Second)
	s.coWaitOpen(openID, 15*time.Second)
	s.coWaitOpen(farID, 15*time.Second)

	shopper, err := s.coShopper("o-e2e-bad-shopper", leaderID)
	if err != nil {
		t.Fatal(err)
	}
	unbound, err := s.coShopper("o-e2e-bad-unbound", "")
	if err != nil {
		t.Fatal(err)
	}
	num := func(id string) int64 { n, _ := strconv.ParseInt(id, 10, 64); return n }
	order := func(key, batch, item string, qty, price int) map[string]any {
		return map[string]any{"idempotencyKey": key, "batchId": num(batch), "lines": []map[string]any{{"itemId": num(item), "quantity": qty, "priceFen": price}}}
	}

	tests := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		reason string
	}{
		{"quantity 0", shopper, order("bad-qty-zero", openID, openItem, 0, 3990), 400, "INVALID_ARGUMENT"},
		{"above the limit", shopper, order("bad-qty-limit", openID, openItem, 3, 3990), 409, "LIMIT_EXCEEDED"},
		{"above the quota", shopper, order("bad-qty-quota", openID, openItem, 101, 3990), 409, "LIMIT_EXCEEDED"},
		{"batch not open", shopper, order("bad-not-open", laterID, laterItem, 1, 3990), 409, "BATCH_NOT_OPEN"},
		{"no bound leader", unbound, order("bad-unbound", openID, openItem, 1, 3990), 409, "NO_BOUND_LEADER"},
		{"price changed", shopper, order("bad-price", openID, openItem, 1, 3890), 409, "PRICE_CHANGED"},
		{"batch in another grid", shopper, order("bad-grid", farID, farItem, 1, 3990), 403, "BATCH_NOT_IN_GRID"},
		{"item of another batch", shopper, order("bad-item", openID, laterItem, 1, 3990), 400, ""},
		{"bad key", shopper, order("short", openID, openItem, 1, 3990), 400, "INVALID_ARGUMENT"},
	}
	for _, tc := range tests {
		before := s.count("orders")
		r := s.call("POST", "/v1/shop/orders", tc.token, tc.body)
		if tc.reason == "" { // any 4xx refusal will do; report what it was
			if r.status < 400 || r.status >= 500 {
				t.Errorf("%s: got %d %s, want a refusal", tc.name, r.status, r.raw)
			} else {
				t.Logf("%s: %d %s", tc.name, r.status, r.reason())
			}
		} else if r.status != tc.status || r.reason() != tc.reason {
			t.Errorf("%s: got %d %q, want %d %q; body %s", tc.name, r.status, r.reason(), tc.status, tc.reason, r.raw)
		}
		if after := s.count("orders"); after != before {
			t.Errorf("%s: orders went from %d to %d", tc.name, before, after)
		}
	}
	if n := s.count("orders"); n != 0 {
		t.Fatalf("refused orders left %d rows", n)
	}

	// The same key with other lines is refused; with the same lines it is the same order.
	placed := s.call("POST", "/v1/shop/orders", shopper, order("bad-reused-key", openID, openItem, 1, 3990))
	expect(t, placed, 200, "")
	again := s.call("POST", "/v1/shop/orders", shopper, order("bad-reused-key", openID, openItem, 1, 3990))
	expect(t, again, 200, "")
	if fmt.Sprint(again.body["id"]) != fmt.Sprint(placed.body["id"]) {
		t.Errorf("same key, same lines: order %v then %v", placed.body["id"], again.body["id"])
	}
	expect(t, s.call("POST", "/v1/shop/orders", shopper, order("bad-reused-key", openID, openItem, 2, 3990)), 422, "IDEMPOTENCY_KEY_REUSED")
	expect(t, s.call("POST", "/v1/shop/orders", shopper, order("bad-reused-key", laterID, laterItem, 1, 3990)), 422, "IDEMPOTENCY_KEY_REUSED")
	if n := s.count("orders"); n != 1 {
		t.Errorf("%d orders after one placed and its key reused, want 1", n)
	}
	// Holding 1, the shopper may take 1 more but not 2.
	expect(t, s.call("POST", "/v1/shop/orders", shopper, order("bad-over-hold", openID, openItem, 2, 3990)), 409, "LIMIT_EXCEEDED")
	if n := s.count("orders"); n != 1 {
		t.Errorf("%d orders after a refused second order, want 1", n)
	}
	var units int64
	_ = s.db.QueryRow(`SELECT coalesce(sum(quantity),0) FROM order_lines`).Scan(&units)
	if units != 1 {
		t.Errorf("order_lines hold %d units, want 1", units)
	}
	if r := s.coRemaining(shopper, openID, openItem); r != 99 {
		t.Errorf("remaining %d after one unit sold, want 99", r)
	}
}
