package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/report"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// cmEntry is one row of a commission entries reply.
type cmEntry struct {
	id, orderID, level, rateBP, amount int64
}

// cmEntries decodes a commission entries reply.
func cmEntries(t *testing.T, r reply) []cmEntry {
	t.Helper()
	expect(t, r, 200, "")
	var out []cmEntry
	es, _ := r.body["entries"].([]any)
	for _, e := range es {
		m := e.(map[string]any)
		out = append(out, cmEntry{id: coInt(m["id"]), orderID: coInt(m["orderId"]), level: coInt(m["level"]),
			rateBP: coInt(m["rateBp"]), amount: coInt(m["amountFen"])})
	}
	return out
}

// A shopper of leader A (recruited by B) pays through WeChat Pay: A earns its item rate at
// level 0, B the global plan's override at level 1, each sees only its own, and finance sees
// both with a balanced ledger.
func TestCommissionPaidOrderThroughTheBinary(t *testing.T) {
	s := startWith(t, options{payKeys: lcPayKeys(t), payConfig: func(c *wxsim.PayConfig) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
		c.RefundDelay = wxsim.Manual
	}})
	cell := s.serveGrid(square, "人民广场")
	bTok, b := s.becomeLeader("o-e2e-cm-leader-b", offset(square, -300, 200), "")
	bID := fmt.Sprint(b.body["id"])
	aTok, a := s.becomeLeader("o-e2e-cm-leader-a", offset(square, 100, 100), b.str("inviteCode"))
	aID := fmt.Sprint(a.body["id"])
	if up, _ := a.body["upline"].([]any); len(up) != 1 || fmt.Sprint(up[0]) != bID {
		t.Fatalf("leader A's upline = %v, want [%s]", a.body["upline"], bID)
	}
	finance := s.token(identity.SubjectConsole, 2, time.Hour, identity.RoleFinance)

	// Ops set the global plan: level 1 earns 500 bp. Plans beyond the limits are refused.
	plan := s.call("POST", "/v1/ops/commission/plans", s.ops(), map[string]any{"ratesBp": []int{500}})
	expect(t, plan, 200, "")
	if coInt(plan.body["version"]) != 1 || plan.str("gridCell") != "" {
		t.Fatalf("created plan: %s", plan.raw)
	}
	if plan.body["inForce"] != true { // effective now: in force
		t.Errorf("created global plan not in force: %s", plan.raw)
	}
	expect(t, s.call("POST", "/v1/ops/commission/plans", s.ops(), map[string]any{"ratesBp": []int{100, 100}}), 422, "PLAN_INVALID")
	expect(t, s.call("POST", "/v1/ops/commission/plans", aTok, map[string]any{"ratesBp": []int{100}}), 403, "FORBIDDEN")
	expect(t, s.call("POST", "/v1/ops/commission/plans", finance, map[string]any{"ratesBp": []int{100}}), 403, "FORBIDDEN")

	w := &lcWorld{stack: s, cell: cell, leaderTok: aTok, leaderID: aID}
	w.skus[0], w.skus[1] = s.coSKU("阳山水蜜桃"), s.coSKU("土鸡蛋")
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 100}) // items earn 1000 bp
	// With a batch of 1000 bp scheduled, an override of 2500 bp would exceed the 3000 bp cap.
	expect(t, s.call("POST", "/v1/ops/commission/plans", s.ops(), map[string]any{"ratesBp": []int{2500}}), 422, "PLAN_INVALID")
	plans := s.call("GET", "/v1/ops/commission/plans", s.ops(), nil)
	expect(t, plans, 200, "")
	if ps, _ := plans.body["plans"].([]any); len(ps) != 1 {
		t.Fatalf("refused plans were saved: %s", plans.raw)
	}

	shopper := w.shopper("o-e2e-cm-shopper-0001")
	o := w.paid(shopper, "cm-order-1", batchID, items, []int{3990}, 3)
	orderID := coInt(o.body["id"])
	amount := coInt(o.body["amountFen"])
	if amount != 11970 {
		t.Fatalf("paid order: %s", o.raw)
	}
	wantA, wantB := amount*1000/10000, amount*500/10000 // 1197 and floor(598.5) = 598

	// The outbox credits the payment shortly after.
	var balA reply
	lcWait(t, "A's pending commission", 10*time.Second, func() (bool, string) {
		balA = s.call("GET", "/v1/leader/commission/balance", aTok, nil)
		expect(t, balA, 200, "")
		return coInt(balA.body["pendingFen"]) == wantA, string(balA.raw)
	})
	if fmt.Sprint(coInt(balA.body["leaderId"])) != aID || coInt(balA.body["settleableFen"]) != 0 {
		t.Errorf("A's balance: %s", balA.raw)
	}
	balB := s.call("GET", "/v1/leader/commission/balance", bTok, nil)
	expect(t, balB, 200, "")
	if fmt.Sprint(coInt(balB.body["leaderId"])) != bID || coInt(balB.body["pendingFen"]) != wantB {
		t.Errorf("B's balance: %s, want %d pending", balB.raw, wantB)
	}

	// Each leader lists its own entries: A level 0 at the item's rate, B level 1 at the plan's.
	mineA := cmEntries(t, s.call("GET", "/v1/leader/commission/entries", aTok, nil))
	mineB := cmEntries(t, s.call("GET", "/v1/leader/commission/entries", bTok, nil))
	if len(mineA) != 1 || mineA[0] != (cmEntry{id: mineA[0].id, orderID: orderID, level: 0, rateBP: 1000, amount: wantA}) {
		t.Errorf("A's entries: %+v", mineA)
	}
	if len(mineB) != 1 || mineB[0] != (cmEntry{id: mineB[0].id, orderID: orderID, level: 1, rateBP: 500, amount: wantB}) {
		t.Errorf("B's entries: %+v", mineB)
	}
	// There is no leader id to pass: a query parameter naming B changes nothing for A.
	for _, q := range []string{"?leader_id=" + bID, "?leaderId=" + bID} {
		r := s.call("GET", "/v1/leader/commission/entries"+q, aTok, nil)
		if r.status == 200 {
			for _, e := range cmEntries(t, r) {
				if e.level != 0 || (len(mineB) > 0 && e.id == mineB[0].id) {
					t.Errorf("A sees B's entry through %s: %+v", q, e)
				}
			}
		}
		r = s.call("GET", "/v1/leader/commission/balance"+q, aTok, nil)
		if r.status == 200 && (fmt.Sprint(coInt(r.body["leaderId"])) != aID || coInt(r.body["pendingFen"]) != wantA) {
			t.Errorf("A's balance through %s: %s", q, r.raw)
		}
	}
	// The finance routes, which take a leader id, refuse leaders and shoppers.
	for _, tok := range []string{aTok, bTok, shopper} {
		expect(t, s.call("GET", "/v1/finance/leaders/"+bID+"/commission/balance", tok, nil), 403, "FORBIDDEN")
		expect(t, s.call("GET", "/v1/finance/leaders/"+bID+"/commission/entries", tok, nil), 403, "FORBIDDEN")
		expect(t, s.call("POST", "/v1/finance/ledger/check", tok, "{}"), 403, "FORBIDDEN")
	}
	// The leader routes refuse a shopper, and a leader token without a leader record.
	expect(t, s.call("GET", "/v1/leader/commission/balance", shopper, nil), 403, "FORBIDDEN")
	ghost := s.token(identity.SubjectUser, 987654, time.Hour, identity.RoleShopper, identity.RoleLeader)
	expect(t, s.call("GET", "/v1/leader/commission/balance", ghost, nil), 403, "NOT_A_LEADER")

	// Finance sees both leaders, and a ledger that balances.
	for id, want := range map[string]int64{aID: wantA, bID: wantB} {
		r := s.call("GET", "/v1/finance/leaders/"+id+"/commission/balance", finance, nil)
		expect(t, r, 200, "")
		if fmt.Sprint(coInt(r.body["leaderId"])) != id || coInt(r.body["pendingFen"]) != want {
			t.Errorf("finance: leader %s balance %s, want %d pending", id, r.raw, want)
		}
	}
	if es := cmEntries(t, s.call("GET", "/v1/finance/leaders/"+bID+"/commission/entries", finance, nil)); len(es) != 1 || es[0].level != 1 {
		t.Errorf("finance: B's entries %+v", es)
	}
	if r := s.call("GET", "/v1/finance/leaders/999999/commission/balance", finance, nil); r.status != 404 {
		t.Errorf("finance: balance of no leader: %d %s", r.status, r.raw)
	}
	check := s.call("POST", "/v1/finance/ledger/check", finance, "{}")
	expect(t, check, 200, "")
	if check.body["ok"] != true || coInt(check.body["trialBalanceFen"]) != 0 || coInt(check.body["transactions"]) < 1 ||
		coInt(check.body["postings"]) < 3 {
		t.Errorf("ledger check: %s", check.raw)
	}
	trial := s.call("GET", "/v1/finance/ledger/trial-balance", finance, nil)
	expect(t, trial, 200, "")
	if coInt(trial.body["totalFen"]) != 0 {
		t.Errorf("trial balance: %s", trial.raw)
	}

	// The CSV reports: this month as a period says in yuan what the JSON statement says in fen.
	now := time.Now().In(bjtime.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	from, to := first.Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly)
	csvPath := "/v1/finance/reports/leaders/" + aID + "/statement.csv?from=" + from + "&to=" + to
	stmt := s.call("GET", "/v1/finance/leaders/"+aID+"/commission/statements/"+first.Format("2006-01"), finance, nil)
	expect(t, stmt, 200, "")
	rec := s.call("GET", csvPath, finance, nil)
	recs := cmCSV(t, rec, "leader-"+aID+"-statement-"+from+"-"+to+".csv")
	if len(recs) != 2 {
		t.Fatalf("statement CSV: %q", recs)
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	levels := map[int64]int64{}
	for _, l := range stmt.body["earnedByLevel"].([]any) {
		m := l.(map[string]any)
		levels[coInt(m["level"])] = coInt(m["amountFen"])
	}
	for h, fen := range map[string]int64{"期初余额(元)": coInt(stmt.body["openingFen"]), "本期佣金-0级(元)": levels[0],
		"本期佣金-1级(元)": levels[1], "本期佣金合计(元)": coInt(stmt.body["earnedFen"]), "冲回(元)": coInt(stmt.body["reversedFen"]),
		"已结算(元)": coInt(stmt.body["settledFen"]), "欠款(元)": coInt(stmt.body["owedFen"]),
		"期末余额(元)": coInt(stmt.body["closingFen"])} {
		if col[h] != report.Yuan(fen) {
			t.Errorf("statement CSV %s = %q, JSON says %d fen (%s)", h, col[h], fen, stmt.raw)
		}
	}
	// The promotions on A's orders: none took anything off, so the goods are what was paid.
	disc, _ := stmt.body["discounts"].(map[string]any)
	for h, key := range map[string]string{"商品原价(元)": "goodsFen", "满减(元)": "promoOffFen", "优惠券(元)": "couponOffFen",
		"实付(元)": "paidFen", "团长佣金承担(元)": "leaderFundedFen", "平台承担(元)": "platformFundedFen", "满赠赠品(元)": "giftsFen"} {
		if col[h] != report.Yuan(coInt(disc[key])) {
			t.Errorf("statement CSV %s = %q, JSON says %v fen (%s)", h, col[h], disc[key], stmt.raw)
		}
	}
	if paid := coInt(disc["paidFen"]); paid <= 0 || coInt(disc["goodsFen"]) != paid || coInt(disc["promoOffFen"])+coInt(disc["couponOffFen"]) != 0 ||
		col["服务订单数"] != strconv.FormatInt(coInt(disc["orders"]), 10) || coInt(disc["orders"]) < 1 {
		t.Errorf("statement discounts %v, CSV orders %q: want A's paid orders without promotions", disc, col["服务订单数"])
	}
	if col["本期佣金-0级(元)"] != report.Yuan(wantA) || col["团长ID"] != aID {
		t.Errorf("statement CSV row %q, want %s earned at level 0", recs[1], report.Yuan(wantA))
	}
	tb := cmCSV(t, s.call("GET", "/v1/finance/reports/trial-balance.csv", s.token(identity.SubjectConsole, 3, time.Hour, identity.RoleAdmin), nil), "")
	if last := tb[len(tb)-1]; len(tb) < 4 || last[0] != report.TotalLabel || last[4] != "0.00" {
		t.Errorf("trial balance CSV: %q", tb)
	}
	// Finance and admin only; bad periods are the caller's error.
	for _, p := range []string{csvPath, "/v1/finance/reports/trial-balance.csv"} {
		expect(t, s.call("GET", p, aTok, nil), 403, "FORBIDDEN")
		expect(t, s.call("GET", p, shopper, nil), 403, "FORBIDDEN")
		expect(t, s.call("GET", p, s.ops(), nil), 403, "FORBIDDEN")
		expect(t, s.call("GET", p, "", nil), 401, "UNAUTHENTICATED")
	}
	for _, q := range []string{"from=" + to + "&to=" + from, "from=" + from + "&to=" + from, "from=2025-01-01&to=2026-01-03",
		"from=" + from, "from=2026-13-01&to=2027-01-01", "from=tomorrow&to=" + to} {
		expect(t, s.call("GET", "/v1/finance/reports/leaders/"+aID+"/statement.csv?"+q, finance, nil), 400, "INVALID_ARGUMENT")
	}
	if r := s.call("GET", "/v1/finance/reports/leaders/999999/statement.csv?from="+from+"&to="+to, finance, nil); r.status != 404 {
		t.Errorf("statement CSV of no leader: %d %s", r.status, r.raw)
	}
}

// cmCSV checks a CSV report's headers (an attachment, named name unless empty) and its BOM, and
// reads it.
func cmCSV(t *testing.T, r reply, name string) [][]string {
	t.Helper()
	expect(t, r, 200, "")
	if ct := r.header.Get("Content-Type"); ct != report.ContentType {
		t.Errorf("Content-Type %q", ct)
	}
	cd := r.header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment; filename=") || (name != "" && cd != `attachment; filename="`+name+`"`) {
		t.Errorf("Content-Disposition %q, want an attachment named %q", cd, name)
	}
	if !bytes.HasPrefix(r.raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: %q", r.raw)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV %q: %v", r.raw, err)
	}
	return recs
}
