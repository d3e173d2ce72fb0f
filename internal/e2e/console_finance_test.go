package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// finishedRun pays one order of a leader, lets its after-sales window close, settles it through
// the API and waits for the run to finish. It returns the run's id, the leader's id and the
// commission the leader is owed (10% of 4000 fen).
func finishedRun(t *testing.T) (s *stack, runID, leaderID string, owed int64) {
	const afterSales = 5 * time.Second
	s = startWith(t, options{payKeys: lcPayKeys(t), payConfig: func(c *wxsim.PayConfig) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
		c.RefundDelay = wxsim.Manual
	}, env: []string{"GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=" + afterSales.String()}})
	cell := s.serveGrid(square, "人民广场")
	aTok, a := s.becomeLeader("o-e2e-cf-leader", offset(square, 100, 100), "")
	w := &lcWorld{stack: s, cell: cell, leaderTok: aTok, leaderID: fmt.Sprint(a.body["id"])}
	w.skus[0], w.skus[1] = s.coSKU("阳山水蜜桃"), s.coSKU("土鸡蛋")
	const window = 4 * time.Second
	batchID, items := w.batch("周一鲜果", time.Second, window, lcItem{0, 4000, 100})
	o := w.paid(w.shopper("o-e2e-cf-shopper"), "cf-order-1", batchID, items, []int{4000}, 1)
	w.batchStatus(batchID, "closed", window+15*time.Second)
	s.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", s.ops(), "{}").must(t)
	s.call("POST", "/v1/leader/batches/"+batchID+"/arrival", aTok, "{}").must(t)
	s.call("POST", "/v1/leader/pickups", aTok, map[string]string{"code": o.str("pickupCode")}).must(t)
	owed = 400
	lcWait(t, "the leader's commission settleable", afterSales+30*time.Second, func() (bool, string) {
		bal := s.call("GET", "/v1/leader/commission/balance", aTok, nil).must(t)
		return coInt(bal.body["settleableFen"]) == owed, string(bal.raw)
	})
	finance := s.token(identity.SubjectConsole, 2, time.Hour, identity.RoleFinance)
	run := s.call("POST", "/v1/finance/settlement/runs", finance, `{"idempotencyKey":"cf-run-1"}`).must(t)
	runID = fmt.Sprint(run.body["id"])
	lcWait(t, "the settlement run done", 30*time.Second, func() (bool, string) {
		r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
		return r.str("state") == "done", string(r.raw)
	})
	return s, runID, w.leaderID, owed
}

// Finance opens a finished run from the list, reads its summary and items (all, then the
// finished ones), downloads its CSV, whose shares add up to what the run and the ledger say
// was settled, looks at the at-risk list, and reconciles a day.
func TestConsoleFinanceRunDetailAndReconciliation(t *testing.T) {
	s, runID, leaderID, owed := finishedRun(t)
	s.createAccount("mei.finance", "finance", "correct horse battery")
	tb := openTab(t, s.api, "finance")
	tb.signIn("mei.finance", "correct horse battery")

	tb.visit("/console/finance/settlement/runs", "[data-testid=run-link]", "runs")
	tb.submit("[data-testid=run-link]", "[data-testid=run-summary]", "run")
	if loc := tb.location(); loc != "/console/finance/settlement/runs/"+runID {
		t.Errorf("the run's link opened %s", loc)
	}
	if st := tb.text("[data-testid=run-state]"); st != "已完成" {
		t.Errorf("run state %q", st)
	}
	if amt := tb.text("[data-testid=run-shared-amount]"); amt != yuanOf(owed) {
		t.Errorf("the page says %s shared, want %s", amt, yuanOf(owed))
	}
	if n := tb.count("tr[data-item]"); n != 1 || tb.text("[data-testid=run-items]") != "1" {
		t.Errorf("the run shows %d items (summary %s), want 1", n, tb.text("[data-testid=run-items]"))
	}
	if tb.count("#retry-run") != 0 {
		t.Error("a run without failures offers a retry")
	}
	tb.submit("[data-testid=item-filters] a[data-state=finished]", "a[data-state=finished].active", "run-finished-items")
	if n, all := tb.count("tr[data-item][data-state=finished]"), tb.count("tr[data-item]"); n != 1 || all != 1 {
		t.Errorf("the finished filter shows %d finished of %d items", n, all)
	}
	tb.submit("[data-testid=item-filters] a[data-state=failed]", "[data-testid=run-items-empty]", "run-failed-items")

	// The CSV, fetched with the tab's session as the link would be.
	r := consoleRequest(t, s, "GET", "/console/finance/settlement/runs/"+runID+"/csv", tb.cookies(), nil, "")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="settlement-run-`+runID+`.csv"` {
		t.Fatalf("run CSV: %d %q", r.StatusCode, r.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("run CSV: %v\n%s", err, body)
	}
	var shared int64
	for _, row := range rows[2:] {
		if row[10] == "success" && row[6] == leaderID {
			shared += fenOf(t, row[9])
		}
	}
	finance := s.token(identity.SubjectConsole, 2, time.Hour, identity.RoleFinance)
	bal := s.call("GET", "/v1/finance/leaders/"+leaderID+"/commission/balance", finance, nil).must(t)
	if shared != owed || coInt(bal.body["settledFen"]) != shared || fenOf(t, rows[1][9]) != shared || rows[1][1] != "合计" {
		t.Errorf("the CSV's shares add up to %d fen (summary row %v); the ledger settled %d; want %d",
			shared, rows[1], coInt(bal.body["settledFen"]), owed)
	}

	tb.visit("/console/finance/settlement/at-risk", "h1", "at-risk")

	// The leader's statement of this month so far: what the run settled, from the ledger, and
	// the same figures in its CSV.
	tb.visit("/console/finance/ledger/statement", "#leader", "statement-form")
	tb.fill("#leader", leaderID)
	tb.submit("#show-statement", "[data-testid=statement]", "statement")
	if got := tb.text("[data-testid=settled]"); got != yuanOf(owed) {
		t.Errorf("the statement settled %s, want %s", got, yuanOf(owed))
	}
	csvLink, ok := tb.attr("[data-testid=statement-csv]", "href")
	if !ok {
		t.Fatal("no statement CSV link")
	}
	sr := consoleRequest(t, s, "GET", csvLink, tb.cookies(), nil, "")
	sbody, _ := io.ReadAll(sr.Body)
	srows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(sbody), "\ufeff"))).ReadAll()
	if sr.StatusCode != http.StatusOK || !strings.HasPrefix(sr.Header.Get("Content-Disposition"), "attachment; filename=\"leader-"+leaderID+"-statement-") ||
		err != nil || len(srows) != 2 {
		t.Fatalf("statement CSV: %d %q %v\n%s", sr.StatusCode, sr.Header.Get("Content-Disposition"), err, sbody)
	}
	if settled := srows[1][slices.Index(srows[0], "已结算(元)")]; fenOf(t, settled) != owed {
		t.Errorf("the statement CSV settled %s, want %s", settled, yuanOf(owed))
	}

	// The chart of commission settled per day and level: ECharts draws it from the console's
	// JSON (the tab fails on any script error or CSP refusal), and today's level 0 holds what
	// the run paid.
	tb.visit("/console/finance/commission/settled", "[data-testid=settled-totals]", "settled-form")
	tb.do("wait for the chart", chromedp.WaitVisible(chromedp.CSS("#settled-chart[data-ready=true] canvas")))
	tb.shot("settled-chart")
	if got := tb.text("[data-testid=settled-totals] tr[data-level='0'] td.num"); got != yuanOf(owed) {
		t.Errorf("the chart's level 0 total is %s, want %s", got, yuanOf(owed))
	}
	src, _ := tb.attr("#settled-chart", "data-src")
	jr := consoleRequest(t, s, "GET", src, tb.cookies(), nil, "")
	var series struct {
		Days   []string  `json:"days"`
		Levels []int     `json:"levels"`
		Fen    [][]int64 `json:"fen"`
	}
	if err := json.NewDecoder(jr.Body).Decode(&series); err != nil || len(series.Days) != 30 || len(series.Levels) != 1 {
		t.Fatalf("chart JSON: %d %v %+v", jr.StatusCode, err, series)
	}
	if day := time.Now().In(bjtime.Zone).Format(time.DateOnly); series.Days[29] != day || series.Fen[0][29] != owed {
		t.Errorf("chart JSON: last day %s holds %d fen, want %s %d", series.Days[29], series.Fen[0][29], day, owed)
	}

	// The leader's receiver registration is done: listed without a retry, and a retry posted
	// anyway is refused (409) and changes nothing.
	tb.visit("/console/receivers?leader="+leaderID, "[data-testid=registrations]", "receivers")
	if n, retry := tb.count("tr[data-reg][data-state=done]"), tb.count("[data-testid=retry-reg]"); n != 1 || retry != 0 {
		t.Errorf("the leader's registrations: %d done, %d retry buttons", n, retry)
	}
	regID, _ := tb.attr("tr[data-reg]", "data-reg")
	cookie := tb.cookies()
	rr := consoleRequest(t, s, "POST", "/console/receivers/"+regID+"/retry", cookie, url.Values{"_csrf": {csrfToken(t, s, cookie)}}, "")
	if rbody, _ := io.ReadAll(rr.Body); rr.StatusCode != http.StatusConflict || !strings.Contains(string(rbody), "只有失败的登记可以重试") {
		t.Errorf("retrying a done registration: %d\n%s", rr.StatusCode, rbody)
	}

	// Finance reads the commission plans but may not create one.
	tb.visit("/console/commission/plans", "h1", "plans-finance")
	if tb.count("#create-plan") != 0 {
		t.Error("finance is offered the plan form")
	}

	// Reconciliation: the picker opens on yesterday; a future day is refused on the field;
	// today's bills are not out yet (the page says so, as the API's BILL_NOT_READY); a day and
	// a half later at WeChat they are, and today's report matches the payment and the share.
	tb.visit("/console/finance/reconciliation", "#day", "reconciliation")
	today := time.Now().In(bjtime.Zone)
	tb.expectStatus(http.StatusUnprocessableEntity)
	tb.visit("/console/finance/reconciliation?day="+today.AddDate(0, 0, 2).Format(time.DateOnly), "[data-testid=error]", "reconciliation-future")
	day := today.Format(time.DateOnly)
	tb.setValue("#day", day)
	tb.expectStatus(http.StatusConflict)
	tb.submit("#reconcile", "[data-testid=recon-not-ready]", "reconciliation-not-ready")
	simPost(t, s.simURL+"/sim/v1/clock/advance", []byte(`{"seconds":129600}`)).must(t)
	tb.submit("#reconcile", "[data-testid=recon-report]", "reconciliation-today")
	if matched, _ := strconv.Atoi(tb.text("[data-testid=recon-matched]")); matched < 2 {
		t.Errorf("today's report matched %d bill lines, want the payment and the share at least", matched)
	}
	if n := tb.count("[data-testid=advice]:empty"); n != 0 {
		t.Errorf("%d lines of today's report have no advice", n)
	}
	rc := consoleRequest(t, s, "GET", "/console/finance/reconciliation/csv?day="+day, tb.cookies(), nil, "")
	if rc.StatusCode != http.StatusOK || rc.Header.Get("Content-Disposition") != `attachment; filename="reconciliation-`+day+`.csv"` {
		t.Errorf("reconciliation CSV: %d %q", rc.StatusCode, rc.Header.Get("Content-Disposition"))
	}
}

// yuanOf is fen as the console shows it.
func yuanOf(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// fenOf reads a CSV amount in yuan ("4.00") as fen.
func fenOf(t *testing.T, yuan string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(yuan, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 2 {
		t.Fatalf("amount %q is not yuan with two decimals", yuan)
	}
	return w*100 + f
}

// Admin creates a commission plan: rates over the cap are refused on the rates field and
// nothing is saved; rates within it are saved and shown in force.
func TestConsolePlans(t *testing.T) {
	s := start(t)
	s.createAccount("wang.admin", "admin", "admin staple battery")
	tb := openTab(t, s.api, "admin")
	tb.signIn("wang.admin", "admin staple battery")
	tb.visit("/console/commission/plans", "[data-testid=plans-empty]", "plans-empty")
	tb.fill("#rates", "3100")
	tb.expectStatus(http.StatusUnprocessableEntity)
	tb.submit("#create-plan", "[data-testid=error]", "plans-over-cap")
	if msg, field := tb.text("[data-testid=error]"), tb.count("#rates[aria-invalid=true]"); !strings.Contains(msg, "超出佣金上限") || field != 1 {
		t.Errorf("over the cap: %q, rates marked %d", msg, field)
	}
	if n := s.count("commission_plans"); n != 0 {
		t.Fatalf("a refused plan saved %d rows", n)
	}
	tb.fill("#rates", "500")
	tb.submit("#create-plan", "[data-testid=created]", "plans-created")
	if n := tb.count("tr[data-plan] [data-testid=in-force]"); n != 1 || s.count("commission_plans") != 1 {
		t.Errorf("after saving: %d in force, %d rows", n, s.count("commission_plans"))
	}
}

// attr is the attribute name of sel, and whether it has it.
func (tb *tab) attr(sel, name string) (string, bool) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		tb.t.Fatalf("read %s %s: %v", sel, name, err)
	}
	return a.Value, a.Exists
}
