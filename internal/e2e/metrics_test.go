package e2e

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// The operations figures over the API: ops read any key's days and the leader ranking; a leader
// reads its own figures only, whatever it asks; everyone else is refused; bad periods and keys
// are INVALID_ARGUMENT. The server's daily job has rolled yesterday up; the test then writes
// yesterday's rows as the rollup writes them.
func TestMetricsAPI(t *testing.T) {
	w := lcStart(t)
	mine, err := strconv.ParseInt(w.leaderID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	other := mine + 1000
	yesterday := bjtime.Day(time.Now().Add(-24 * time.Hour))
	// The server's daily jobs roll yesterday up at start; once done, its rows are replaced by
	// the test's.
	awaitDailyJob(t, w.db, "metrics-rollup", yesterday)
	if _, err := w.db.Exec(`DELETE FROM metric_days WHERE day = $1`, yesterday); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		level       string
		leader      int64
		paid, payer int64
	}{{"city", 0, 9000, 3}, {"leader", mine, 2000, 1}, {"leader", other, 7000, 2}} {
		if _, err := w.db.Exec(`INSERT INTO metric_days (day, level, leader_id, visitors, payers, orders, paid, computed_at)
			VALUES ($1, $2, $3, 10, $4, $4, $5, now())`, yesterday, r.level, r.leader, r.payer, r.paid); err != nil {
			t.Fatal(err)
		}
	}

	own := w.call("GET", "/v1/leader/metrics?days=7&leaderId="+strconv.FormatInt(other, 10), w.leaderTok, nil)
	expect(t, own, 200, "")
	if figure(t, own.body, "total", "paidFen") != 2000 || figure(t, own.body, "leaderId") != mine {
		t.Errorf("a leader's own figures: %s", own.raw)
	}
	if days, _ := own.body["days"].([]any); len(days) != 7 {
		t.Errorf("%d days, want 7", len(days))
	}
	if figure(t, own.body, "rates", "perOrderFen") != 2000 || figure(t, own.body, "funnel", "toPayersBp") != 1000 {
		t.Errorf("rates and funnel: %s", own.raw)
	}

	city := w.call("GET", "/v1/ops/metrics?level=city&days=30", w.ops(), nil)
	expect(t, city, 200, "")
	if figure(t, city.body, "total", "paidFen") != 9000 {
		t.Errorf("the city: %s", city.raw)
	}
	theirs := w.call("GET", "/v1/ops/metrics?level=leader&leaderId="+strconv.FormatInt(other, 10)+"&days=90", w.ops(), nil)
	expect(t, theirs, 200, "")
	if figure(t, theirs.body, "total", "paidFen") != 7000 {
		t.Errorf("another leader for ops: %s", theirs.raw)
	}
	rank := w.call("GET", "/v1/ops/metrics/leaders?days=7", w.ops(), nil)
	expect(t, rank, 200, "")
	if leaders, _ := rank.body["leaders"].([]any); len(leaders) != 2 ||
		figure(t, leaders[0].(map[string]any), "leaderId") != other || figure(t, leaders[1].(map[string]any), "leaderId") != mine {
		t.Errorf("ranking: %s", rank.raw)
	}

	for _, path := range []string{"/v1/ops/metrics?level=city&days=7", "/v1/ops/metrics/leaders?days=7"} {
		expect(t, w.call("GET", path, w.leaderTok, nil), 403, "FORBIDDEN")
		finance := w.token(identity.SubjectConsole, 1, time.Hour, identity.RoleFinance)
		expect(t, w.call("GET", path, finance, nil), 403, "FORBIDDEN")
	}
	shopper := w.shopper("o-e2e-metrics-shopper")
	expect(t, w.call("GET", "/v1/leader/metrics?days=7", shopper, nil), 403, "FORBIDDEN")
	expect(t, w.call("GET", "/v1/leader/metrics?days=7", "", nil), 401, "UNAUTHENTICATED")
	for _, path := range []string{"/v1/ops/metrics?level=city&days=8", "/v1/ops/metrics?level=town&days=7",
		"/v1/ops/metrics?level=grid&days=7", "/v1/ops/metrics?level=city&leaderId=3&days=7", "/v1/ops/metrics/leaders?days=7&limit=101"} {
		expect(t, w.call("GET", path, w.ops(), nil), 400, "INVALID_ARGUMENT")
	}
	expect(t, w.call("GET", "/v1/leader/metrics?days=1", w.leaderTok, nil), 400, "INVALID_ARGUMENT")

	// The console's page: ECharts draws the trend from the page's JSON (the tab fails on any
	// script error or CSP refusal), the totals and ranking are the rows', the CSV has a row a
	// day and the total.
	w.createAccount("lin.ops", "ops", "correct horse battery")
	tb := openTab(t, w.api, "metrics")
	tb.signIn("lin.ops", "correct horse battery")
	tb.visit("/console/ops/metrics?level=city&days=7", "[data-testid=metrics-totals]", "metrics")
	tb.do("wait for the chart", chromedp.WaitVisible(chromedp.CSS("#metrics-chart[data-ready=true] canvas")))
	if got := tb.text("[data-testid=metrics-totals] tr[data-figure=paid] td.num"); got != "90.00" {
		t.Errorf("the city paid %s, want 90.00", got)
	}
	if n := tb.count("[data-testid=metrics-ranking] tr[data-leader]"); n != 2 {
		t.Errorf("%d leaders ranked, want 2", n)
	}
	href, _ := tb.attr("#metrics-csv", "href")
	resp := consoleRequest(t, w.stack, "GET", href, tb.cookies(), nil, "")
	body, _ := io.ReadAll(resp.Body)
	lines := strings.Split(strings.TrimSpace(string(body)), "\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "\ufeff日期,") || len(lines) != 9 ||
		!strings.HasPrefix(lines[7], yesterday+",10,") || !strings.HasPrefix(lines[8], "合计,10,") {
		t.Errorf("the CSV: %d\n%s", resp.StatusCode, body)
	}
}
