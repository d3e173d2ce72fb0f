package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The paid life of an order through the real binary, with WeChat Pay simulated: the server's
// merchant is configured from development keys, its adapter talks to the simulator with the
// real SDK, and the simulator sends its notifications to the server's own HTTP address.

var (
	lcKeysOnce sync.Once
	lcKeys     *wxsim.DevPayKeys
	lcKeysErr  error
)

// lcPayKeys is one merchant key set for the test binary: RSA key generation is slow.
func lcPayKeys(t *testing.T) *wxsim.DevPayKeys {
	t.Helper()
	lcKeysOnce.Do(func() { lcKeys, lcKeysErr = wxsim.GenerateDevPayKeys(wxsim.DemoMchID) })
	if lcKeysErr != nil {
		t.Fatal(lcKeysErr)
	}
	return lcKeys
}

// lcWorld is a server with WeChat Pay, a served grid, leader A there and a product of two SKUs.
type lcWorld struct {
	*stack
	cell      string
	leaderTok string
	leaderID  string
	skus      [2]string
}

// lcStart starts the server with WeChat Pay (refunds complete on CompleteRefund, failed
// notifications are retried within a second) and sets up the world the scenarios share.
func lcStart(t *testing.T) *lcWorld {
	t.Helper()
	return lcStartOn(t, testenv.SingleRedis)
}

// lcStartOn is lcStart with the server on the Redis of mode.
func lcStartOn(t *testing.T, mode testenv.RedisMode) *lcWorld {
	t.Helper()
	s := startWith(t, options{payKeys: lcPayKeys(t), payConfig: func(c *wxsim.PayConfig) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
		c.RefundDelay = wxsim.Manual
	}, redis: mode})
	w := &lcWorld{stack: s}
	w.cell = s.serveGrid(square, "人民广场")
	var profile reply
	w.leaderTok, profile = s.becomeLeader("o-e2e-lc-leader-a", offset(square, 100, 100), "")
	w.leaderID = fmt.Sprint(profile.body["id"])
	w.skus[0], w.skus[1] = s.coSKU("阳山水蜜桃"), s.coSKU("土鸡蛋")
	return w
}

// lcItem is one item of a batch: SKU index, price, quota.
type lcItem struct {
	sku          int
	price, quota int
}

// batch creates and schedules a batch opening in opensIn with an order window of window, waits
// until it is open and returns its id and its item ids.
func (w *lcWorld) batch(title string, opensIn, window time.Duration, items ...lcItem) (string, []string) {
	w.t.Helper()
	opens := time.Now().Add(opensIn)
	cutoff := opens.Add(window)
	var in []map[string]any
	for _, it := range items {
		in = append(in, map[string]any{"skuId": w.skus[it.sku], "priceFen": it.price, "quota": it.quota,
			"perShopperLimit": 0, "commissionBp": 1000, "referenceBasis": "厂商建议零售价"}) // new SKUs: no sales behind their list prices
	}
	b := w.call("POST", "/v1/ops/batches", w.ops(), map[string]any{
		"title": title, "opensAt": opens.UTC().Format(time.RFC3339Nano), "cutoffAt": cutoff.UTC().Format(time.RFC3339Nano),
		"pickupDate": cutoff.Add(24 * time.Hour).In(bjtime.Zone).Format(time.DateOnly),
		"items":      in, "gridCells": []string{w.cell},
	})
	expect(w.t, b, 200, "")
	id := fmt.Sprint(b.body["id"])
	var ids []string
	got, _ := b.body["items"].([]any)
	for _, it := range got {
		ids = append(ids, fmt.Sprint(it.(map[string]any)["id"]))
	}
	if len(ids) != len(items) {
		w.t.Fatalf("created batch: %s", b.raw)
	}
	expect(w.t, w.call("POST", "/v1/ops/batches/"+id+"/schedule", w.ops(), "{}"), 200, "")
	w.coWaitOpen(id, opensIn+15*time.Second)
	return id, ids
}

// batchStatus waits until ops see the batch in status.
func (w *lcWorld) batchStatus(id, status string, within time.Duration) {
	w.t.Helper()
	lcWait(w.t, "batch "+id+" "+status, within, func() (bool, string) {
		b := w.call("GET", "/v1/ops/batches/"+id, w.ops(), nil)
		expect(w.t, b, 200, "")
		return b.str("status") == status, string(b.raw)
	})
}

// shopper signs a new shopper in and binds leader A.
func (w *lcWorld) shopper(openid string) string {
	w.t.Helper()
	tok, err := w.coShopper(openid, w.leaderID)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// place orders qty[i] units of item i (0: none) at price[i] and returns the order.
func (w *lcWorld) place(tok, key, batchID string, itemIDs []string, prices []int, qty ...int) reply {
	w.t.Helper()
	bid, _ := strconv.ParseInt(batchID, 10, 64)
	var lines []map[string]any
	for i, q := range qty {
		if q == 0 {
			continue
		}
		iid, _ := strconv.ParseInt(itemIDs[i], 10, 64)
		lines = append(lines, map[string]any{"itemId": iid, "quantity": q, "priceFen": prices[i]})
	}
	r := w.call("POST", "/v1/shop/orders", tok, map[string]any{"idempotencyKey": key, "batchId": bid, "lines": lines})
	expect(w.t, r, 200, "")
	if r.str("status") != "pending_payment" {
		w.t.Fatalf("placed order: %s", r.raw)
	}
	return r
}

// payParams asks for wx.requestPayment's parameters of the order and checks their shape.
func (w *lcWorld) payParams(tok, orderID string) reply {
	w.t.Helper()
	r := w.call("POST", "/v1/shop/orders/"+orderID+"/pay", tok, "{}")
	expect(w.t, r, 200, "")
	if r.str("appId") != appID || !strings.HasPrefix(r.str("package"), "prepay_id=") || r.str("signType") != "RSA" ||
		r.str("paySign") == "" || r.str("nonceStr") == "" || r.str("timeStamp") == "" {
		w.t.Fatalf("payment parameters: %s", r.raw)
	}
	return r
}

// outTradeNo is the order's first WeChat Pay order.
func outTradeNo(orderID string) string { return "GBO" + orderID + "-1" }

// payAtSim plays the payer confirming the payment on the phone.
func (w *lcWorld) payAtSim(orderID string) string {
	w.t.Helper()
	txn, err := w.sim.Pay(outTradeNo(orderID))
	if err != nil {
		w.t.Fatalf("pay %s at the simulator: %v", outTradeNo(orderID), err)
	}
	return txn
}

// order reads the shopper's order.
func (w *lcWorld) order(tok, id string) reply {
	w.t.Helper()
	r := w.call("GET", "/v1/shop/orders/"+id, tok, nil)
	expect(w.t, r, 200, "")
	return r
}

// waitOrder waits until the shopper's order is in status.
func (w *lcWorld) waitOrder(tok, id, status string, within time.Duration) reply {
	w.t.Helper()
	var got reply
	lcWait(w.t, "order "+id+" "+status, within, func() (bool, string) {
		got = w.order(tok, id)
		return got.str("status") == status, string(got.raw)
	})
	return got
}

// paid places an order, pays it at the simulator and waits until the server has it paid.
func (w *lcWorld) paid(tok, key, batchID string, itemIDs []string, prices []int, qty ...int) reply {
	w.t.Helper()
	o := w.place(tok, key, batchID, itemIDs, prices, qty...)
	id := fmt.Sprint(o.body["id"])
	w.payParams(tok, id)
	w.payAtSim(id)
	return w.waitOrder(tok, id, "paid", 15*time.Second)
}

// lines is the order's lines by index.
func lines(o reply) []map[string]any {
	var out []map[string]any
	ls, _ := o.body["lines"].([]any)
	for _, l := range ls {
		out = append(out, l.(map[string]any))
	}
	return out
}

// lcWait polls cond every 100 ms until it holds or within passes; last is what to show then.
func lcWait(t *testing.T, what string, within time.Duration, cond func() (ok bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last %s", what, within, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// expectOK is expect(t, r, 200, "") for replies with a "reason" field of their own (after-sales).
func expectOK(t *testing.T, r reply) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("got %d, want 200; body %s", r.status, r.raw)
	}
}

var pickupCodeRE = regexp.MustCompile(`^[0-9]{12}$`)

// 1. Paid through WeChat Pay: the notification makes the order paid with a pickup code and a
// QR payload; the same notification delivered again changes nothing.
func TestLifecyclePayThenPaid(t *testing.T) {
	w := lcStart(t)
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 100})
	tok := w.shopper("o-e2e-lc-pay-0001")
	o := w.place(tok, "lc-pay-order-1", batchID, items, []int{3990}, 2)
	id := fmt.Sprint(o.body["id"])
	w.payParams(tok, id)
	// The same parameters again (a second tap): the same prepay_id.
	first, again := w.payParams(tok, id), w.payParams(tok, id)
	if first.str("package") != again.str("package") {
		t.Errorf("prepay again: %s, then %s", first.raw, again.raw)
	}

	w.sim.DuplicateNotifications(1)
	txn := w.payAtSim(id)
	got := w.waitOrder(tok, id, "paid", 15*time.Second)
	code, qr := got.str("pickupCode"), got.str("pickupQr")
	if !pickupCodeRE.MatchString(code) || qr == "" || got.str("paidAt") == "" || coInt(got.body["amountFen"]) != 7980 {
		t.Fatalf("paid order: %s", got.raw)
	}

	// Both deliveries of the notification answered, the second changed nothing.
	lcWait(t, "two deliveries of the payment notification", 10*time.Second, func() (bool, string) {
		n := 0
		var all []string
		for _, d := range w.sim.Notifications() {
			if d.EventType == "TRANSACTION.SUCCESS" && strings.Contains(d.Resource, outTradeNo(id)) && d.OK {
				n++
			}
			all = append(all, fmt.Sprintf("%+v", d))
		}
		return n >= 2, strings.Join(all, "\n")
	})
	after := w.order(tok, id)
	if after.str("status") != "paid" || after.str("pickupCode") != code || after.str("pickupQr") != qr ||
		after.str("paidAt") != got.str("paidAt") {
		t.Errorf("after the duplicate: %s, before %s", after.raw, got.raw)
	}
	var payments, paidOrders int
	if err := w.db.QueryRow("SELECT count(*) FROM payments WHERE out_trade_no = $1 AND transaction_id = $2 AND state = 'paid'",
		outTradeNo(id), txn).Scan(&payments); err != nil || payments != 1 {
		t.Errorf("payments of %s with %s: %d, %v", outTradeNo(id), txn, payments, err)
	}
	if err := w.db.QueryRow("SELECT count(*) FROM outbox_events WHERE topic = 'order.paid'").Scan(&paidOrders); err != nil || paidOrders != 1 {
		t.Errorf("order.paid events: %d, %v", paidOrders, err)
	}
	// Paying a paid order again is refused.
	if r := w.call("POST", "/v1/shop/orders/"+id+"/pay", tok, "{}"); r.status == 200 {
		t.Errorf("pay a paid order: %s", r.raw)
	}
}

// 2. The payer pays while the order expires and WeChat's notification is lost: the sweeper
// closes at WeChat, learns the order was paid, and the order ends paid, its stock still taken.
func TestLifecyclePaymentDuringExpiry(t *testing.T) {
	t.Setenv("GROUPBUY_ORDER_TTL", "5s")
	t.Setenv("GROUPBUY_CHECKOUT_TICK", "1s")
	w := lcStart(t)
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 10})
	tok := w.shopper("o-e2e-lc-expiry-0001")
	o := w.place(tok, "lc-expiry-order-1", batchID, items, []int{3990}, 3)
	id := fmt.Sprint(o.body["id"])
	if n := w.coRemaining(tok, batchID, items[0]); n != 7 {
		t.Fatalf("remaining after the order: %d", n)
	}
	expires, err := time.Parse(time.RFC3339Nano, o.str("expiresAt"))
	if err != nil {
		t.Fatalf("expiresAt: %s", o.raw)
	}
	w.payParams(tok, id)
	w.sim.DropNotifications(1)
	w.payAtSim(id)
	closes := w.sim.Calls(wxsim.OpPayClose)

	// Past the expiry, the sweeper must have dealt with it; never cancelled on the way.
	lcWait(t, "order "+id+" paid after its expiry", time.Until(expires)+20*time.Second, func() (bool, string) {
		r := w.order(tok, id)
		if st := r.str("status"); st == "cancelled" {
			t.Fatalf("a paid order was cancelled: %s", r.raw)
		}
		return r.str("status") == "paid" && time.Now().After(expires), string(r.raw)
	})
	got := w.order(tok, id)
	if !pickupCodeRE.MatchString(got.str("pickupCode")) || got.str("cancelReason") != "" {
		t.Errorf("paid after expiry: %s", got.raw)
	}
	if n := w.sim.Calls(wxsim.OpPayClose); n <= closes {
		t.Errorf("no close at WeChat (%d calls)", n)
	}
	// A few more ticks change nothing.
	time.Sleep(3 * time.Second)
	if r := w.order(tok, id); r.str("status") != "paid" {
		t.Errorf("later: %s", r.raw)
	}
	if n := w.coRemaining(tok, batchID, items[0]); n != 7 {
		t.Errorf("remaining after the paid expiry: %d, want 7", n)
	}
	for _, d := range w.sim.Notifications() {
		if strings.Contains(d.Resource, outTradeNo(id)) && d.OK {
			t.Errorf("a notification got through although dropped: %+v", d)
		}
	}
}

// 3. A paid order cancelled before the cut-off is refunded in full, and its stock comes back.
func TestLifecycleCancelPaidBeforeCutoff(t *testing.T) {
	w := lcStart(t)
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 10})
	tok := w.shopper("o-e2e-lc-cancel-0001")
	o := w.paid(tok, "lc-cancel-order-1", batchID, items, []int{3990}, 2)
	id := fmt.Sprint(o.body["id"])
	if n := w.coRemaining(tok, batchID, items[0]); n != 8 {
		t.Fatalf("remaining after the order: %d", n)
	}
	c := w.call("POST", "/v1/shop/orders/"+id+"/cancel", tok, "{}")
	expect(t, c, 200, "")
	if st := c.str("status"); st != "refunding" {
		t.Fatalf("cancelled paid order: %s", c.raw)
	}
	refundNo := "GBR" + id + "-0"
	var r wxsim.PayRefund
	lcWait(t, "refund "+refundNo+" at WeChat", 10*time.Second, func() (bool, string) {
		var err error
		r, err = w.sim.Refund(refundNo)
		return err == nil, fmt.Sprint(err)
	})
	if r.Refund != 7980 || r.Total != 7980 || r.OutTradeNo != outTradeNo(id) {
		t.Fatalf("refund at WeChat: %+v", r)
	}
	if n := w.coRemaining(tok, batchID, items[0]); n != 8 {
		t.Errorf("remaining while refunding: %d, want 8", n)
	}
	if err := w.sim.CompleteRefund(refundNo); err != nil {
		t.Fatal(err)
	}
	got := w.waitOrder(tok, id, "refunded", 15*time.Second)
	if coInt(got.body["refundedFen"]) != 7980 {
		t.Errorf("refunded order: %s", got.raw)
	}
	lcWait(t, "stock back", 10*time.Second, func() (bool, string) {
		n := w.coRemaining(tok, batchID, items[0])
		return n == 10, fmt.Sprint(n)
	})
	// Cancelling again changes nothing.
	if again := w.call("POST", "/v1/shop/orders/"+id+"/cancel", tok, "{}"); again.status == 200 && again.str("status") != "refunded" {
		t.Errorf("cancel again: %s", again.raw)
	}
}

// pickupDay takes a batch with a short window to arrival: a paid order of shopper at leader A,
// the cut-off, dispatch by ops, arrival confirmed by A. It returns the order as it is then.
func (w *lcWorld) pickupDay(openid string, qty ...int) (tok, batchID string, o reply) {
	w.t.Helper()
	const window = 6 * time.Second
	batchID, items := w.batch("周六鲜果", time.Second, window, lcItem{0, 3990, 100}, lcItem{1, 1500, 100})
	tok = w.shopper(openid)
	o = w.paid(tok, "lc-day-"+openid, batchID, items, []int{3990, 1500}, qty...)
	id := fmt.Sprint(o.body["id"])

	// Before the cut-off the batch cannot be dispatched.
	if r := w.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", w.ops(), "{}"); r.status == 200 {
		w.t.Fatalf("dispatch before the cut-off: %s", r.raw)
	}
	w.batchStatus(batchID, "closed", window+15*time.Second)
	d := w.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", w.ops(), "{}")
	expect(w.t, d, 200, "")
	if d.str("status") != "dispatched" {
		w.t.Fatalf("dispatched batch: %s", d.raw)
	}
	a := w.call("POST", "/v1/leader/batches/"+batchID+"/arrival", w.leaderTok, "{}")
	expect(w.t, a, 200, "")
	if coInt(a.body["ordersReady"]) != 1 {
		w.t.Errorf("arrival: %s", a.raw)
	}
	o = w.order(tok, id)
	if o.str("status") != "ready_for_pickup" {
		w.t.Fatalf("order after arrival: %s", o.raw)
	}
	return tok, batchID, o
}

// 4. Pickup day: arrival makes the order ready and tells the shopper; the code works only at
// the shopper's own point, once.
func TestLifecyclePickupDay(t *testing.T) { testLifecyclePickupDay(t, lcStart(t)) }

// The same day with the server on a Redis Cluster (redis.cluster: true): sign-in, the stock
// counter's scripts, payment and the pickup guard each keep their keys in one slot.
func TestLifecyclePickupDayOnRedisCluster(t *testing.T) {
	testLifecyclePickupDay(t, lcStartOn(t, testenv.ClusterRedis))
}

func testLifecyclePickupDay(t *testing.T, w *lcWorld) {
	otherTok, _ := w.becomeLeader("o-e2e-lc-leader-b", offset(square, -120, 80), "")
	tok, batchID, o := w.pickupDay("o-e2e-lc-pickup-0001", 2, 1)
	id := fmt.Sprint(o.body["id"])
	code, qr := o.str("pickupCode"), o.str("pickupQr")

	ns := w.call("GET", "/v1/shop/notices", tok, nil)
	expect(t, ns, 200, "")
	notices, _ := ns.body["notices"].([]any)
	found := false
	for _, n := range notices {
		nm := n.(map[string]any)
		found = found || (fmt.Sprint(nm["orderId"]) == id && nm["kind"] == "arrived")
	}
	if !found {
		t.Errorf("no arrival notice for order %s: %s", id, ns.raw)
	}
	pl := w.call("GET", "/v1/leader/batches/"+batchID+"/pick-list", w.leaderTok, nil)
	expect(t, pl, 200, "")

	expect(t, w.call("POST", "/v1/leader/pickups", otherTok, map[string]string{"code": code}), 404, "PICKUP_CODE_INVALID")
	v := w.call("POST", "/v1/leader/pickups", w.leaderTok, map[string]string{"qr": qr})
	expect(t, v, 200, "")
	if fmt.Sprint(v.body["id"]) != id || v.str("status") != "picked_up" || v.str("pickedUpAt") == "" {
		t.Fatalf("verified: %s", v.raw)
	}
	if got := w.order(tok, id); got.str("status") != "picked_up" {
		t.Errorf("shopper sees %s", got.raw)
	}
	expect(t, w.call("POST", "/v1/leader/pickups", w.leaderTok, map[string]string{"qr": qr}), 404, "PICKUP_CODE_INVALID")
	expect(t, w.call("POST", "/v1/leader/pickups", w.leaderTok, map[string]string{"code": code}), 404, "PICKUP_CODE_INVALID")
}

// 5. After pickup a line is refunded through after-sales: ops approve, WeChat refunds, the
// order shows it; more than what is left is refused.
func TestLifecycleAfterSales(t *testing.T) {
	w := lcStart(t)
	tok, _, o := w.pickupDay("o-e2e-lc-aftersale-0001", 2, 1) // 7980 + 1500
	id := fmt.Sprint(o.body["id"])
	expect(t, w.call("POST", "/v1/leader/pickups", w.leaderTok, map[string]string{"code": o.str("pickupCode")}), 200, "")
	ls := lines(o)
	if len(ls) != 2 {
		t.Fatalf("lines: %s", o.raw)
	}
	peach := fmt.Sprint(ls[0]["id"])
	pid, _ := strconv.ParseInt(peach, 10, 64)

	req := w.call("POST", "/v1/shop/orders/"+id+"/after-sales", tok, map[string]any{
		"lines": []map[string]any{{"lineId": pid, "quantity": 1}}, "reason": "一个压坏了"})
	expectOK(t, req)
	asID := fmt.Sprint(req.body["id"])
	if req.str("status") != "requested" || coInt(req.body["amountFen"]) != 3990 {
		t.Fatalf("request: %s", req.raw)
	}
	list := w.call("GET", "/v1/ops/after-sales?status=requested", w.ops(), nil)
	expect(t, list, 200, "")
	if !strings.Contains(string(list.raw), `"id":"`+asID+`"`) {
		t.Errorf("ops list: %s", list.raw)
	}
	rev := w.call("POST", "/v1/ops/after-sales/"+asID+"/review", w.ops(), map[string]any{"approve": true, "note": "同意"})
	expectOK(t, rev)
	refundNo := "GBR" + id + "-" + asID
	if rev.str("status") != "approved" {
		t.Fatalf("review: %s", rev.raw)
	}
	r, err := w.sim.Refund(refundNo)
	if err != nil || r.Refund != 3990 || r.Total != 9480 || r.OutTradeNo != outTradeNo(id) {
		t.Fatalf("refund at WeChat: %+v, %v", r, err)
	}
	if err := w.sim.CompleteRefund(refundNo); err != nil {
		t.Fatal(err)
	}
	lcWait(t, "order "+id+" refunded 3990", 15*time.Second, func() (bool, string) {
		got := w.order(tok, id)
		return coInt(got.body["refundedFen"]) == 3990, string(got.raw)
	})
	got := w.order(tok, id)
	gl := lines(got)
	if got.str("status") != "picked_up" || coInt(gl[0]["refundedQuantity"]) != 1 || coInt(gl[0]["refundedFen"]) != 3990 ||
		coInt(gl[1]["refundedQuantity"]) != 0 {
		t.Errorf("order after the refund: %s", got.raw)
	}
	mine := w.call("GET", "/v1/shop/after-sales", tok, nil)
	expect(t, mine, 200, "")
	if !strings.Contains(string(mine.raw), `"refunded"`) {
		t.Errorf("my after-sales: %s", mine.raw)
	}

	// One peach is left: two are refused, one more is fine.
	over := w.call("POST", "/v1/shop/orders/"+id+"/after-sales", tok, map[string]any{
		"lines": []map[string]any{{"lineId": pid, "quantity": 2}}, "reason": "还有压坏的"})
	expect(t, over, 400, "INVALID_ARGUMENT")
	last := w.call("POST", "/v1/shop/orders/"+id+"/after-sales", tok, map[string]any{
		"lines": []map[string]any{{"lineId": pid, "quantity": 1}}, "reason": "还有压坏的"})
	expectOK(t, last)
	if coInt(last.body["amountFen"]) != 3990 {
		t.Errorf("the last peach: %s", last.raw)
	}
	again := w.call("POST", "/v1/shop/orders/"+id+"/after-sales", tok, map[string]any{
		"lines": []map[string]any{{"lineId": pid, "quantity": 1}}, "reason": "还有压坏的"})
	expect(t, again, 400, "INVALID_ARGUMENT")
}

// 6. Ops cancel a batch: its unpaid order is cancelled, its paid one refunded.
func TestLifecycleBatchCancel(t *testing.T) {
	w := lcStart(t)
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 10})
	payer, idler := w.shopper("o-e2e-lc-bc-paid-0001"), w.shopper("o-e2e-lc-bc-unpaid-0001")
	p := w.paid(payer, "lc-bc-paid-1", batchID, items, []int{3990}, 1)
	u := w.place(idler, "lc-bc-unpaid-1", batchID, items, []int{3990}, 2)
	pid, uid := fmt.Sprint(p.body["id"]), fmt.Sprint(u.body["id"])
	w.payParams(idler, uid) // a WeChat order exists for it too, never paid

	c := w.call("POST", "/v1/ops/batches/"+batchID+"/cancel", w.ops(), map[string]any{"reason": "产地暴雨，无法发货"})
	expect(t, c, 200, "")
	if c.str("status") != "cancelled" {
		t.Fatalf("cancelled batch: %s", c.raw)
	}
	w.waitOrder(idler, uid, "cancelled", 20*time.Second)
	refundNo := "GBR" + pid + "-0"
	lcWait(t, "refund "+refundNo+" at WeChat", 20*time.Second, func() (bool, string) {
		_, err := w.sim.Refund(refundNo)
		return err == nil, fmt.Sprint(err)
	})
	if got := w.order(payer, pid); got.str("status") != "refunding" {
		t.Errorf("paid order while its refund is processing: %s", got.raw)
	}
	if err := w.sim.CompleteRefund(refundNo); err != nil {
		t.Fatal(err)
	}
	got := w.waitOrder(payer, pid, "refunded", 15*time.Second)
	if coInt(got.body["refundedFen"]) != 3990 {
		t.Errorf("refunded order: %s", got.raw)
	}
	if tx, err := w.sim.Transaction(outTradeNo(uid)); err != nil || tx.State != "CLOSED" {
		t.Errorf("the unpaid order at WeChat: %+v, %v", tx, err)
	}
}
