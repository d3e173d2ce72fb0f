package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The money's whole way on PostgreSQL: three shoppers of leader A (recruited by B) place and
// pay orders, the batch arrives and is picked up, one order is partly refunded through
// after-sales, the after-sales window closes, and a settlement run pays the commission out
// through profit-sharing. Each leader's WeChat wallet at the simulator then holds exactly what
// the ledger says was settled to it, to the fen, and `groupbuy ledger check` passes.
func TestSettlementThroughTheBinary(t *testing.T) {
	const afterSales = 8 * time.Second
	s := startWith(t, options{payKeys: lcPayKeys(t), payConfig: func(c *wxsim.PayConfig) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
		c.RefundDelay = wxsim.Manual
	}, env: []string{"GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=" + afterSales.String()}})
	const openidA, openidB = "o-e2e-st-leader-a", "o-e2e-st-leader-b"
	cell := s.serveGrid(square, "人民广场")
	bTok, b := s.becomeLeader(openidB, offset(square, -300, 200), "")
	aTok, a := s.becomeLeader(openidA, offset(square, 100, 100), b.str("inviteCode"))
	if up, _ := a.body["upline"].([]any); len(up) != 1 || fmt.Sprint(up[0]) != fmt.Sprint(b.body["id"]) {
		t.Fatalf("leader A's upline = %v, want [%v]", a.body["upline"], b.body["id"])
	}
	// Level 1 (B, for A's orders) earns 500 bp; the items earn A 1000 bp. The prices are
	// multiples of 20 fen, so every commission is a whole number of fen.
	s.call("POST", "/v1/ops/commission/plans", s.ops(), map[string]any{"ratesBp": []int{500}}).must(t)
	finance := s.token(identity.SubjectConsole, 2, time.Hour, identity.RoleFinance)

	w := &lcWorld{stack: s, cell: cell, leaderTok: aTok, leaderID: fmt.Sprint(a.body["id"])}
	w.skus[0], w.skus[1] = s.coSKU("阳山水蜜桃"), s.coSKU("土鸡蛋")
	const window = 6 * time.Second
	batchID, items := w.batch("周日鲜果", time.Second, window, lcItem{0, 4000, 100}, lcItem{1, 1500, 100})
	prices := []int{4000, 1500}
	type placed struct{ tok, id, code string }
	var orders []placed
	var total int64
	for i, qty := range [][]int{{2, 1}, {1, 0}, {0, 3}} { // 9500, 4000 and 4500 fen
		tok := w.shopper(fmt.Sprintf("o-e2e-st-shopper-%04d", i+1))
		o := w.paid(tok, fmt.Sprintf("st-order-%d", i+1), batchID, items, prices, qty...)
		orders = append(orders, placed{tok, fmt.Sprint(o.body["id"]), o.str("pickupCode")})
		total += coInt(o.body["amountFen"])
	}
	if total != 18000 {
		t.Fatalf("paid %d fen, want 18000", total)
	}

	// Cut-off, dispatch, arrival, and every bag handed out.
	w.batchStatus(batchID, "closed", window+15*time.Second)
	s.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", s.ops(), "{}").must(t)
	if r := s.call("POST", "/v1/leader/batches/"+batchID+"/arrival", aTok, "{}").must(t); coInt(r.body["ordersReady"]) != 3 {
		t.Fatalf("arrival: %s", r.raw)
	}
	for _, o := range orders {
		s.call("POST", "/v1/leader/pickups", aTok, map[string]string{"code": o.code}).must(t)
	}

	// Within the after-sales window one peach of the first order is refunded: 4000 fen.
	first := w.order(orders[0].tok, orders[0].id)
	peach, _ := strconv.ParseInt(fmt.Sprint(lines(first)[0]["id"]), 10, 64)
	req := s.call("POST", "/v1/shop/orders/"+orders[0].id+"/after-sales", orders[0].tok, map[string]any{
		"lines": []map[string]any{{"lineId": peach, "quantity": 1}}, "reason": "一个压坏了"})
	expectOK(t, req)
	asID := fmt.Sprint(req.body["id"])
	expectOK(t, s.call("POST", "/v1/ops/after-sales/"+asID+"/review", s.ops(), map[string]any{"approve": true, "note": "同意"}))
	if err := s.sim.CompleteRefund("GBR" + orders[0].id + "-" + asID); err != nil {
		t.Fatal(err)
	}
	lcWait(t, "order "+orders[0].id+" refunded 4000", 15*time.Second, func() (bool, string) {
		got := w.order(orders[0].tok, orders[0].id)
		return coInt(got.body["refundedFen"]) == 4000, string(got.raw)
	})

	// After the window every order completes and the commission net of the refund is
	// settleable: A 10% and B 5% of 14000 fen.
	want := map[string]int64{openidA: 1400, openidB: 700}
	toks := map[string]string{openidA: aTok, openidB: bTok}
	for openid, tok := range toks {
		lcWait(t, openid+"'s commission settleable", afterSales+30*time.Second, func() (bool, string) {
			bal := s.call("GET", "/v1/leader/commission/balance", tok, nil).must(t)
			return coInt(bal.body["pendingFen"]) == 0 && coInt(bal.body["settleableFen"]) == want[openid], string(bal.raw)
		})
	}
	for _, o := range orders {
		if got := w.order(o.tok, o.id); got.str("status") != "completed" {
			t.Errorf("order after the after-sales window: %s", got.raw)
		}
	}

	// Finance settles.
	run := s.call("POST", "/v1/finance/settlement/runs", finance, `{"idempotencyKey":"st-run-1"}`).must(t)
	runID := fmt.Sprint(run.body["id"])
	lcWait(t, "the settlement run done", 30*time.Second, func() (bool, string) {
		r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
		return r.str("state") == "done", string(r.raw)
	})
	r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
	if sum, _ := r.body["summary"].(map[string]any); coInt(sum["sharedFen"]) != want[openidA]+want[openidB] {
		t.Errorf("run summary: %s, want %d fen shared", r.raw, want[openidA]+want[openidB])
	}

	// Each leader's wallet equals what the ledger settled to it, to the fen.
	wallets := simGet(t, s.simURL+"/sim/v1/pay/profitsharing/totals")
	totals, _ := wallets.body["totals"].(map[string]any)
	for openid, tok := range toks {
		bal := s.call("GET", "/v1/leader/commission/balance", tok, nil).must(t)
		settled := coInt(bal.body["settledFen"])
		fin := s.call("GET", "/v1/finance/leaders/"+fmt.Sprint(bal.body["leaderId"])+"/commission/balance", finance, nil).must(t)
		if settled != want[openid] || coInt(bal.body["settleableFen"]) != 0 || coInt(fin.body["settledFen"]) != settled {
			t.Errorf("%s's balance after the run: %s (finance: %s), want %d settled", openid, bal.raw, fin.raw, want[openid])
		}
		if got := coInt(totals[openid]); got != settled {
			t.Errorf("%s's WeChat wallet holds %d fen, the ledger settled %d (%s)", openid, got, settled, wallets.raw)
		}
	}

	// The full ledger check of the binary passes on the same database.
	out, err := s.command(nil, "ledger", "check").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ledger check OK") {
		t.Errorf("groupbuy ledger check: %v\n%s", err, out)
	}
}
