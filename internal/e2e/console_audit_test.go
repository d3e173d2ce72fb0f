package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

const auditStartRunOp = "/groupbuy.v1.FinanceSettlement/StartSettlementRun"

// A finance user starts a settlement run on the console and two through the API (one refused);
// an admin, who starts nothing, finds exactly those in the audit log page by who, operation,
// outcome and date, and through the API. Ops and finance cannot open the page or the API.
func TestConsoleAuditLog(t *testing.T) {
	s := start(t)
	s.createAccount("mei.finance", "finance", "correct horse battery")
	s.createAccount("li.ops", "ops", "ops staple battery")
	s.createAccount("wang.admin", "admin", "admin staple battery")

	// A wrong password on the console's sign-in page is recorded with its reason.
	wrong := openTab(t, s.api, "wrong-password")
	wrong.visit("/console/login", "#username", "login")
	wrong.fill("#username", "li.ops")
	wrong.fill("#password", "not the password")
	wrong.expectStatus(http.StatusUnauthorized)
	wrong.submit("#login", "[data-testid=error]", "wrong-password")

	fin := openTab(t, s.api, "finance")
	fin.signIn("mei.finance", "correct horse battery")
	fin.visit("/console/finance/settlement/runs", "#start-run", "runs")
	fin.submit("#start-run", "[data-testid=started]", "run-started")
	api := s.call("POST", "/v1/console/login", "", map[string]string{"username": "mei.finance", "password": "correct horse battery"})
	expect(t, api, 200, "")
	finToken := api.str("accessToken")
	expect(t, s.call("POST", "/v1/finance/settlement/runs", finToken, map[string]any{"idempotencyKey": "audit-api-run"}), 200, "")
	expect(t, s.call("POST", "/v1/finance/settlement/runs", finToken, map[string]any{"idempotencyKey": "bad key!"}), 400, "INVALID_ARGUMENT")
	if n := s.count("settlement_runs"); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
	// Reads leave no entry: the finance user listed runs on both channels.
	expect(t, s.call("GET", "/v1/finance/settlement/runs", finToken, nil), 200, "")
	var reads int
	if err := s.db.QueryRow("SELECT count(*) FROM audit_entries WHERE operation LIKE '%ListSettlementRuns'").Scan(&reads); err != nil || reads != 0 {
		t.Errorf("%d entries for reads, %v", reads, err)
	}
	admin := openTab(t, s.api, "admin")
	admin.signIn("wang.admin", "admin staple battery")
	if menu := admin.text("[data-testid=menu]"); !strings.Contains(menu, "操作日志") {
		t.Errorf("admin's menu has no audit log: %q", menu)
	}
	admin.visit("/console/admin/audit", "#audit-who", "audit")
	admin.fill("#audit-who", "mei.finance")
	admin.fill("#audit-op", auditStartRunOp)
	admin.submit("#audit-search", "#audit-who[value='mei.finance']", "audit-by-who-and-op")
	rows := admin.count("tr[data-entry]")
	if rows != 3 {
		t.Fatalf("who=mei.finance op=StartSettlementRun: %d rows, want 3 (console, API, API refused):\n%s", rows, admin.text("body"))
	}
	table := admin.text("[data-testid=audit] tbody")
	for _, want := range []string{"控制台", "接口", "ok (303)", "ok (200)", "INVALID_ARGUMENT (400)", "127.0.0.0"} {
		if !strings.Contains(table, want) {
			t.Errorf("the entries lack %q:\n%s", want, table)
		}
	}

	today := time.Now().In(bjtime.Zone).Format(time.DateOnly)
	tomorrow := time.Now().In(bjtime.Zone).AddDate(0, 0, 1).Format(time.DateOnly)
	search := func(q url.Values, name string) int {
		admin.visit("/console/admin/audit?"+q.Encode(), "#audit-who", name)
		return admin.count("tr[data-entry]")
	}
	if n := search(url.Values{"who": {"mei.finance"}, "op": {auditStartRunOp}, "outcome": {"ok"}}, "audit-ok"); n != 2 {
		t.Errorf("outcome ok: %d rows, want 2", n)
	}
	if n := search(url.Values{"op": {auditStartRunOp}, "outcome": {"INVALID_ARGUMENT"}}, "audit-refused"); n != 1 {
		t.Errorf("outcome INVALID_ARGUMENT: %d rows, want 1", n)
	}
	if n := search(url.Values{"who": {"mei.finance"}, "op": {auditStartRunOp}, "from": {today}, "to": {today}}, "audit-today"); n != 3 {
		t.Errorf("today: %d rows, want 3", n)
	}
	if n := search(url.Values{"who": {"mei.finance"}, "from": {tomorrow}}, "audit-tomorrow"); n != 0 {
		t.Errorf("from tomorrow: %d rows, want 0", n)
	}
	// The sign-ins are there too, one per channel, and nothing the admin did but sign in.
	if n := search(url.Values{"who": {"mei.finance"}, "op": {"/groupbuy.v1.Console/ConsoleLogin"}}, "audit-logins"); n != 2 {
		t.Errorf("finance's sign-ins: %d rows, want 2", n)
	}
	if n := search(url.Values{"who": {"wang.admin"}}, "audit-admin"); n != 1 {
		t.Errorf("the admin's own entries: %d, want its sign-in only", n)
	}
	admin.expectStatus(http.StatusUnprocessableEntity)
	admin.visit("/console/admin/audit?from=yesterday", "[data-testid=error]", "audit-bad-date")

	// The same search through the API, for the admin alone.
	adminAPI := s.call("POST", "/v1/console/login", "", map[string]string{"username": "wang.admin", "password": "admin staple battery"})
	expect(t, adminAPI, 200, "")
	found := s.call("GET", "/v1/admin/audit?who=mei.finance&operation="+url.QueryEscape(auditStartRunOp)+"&outcome=ok", adminAPI.str("accessToken"), nil)
	expect(t, found, 200, "")
	if got, _ := found.body["entries"].([]any); len(got) != 2 {
		t.Errorf("API search: %s", found.raw)
	}
	expect(t, s.call("GET", "/v1/admin/audit", finToken, nil), 403, "FORBIDDEN")

	ops := openTab(t, s.api, "ops")
	ops.signIn("li.ops", "ops staple battery")
	if menu := ops.text("[data-testid=menu]"); strings.Contains(menu, "操作日志") {
		t.Errorf("ops' menu shows the audit log: %q", menu)
	}
	for name, tb := range map[string]*tab{"ops": ops, "finance": fin} {
		tb.expectStatus(http.StatusForbidden)
		tb.visit("/console/admin/audit", "[data-testid=error-heading]", name+"-audit-forbidden")
		if h := tb.text("[data-testid=error-heading]"); h != "无权访问" {
			t.Errorf("%s at the audit page: %q", name, h)
		}
		if tb.count("tr[data-entry]") != 0 {
			t.Errorf("%s sees entries", name)
		}
	}

	// Ops' failed and successful sign-ins and its sign-out are in the log, with their outcomes.
	ops.submit("[data-testid=logout]", "[data-testid=notice]", "ops-signed-out")
	if n := search(url.Values{"who": {"li.ops"}, "outcome": {"CREDENTIALS_INVALID"}}, "audit-wrong-password"); n != 1 ||
		!strings.Contains(admin.text("[data-testid=audit] tbody"), "控制台") {
		t.Errorf("the wrong password: %d rows, want 1 from the console", n)
	}
	if n := search(url.Values{"who": {"li.ops"}, "outcome": {"ok"}}, "audit-ops"); n != 2 ||
		!strings.Contains(admin.text("[data-testid=audit] tbody"), "/groupbuy.v1.Auth/Logout") {
		t.Errorf("ops' sign-in and sign-out: %d rows:\n%s", n, admin.text("body"))
	}

	// A console account's own session through the API is recorded, refresh and sign-out, with
	// who it was; a shopper's is not an action of the staff.
	second := s.call("POST", "/v1/console/login", "", map[string]string{"username": "mei.finance", "password": "correct horse battery"})
	expect(t, second, 200, "")
	refreshed := s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": second.str("refreshToken")})
	expect(t, refreshed, 200, "")
	expect(t, s.call("POST", "/v1/auth/logout", "", map[string]string{"refreshToken": refreshed.str("refreshToken")}), 200, "")
	shopper := s.login("audit-shopper")
	expect(t, s.call("POST", "/v1/auth/logout", "", map[string]string{"refreshToken": shopper.str("refreshToken")}), 200, "")
	var sessionOps, shopperOps int
	if err := s.db.QueryRow(`SELECT count(*) FILTER (WHERE username = 'mei.finance' AND role = 'finance' AND outcome = 'ok' AND channel = 'api'),
		count(*) FILTER (WHERE subject_kind <> 'console')
		FROM audit_entries WHERE operation IN ('/groupbuy.v1.Auth/Refresh', '/groupbuy.v1.Auth/Logout')`).Scan(&sessionOps, &shopperOps); err != nil ||
		sessionOps != 2 || shopperOps != 0 {
		t.Errorf("session entries: %d of the finance account (want 2), %d of others (want 0), %v", sessionOps, shopperOps, err)
	}
}
