package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// createAccount adds a console account with the program's own command.
func (s *stack) createAccount(username, role, password string) {
	s.t.Helper()
	out, err := s.command([]string{"GROUPBUY_ACCOUNT_PASSWORD=" + password},
		"account", "create", "-username", username, "-role", role).CombinedOutput()
	if err != nil {
		s.t.Fatalf("account create %s: %v\n%s", username, err, out)
	}
}

// signIn signs in on the console's sign-in page and waits for the signed-in frame.
func (tb *tab) signIn(username, password string) {
	tb.t.Helper()
	tb.visit("/console/login", "#username", "login")
	tb.fill("#username", username)
	tb.fill("#password", password)
	tb.submit("#login", "[data-testid=who]", "home")
}

// Finance signs in, reads the trial balance of a ledger that a paid order wrote to, runs the
// ledger check in place (htmx), starts a settlement run with a cut-off, and signs out.
func TestConsoleFinanceLedgerAndSettlementRun(t *testing.T) {
	w := lcStart(t)
	s := w.stack
	batchID, items := w.batch("周五鲜果", time.Second, 2*time.Hour, lcItem{0, 3990, 100})
	w.paid(w.shopper("o-e2e-console-shopper"), "console-order-1", batchID, items, []int{3990}, 2)
	lcWait(t, "the order's commission in the ledger", 15*time.Second, func() (bool, string) {
		n := s.count("ledger_transactions")
		return n > 0, fmt.Sprint(n, " ledger transactions")
	})
	s.createAccount("mei.finance", "finance", "correct horse battery")

	tb := openTab(t, s.api, "finance")
	tb.signIn("mei.finance", "correct horse battery")
	if who := tb.text("[data-testid=who]"); who != "mei.finance（财务）" {
		t.Errorf("signed in as %q", who)
	}
	if menu := tb.text("[data-testid=menu]"); !strings.Contains(menu, "总账") || !strings.Contains(menu, "结算批次") {
		t.Errorf("finance's menu: %q", menu)
	}

	tb.visit("/console/finance/ledger", "[data-testid=trial-balance]", "ledger")
	if total := tb.text("[data-testid=total]"); total != "0.00" {
		t.Errorf("trial balance total %q, want 0.00", total)
	}
	if rows := tb.text("[data-testid=trial-balance] tbody"); !strings.Contains(rows, "售后期内佣金") {
		t.Errorf("trial balance has no pending commission row:\n%s", rows)
	}
	tb.submit("#run-check", "[data-testid=check-ok]", "ledger-checked")
	if got, want := tb.text("[data-testid=check-transactions]"), strconv.Itoa(s.count("ledger_transactions")); got != want {
		t.Errorf("the check counted %s transactions, the database holds %s", got, want)
	}
	if loc := tb.location(); loc != "/console/finance/ledger" { // htmx swapped the report in
		t.Errorf("after the check the page is %s", loc)
	}

	tb.visit("/console/finance/settlement/runs", "[data-testid=runs-empty]", "runs-empty")
	tb.expectStatus(http.StatusUnprocessableEntity)
	tb.setValue("#cutoff", "2099-01-01T00:00:00")
	tb.submit("#start-run", "[data-testid=error]", "runs-future-cutoff")
	if n := s.count("settlement_runs"); n != 0 {
		t.Fatalf("a refused cut-off started %d runs", n)
	}
	cutoff := time.Now().Add(-time.Minute).In(bjtime.Zone).Truncate(time.Second)
	tb.setValue("#cutoff", cutoff.Format("2006-01-02T15:04:05"))
	tb.submit("#start-run", "[data-testid=started]", "runs-started")
	var id int64
	var saved time.Time
	var trigger string
	if err := s.db.QueryRow("SELECT id, cutoff, trigger FROM settlement_runs").Scan(&id, &saved, &trigger); err != nil {
		t.Fatalf("the started run: %v", err)
	}
	if !saved.Equal(cutoff) || trigger != "finance" {
		t.Errorf("run %d: cut-off %v trigger %s, want %v finance", id, saved, trigger, cutoff)
	}
	if row := tb.text(fmt.Sprintf("tr[data-run='%d']", id)); !strings.Contains(row, "财务手动") ||
		!strings.Contains(row, cutoff.Format(time.DateTime)) {
		t.Errorf("run %d's row: %q", id, row)
	}

	// The run finishes (nothing is settleable yet: the commission is in its after-sales window)
	// and the page, which polls while a run runs, shows it without a reload.
	lcWait(t, "the run's state on the page", 20*time.Second, func() (bool, string) {
		row := tb.text(fmt.Sprintf("tr[data-run='%d']", id))
		return strings.Contains(row, "已完成"), row
	})
	tb.shot("runs-done")
	if loc := tb.location(); !strings.HasPrefix(loc, "/console/finance/settlement/runs?started=") {
		t.Errorf("the page moved to %s while it refreshed", loc)
	}

	// Twenty more runs through the API: the list shows twenty a page, newest first, and the
	// next page (keyset: before the last id shown) holds the first run.
	api := s.call("POST", "/v1/console/login", "", map[string]string{"username": "mei.finance", "password": "correct horse battery"})
	expect(t, api, 200, "")
	for i := range 20 {
		r := s.call("POST", "/v1/finance/settlement/runs", api.str("accessToken"), map[string]any{
			"idempotencyKey": fmt.Sprintf("console-page-%02d", i),
			"cutoff":         cutoff.Add(time.Duration(i+1) * time.Second).UTC().Format(time.RFC3339)})
		expect(t, r, 200, "")
	}
	tb.visit("/console/finance/settlement/runs", "[data-testid=next-page]", "runs-page-1")
	if n := tb.count("tr[data-run]"); n != 20 || tb.count(fmt.Sprintf("tr[data-run='%d']", id)) != 0 {
		t.Errorf("the first page shows %d runs (the first run among them: %v)", n, tb.count(fmt.Sprintf("tr[data-run='%d']", id)) != 0)
	}
	tb.submit("[data-testid=next-page]", fmt.Sprintf("tr[data-run='%d']", id), "runs-page-2")
	if n := tb.count("tr[data-run]"); n != 1 || tb.count("[data-testid=next-page]") != 0 {
		t.Errorf("the second page shows %d runs and a next page: %v", n, tb.count("[data-testid=next-page]") != 0)
	}

	tb.submit("[data-testid=logout]", "[data-testid=notice]", "signed-out")
	tb.visit("/console/finance/ledger", "#username", "after-sign-out")
	if loc := tb.location(); loc != "/console/login" {
		t.Errorf("a signed-out page opened %s", loc)
	}
}

// Roles and refusals: ops see no finance page, in the menu or by address; a form without the
// session's CSRF token changes nothing; a locked account cannot sign in; a shopper's or leader's
// token, or a console API token, opens no page; pages carry their security headers.
func TestConsoleRolesAndRefusals(t *testing.T) {
	s := start(t)
	s.createAccount("li.ops", "ops", "ops staple battery")
	s.createAccount("mei.finance", "finance", "correct horse battery")
	s.createAccount("zhao.finance", "finance", "locked horse battery")
	s.createAccount("wang.admin", "admin", "admin staple battery")

	ops := openTab(t, s.api, "ops")
	ops.signIn("li.ops", "ops staple battery")
	if menu := ops.text("[data-testid=menu]"); strings.Contains(menu, "总账") || strings.Contains(menu, "结算批次") {
		t.Errorf("ops' menu shows finance pages: %q", menu)
	}
	for i, path := range []string{"/console/finance/ledger", "/console/finance/settlement/runs"} {
		ops.expectStatus(http.StatusForbidden)
		ops.visit(path, "[data-testid=error-heading]", "ops-forbidden-"+strconv.Itoa(i))
		if h := ops.text("[data-testid=error-heading]"); h != "无权访问" {
			t.Errorf("ops at %s: %q", path, h)
		}
	}

	fin := openTab(t, s.api, "finance")
	fin.signIn("mei.finance", "correct horse battery")
	finCookie, opsCookie := fin.cookies(), ops.cookies()
	finToken := csrfToken(t, s, finCookie)
	opsToken := csrfToken(t, s, opsCookie)
	start := func(cookie, token string) *http.Response {
		form := url.Values{"key": {"abcdefghijklmnopqrstuv"}, "cutoff": {""}}
		if token != "" {
			form.Set("_csrf", token)
		}
		return consoleRequest(t, s, "POST", "/console/finance/settlement/runs", cookie, form, "")
	}
	for name, token := range map[string]string{"no token": "", "another session's token": opsToken, "a forged token": forge(finToken)} {
		if r := start(finCookie, token); r.StatusCode != http.StatusForbidden {
			t.Errorf("start a run with %s: %d, want 403", name, r.StatusCode)
		}
	}
	if n := s.count("settlement_runs"); n != 0 {
		t.Fatalf("refused forms started %d runs", n)
	}
	if r := start(finCookie, finToken); r.StatusCode != http.StatusSeeOther || s.count("settlement_runs") != 1 {
		t.Fatalf("start a run with the session's token: %d, %d runs", r.StatusCode, s.count("settlement_runs"))
	}

	// Admin reads the finance pages but, as in the API, may not start a run: no form, and a
	// post with its own valid token is refused.
	admin := openTab(t, s.api, "admin")
	admin.signIn("wang.admin", "admin staple battery")
	if menu := admin.text("[data-testid=menu]"); !strings.Contains(menu, "总账") || !strings.Contains(menu, "结算批次") {
		t.Errorf("admin's menu: %q", menu)
	}
	admin.visit("/console/finance/settlement/runs", "[data-testid=runs]", "runs")
	if admin.count("#start-run") != 0 {
		t.Error("admin is offered the start form")
	}
	adminCookie := admin.cookies()
	if r := start(adminCookie, csrfToken(t, s, adminCookie)); r.StatusCode != http.StatusForbidden || s.count("settlement_runs") != 1 {
		t.Errorf("admin starts a run: %d, %d runs", r.StatusCode, s.count("settlement_runs"))
	}

	// Tokens of the API open no page: the console reads its own signed cookie only.
	shopper := s.login("o-e2e-console-shopper").str("accessToken")
	leader := s.token(identity.SubjectUser, 7, time.Hour, identity.RoleLeader)
	api := s.call("POST", "/v1/console/login", "", map[string]string{"username": "mei.finance", "password": "correct horse battery"})
	expect(t, api, 200, "")
	for name, tok := range map[string]string{"shopper": shopper, "leader": leader, "console API": api.str("accessToken")} {
		r := consoleRequest(t, s, "GET", "/console/finance/ledger", "", nil, tok)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/login" {
			t.Errorf("a %s bearer token: %d to %q, want 303 to the sign-in page", name, r.StatusCode, r.Header.Get("Location"))
		}
		r = consoleRequest(t, s, "GET", "/console/finance/ledger", "groupbuy_console="+tok, nil, "")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/login") {
			t.Errorf("a %s token as the cookie: %d to %q, want 303 to the sign-in page", name, r.StatusCode, r.Header.Get("Location"))
		}
	}

	// Five wrong passwords lock the account; then the right one is refused on the page too.
	for range 5 {
		s.call("POST", "/v1/console/login", "", map[string]string{"username": "zhao.finance", "password": "wrong"})
	}
	locked := openTab(t, s.api, "locked")
	locked.visit("/console/login", "#username", "login")
	locked.fill("#username", "zhao.finance")
	locked.fill("#password", "locked horse battery")
	locked.expectStatus(http.StatusTooManyRequests)
	locked.submit("#login", "[data-testid=error]", "locked")
	if msg := locked.text("[data-testid=error]"); !strings.Contains(msg, "已锁定") {
		t.Errorf("locked account's sign-in: %q", msg)
	}
	if loc := locked.location(); loc != "/console/login" {
		t.Errorf("a locked account reached %s", loc)
	}

	// Every page carries the headers that keep it out of frames, caches and other origins'
	// scripts; the session cookie is HttpOnly and SameSite=Strict (consoleSignIn checks).
	session := consoleSignIn(t, s, "mei.finance", "correct horse battery")
	page := consoleRequest(t, s, "GET", "/console/finance/ledger", session, nil, "")
	want := map[string]string{
		"Content-Security-Policy": "script-src 'self';",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	}
	for h, v := range want {
		if !strings.Contains(page.Header.Get(h), v) {
			t.Errorf("%s: %q, want it to hold %q", h, page.Header.Get(h), v)
		}
	}
	if csp := page.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if page.StatusCode != http.StatusOK {
		t.Errorf("ledger page: %d", page.StatusCode)
	}
}

// The browser checks catch what they are for: a page that throws, and one of its requests
// that fails, are both reported.
func TestConsoleBrowserReportsPageErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<!DOCTYPE html><html><body><p id="p">page</p><img src="/missing.png"><script src="/boom.js"></script></body></html>`)
		case "/boom.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `throw new Error("boom from the page")`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tb := openTab(t, srv.URL, "broken")
	tb.visit("/", "#p", "broken-page")
	var got []string
	lcWait(t, "the page's error and failed request", 10*time.Second, func() (bool, string) {
		got = append(got, tb.unexpected()...)
		all := strings.Join(got, "\n")
		return strings.Contains(all, "boom from the page") && strings.Contains(all, "HTTP 404 "+srv.URL+"/missing.png"), all
	})
}

// consoleSignIn signs in with the sign-in form as a browser would, checking the session
// cookie's flags and that the form is refused without its own cookie, and returns the session
// cookie ("groupbuy_console=…").
func consoleSignIn(t *testing.T, s *stack, username, password string) string {
	t.Helper()
	login := consoleRequest(t, s, "GET", "/console/login", "", nil, "")
	pre := strings.Split(login.Header.Get("Set-Cookie"), ";")[0]
	body, _ := io.ReadAll(login.Body)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil || !strings.HasPrefix(pre, "groupbuy_console_login=") {
		t.Fatalf("no CSRF token or form cookie on the sign-in page (%q):\n%s", pre, body)
	}
	form := url.Values{"_csrf": {string(m[1])}, "username": {username}, "password": {password}}
	if r := consoleRequest(t, s, "POST", "/console/login", "", form, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("a sign-in without its form's cookie: %d, want 403", r.StatusCode)
	}
	signed := consoleRequest(t, s, "POST", "/console/login", pre, form, "")
	var session string
	for _, c := range signed.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "groupbuy_console=") {
			session = c
		}
	}
	if signed.StatusCode != http.StatusSeeOther || session == "" {
		t.Fatalf("sign in as %s: %d, cookie %q", username, signed.StatusCode, session)
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/console/"} {
		if !strings.Contains(session, attr) {
			t.Errorf("session cookie %q lacks %s", session, attr)
		}
	}
	if strings.Contains(session, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure (the browser would drop it): %q", session)
	}
	return strings.Split(session, ";")[0]
}

// forge changes one character of token.
func forge(token string) string {
	c := byte('A')
	if token[10] == c {
		c = 'B'
	}
	return token[:10] + string(c) + token[11:]
}

// csrfToken reads the CSRF token from the settlement page that cookie's session sees.
func csrfToken(t *testing.T, s *stack, cookie string) string {
	t.Helper()
	path := "/console/finance/settlement/runs"
	if !strings.Contains(cookie, "groupbuy_console=") {
		t.Fatalf("no session cookie in %q", cookie)
	}
	r := consoleRequest(t, s, "GET", path, cookie, nil, "")
	body, _ := io.ReadAll(r.Body)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s (%d)", path, r.StatusCode)
	}
	return string(m[1])
}

// consoleRequest sends a request to the console without following redirects; form, when set,
// is the body, bearer an Authorization header.
func consoleRequest(t *testing.T, s *stack, method, path, cookie string, form url.Values, bearer string) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.api+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
