package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README's walkthrough of `make run QUICK=1`, step by step and with the same requests: the
// embedded default with the quick demo batch, the shopper played through the simulator's phone
// (wx.login codes, wx.requestPayment with what the pay endpoint answered), ops, the leader and
// finance through their own logins, from an order to its commission in the leader's wallet.
// Only the two windows are shorter than QUICK's, to keep the test short.
func TestQuickLifecycleWalkthrough(t *testing.T) {
	dir := t.TempDir()
	httpAddr, grpcAddr, simAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	s := &stack{t: t, api: "http://" + httpAddr, grpc: grpcAddr, conf: configFile(t, "groupbuy.yaml")}
	s.env = append(os.Environ(),
		"GROUPBUY_DB_SOURCE="+filepath.Join(dir, "quick.db"),
		"GROUPBUY_HTTP_ADDR="+httpAddr,
		"GROUPBUY_GRPC_ADDR="+grpcAddr,
		"GROUPBUY_WECHAT_SIM_ADDR="+simAddr,
		"GROUPBUY_WECHAT_PAY_KEYS_DIR="+filepath.Join(dir, "wxpay"),
		// What `make run QUICK=1` sets (there 180s and 60s).
		"GROUPBUY_DEMO_BATCH_WINDOW=20s",
		"GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=3s",
	)
	s.run("migrate")
	s.serve()
	sim := "http://" + simAddr

	// 1. A shopper signs in with a wx.login code and binds the nearest pickup point.
	shopper := s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": simText(t, sim+"/sim/v1/login-code?openid=demo-shopper")}).
		must(t).str("accessToken")
	near := s.call("GET", "/v1/pickup-points:nearby?lat=31.2304&lng=121.4737", shopper, nil).must(t)
	leaderID := fmt.Sprint(first(t, near, "points")["leaderId"])
	s.call("POST", "/v1/me/leader", shopper, `{"leaderId":`+leaderID+`}`).must(t)

	// 2. The open demo batch; two boxes of its peaches, paid on the phone.
	// The scheduler opens the demo batch within a second of the start.
	var batches reply
	lcWait(t, "the demo batch open", 10*time.Second, func() (bool, string) {
		batches = s.call("GET", "/v1/shop/batches", shopper, nil).must(t)
		list, _ := batches.body["batches"].([]any)
		return len(list) > 0, string(batches.raw)
	})
	batch := first(t, batches, "batches")
	batchID := fmt.Sprint(batch["id"])
	item := batch["items"].([]any)[0].(map[string]any)
	placeOrder := fmt.Sprintf(`{"idempotencyKey":"demo-order-1","batchId":%s,"lines":[{"itemId":%s,"quantity":2,"priceFen":%s}]}`,
		batchID, fmt.Sprint(item["id"]), fmt.Sprint(item["priceFen"]))
	// The batch opened with its stock in place: the first order is taken at once.
	order := s.call("POST", "/v1/shop/orders", shopper, placeOrder).must(t)
	orderID := fmt.Sprint(order.body["id"])
	pay := s.call("POST", "/v1/shop/orders/"+orderID+"/pay", shopper, "{}").must(t)
	paid := simPost(t, sim+"/sim/v1/pay/request-payment", pay.raw)
	if paid.status != http.StatusOK || paid.str("transaction_id") == "" {
		t.Fatalf("wx.requestPayment at the simulator: %d %s", paid.status, paid.raw)
	}
	var code string
	lcWait(t, "the order paid", 15*time.Second, func() (bool, string) {
		o := s.call("GET", "/v1/shop/orders/"+orderID, shopper, nil).must(t)
		code = o.str("pickupCode")
		return o.str("status") == "paid" && code != "", string(o.raw)
	})

	// 3. Ops: the batch closes by itself at its cut-off; ops dispatch it.
	ops := consoleLogin(s, "ops", "ops-demo-password")
	lcWait(t, "the batch closed", 40*time.Second, func() (bool, string) {
		b := s.call("GET", "/v1/ops/batches/"+batchID, ops, nil).must(t)
		return b.str("status") == "closed", string(b.raw)
	})
	s.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", ops, "{}").must(t)
	// The leader's rate is ops' to see, never the shop's.
	rateBP := coInt(first(t, s.call("GET", "/v1/ops/batches/"+batchID, ops, nil).must(t), "items")["commissionBp"])

	// 4. The leader (demo-leader-1 runs the nearest point) confirms arrival and hands the bag out.
	leader := s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": simText(t, sim+"/sim/v1/login-code?openid=demo-leader-1")}).
		must(t).str("accessToken")
	s.call("POST", "/v1/leader/batches/"+batchID+"/arrival", leader, "{}").must(t)
	s.call("POST", "/v1/leader/pickups", leader, `{"code":"`+code+`"}`).must(t)

	// 5. After the after-sales window the order completes and the commission becomes settleable.
	var settleable int64
	lcWait(t, "the commission settleable", 30*time.Second, func() (bool, string) {
		bal := s.call("GET", "/v1/leader/commission/balance", leader, nil).must(t)
		settleable = coInt(bal.body["settleableFen"])
		return settleable > 0, string(bal.raw)
	})
	if o := s.call("GET", "/v1/shop/orders/"+orderID, shopper, nil).must(t); o.str("status") != "completed" {
		t.Errorf("order after the after-sales window: %s", o.raw)
	}
	if want := coInt(order.body["amountFen"]) * rateBP / 10000; settleable != want {
		t.Errorf("settleable %d fen, want %d", settleable, want)
	}

	// 6. Finance settles: the commission reaches the leader's WeChat wallet.
	finance := consoleLogin(s, "finance", "finance-demo-password")
	run := s.call("POST", "/v1/finance/settlement/runs", finance, `{"idempotencyKey":"demo-run-1"}`).must(t)
	runID := fmt.Sprint(run.body["id"])
	lcWait(t, "the settlement run done", 30*time.Second, func() (bool, string) {
		r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
		return r.str("state") == "done", string(r.raw)
	})
	r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
	if sum, _ := r.body["summary"].(map[string]any); coInt(sum["shared"]) != 1 || coInt(sum["sharedFen"]) != settleable {
		t.Errorf("run summary: %s", r.raw)
	}
	if bal := s.call("GET", "/v1/leader/commission/balance", leader, nil).must(t); coInt(bal.body["settledFen"]) != settleable ||
		coInt(bal.body["settleableFen"]) != 0 {
		t.Errorf("leader's balance after the run: %s", bal.raw)
	}
	if w := simGet(t, sim+"/sim/v1/pay/profitsharing/totals"); coInt(w.body["totals"].(map[string]any)["demo-leader-1"]) != settleable {
		t.Errorf("the leader's WeChat wallet: %s, want %d fen", w.raw, settleable)
	}
}

// simGet GETs a JSON answer of the simulator's control API.
func simGet(t *testing.T, url string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return (&stack{t: t}).do(req).must(t)
}

// must fails the test unless the reply is 200, and returns it.
func (r reply) must(t *testing.T) reply {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("got %d: %s", r.status, r.raw)
	}
	return r
}

// first is the first element of the reply's list field.
func first(t *testing.T, r reply, field string) map[string]any {
	t.Helper()
	list, _ := r.body[field].([]any)
	if len(list) == 0 {
		t.Fatalf("no %s in %s", field, r.raw)
	}
	return list[0].(map[string]any)
}

// consoleLogin signs a console account in with its password and returns the access token.
func consoleLogin(s *stack, username, password string) string {
	s.t.Helper()
	return s.call("POST", "/v1/console/login", "", map[string]string{"username": username, "password": password}).
		must(s.t).str("accessToken")
}

// simText GETs a text/plain answer of the simulator's control API.
func simText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

// simPost POSTs a JSON body to the simulator's control API.
func simPost(t *testing.T, url string, body []byte) reply {
	t.Helper()
	s := &stack{t: t}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(req)
}
