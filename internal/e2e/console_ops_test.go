package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// dbString reads one text column of one row.
func (s *stack) dbString(query string, args ...any) string {
	s.t.Helper()
	var v string
	if err := s.db.QueryRow(query, args...).Scan(&v); err != nil {
		s.t.Fatalf("%s %v: %v", query, args, err)
	}
	return v
}

// Ops work a day in the console: review a leader application (the phone masked; a rejection
// without a reason is refused and changes nothing) and approve it; create a batch, schedule it,
// dispatch it once it closes and open its dispatch list per route; approve an after-sales
// request; see every grid drawn from its H3 boundary.
func TestConsoleOpsDay(t *testing.T) {
	w := lcStart(t)
	s := w.stack
	s.createAccount("li.ops", "ops", "ops staple battery")
	ops := openTab(t, s.api, "ops")
	ops.signIn("li.ops", "ops staple battery")
	for _, label := range []string{"运营看板", "团长审核", "预售批次", "售后审核", "网格"} {
		if menu := ops.text("[data-testid=menu]"); !strings.Contains(menu, label) {
			t.Errorf("ops' menu lacks %s: %q", label, menu)
		}
	}

	// A leader application waits in the queue, its phone number masked.
	applicant := s.login("o-e2e-console-applicant")
	applied := s.call("POST", "/v1/leader-applications", applicant.str("accessToken"), application(offset(square, -120, 80), ""))
	expect(t, applied, 200, "")
	appID := fmt.Sprint(applied.body["id"])
	ops.visit("/console/ops/leaders", fmt.Sprintf("tr[data-leader='%s']", appID), "leader-queue")
	row := ops.text(fmt.Sprintf("tr[data-leader='%s']", appID))
	if !strings.Contains(row, "139****5678") || strings.Contains(row, "13912345678") || !strings.Contains(row, "待审核") {
		t.Errorf("queue row: %q", row)
	}
	if ops.count("tr[data-leader]") != 1 {
		t.Errorf("the queue shows %d leaders, want the one pending", ops.count("tr[data-leader]"))
	}
	ops.submit(fmt.Sprintf("tr[data-leader='%s'] [data-testid=open-leader]", appID), "#approve-leader", "leader-review")
	if phone := ops.text("[data-testid=leader-phone]"); phone != "139****5678" {
		t.Errorf("the review shows the phone %q", phone)
	}
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#reject-leader", "[data-testid=error]", "leader-reject-no-reason")
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", appID); st != "pending" {
		t.Fatalf("a refused rejection left the application %s", st)
	}
	ops.submit("#approve-leader", "[data-testid=done]", "leader-approved")
	if st := ops.text("[data-testid=leader-status]"); st != "已通过" {
		t.Errorf("after approval the page shows %q", st)
	}
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", appID); st != "approved" {
		t.Errorf("approved application is %s in the database", st)
	}
	if ops.count("#approve-leader") != 0 {
		t.Error("an approved leader is still offered for review")
	}

	// A batch: created as a draft from the form, scheduled, closed by the clock, dispatched.
	ops.visit("/console/ops/batches", "#create-batch", "batches")
	opens := time.Now().Add(4 * time.Second).In(bjtime.Zone).Truncate(time.Second)
	cutoff := opens.Add(8 * time.Second)
	ops.fill("#batch-title", "控制台周末鲜果")
	ops.setValue("#batch-opens", opens.Format("2006-01-02T15:04:05"))
	ops.setValue("#batch-cutoff", cutoff.Format("2006-01-02T15:04:05"))
	ops.setValue("#batch-pickup", cutoff.Add(24*time.Hour).Format(time.DateOnly))
	ops.setValue("#batch-grids", w.cell)
	ops.fill("#item-sku-0", w.skus[0])
	ops.fill("#item-price-0", "39.90")
	ops.fill("#item-quota-0", "100")
	ops.fill("#item-limit-0", "0")
	ops.fill("#item-basis-0", "厂商建议零售价") // a new SKU: no sales behind its list price
	ops.submit("#create-batch", "#schedule-batch", "batch-created")
	loc := ops.location()
	batchID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/console/ops/batches/")
	if _, err := strconv.ParseInt(batchID, 10, 64); err != nil {
		t.Fatalf("after create the page is %s", loc)
	}
	var price, commission int64
	if err := s.db.QueryRow("SELECT price, commission_bp FROM batch_items WHERE batch_id = $1", batchID).Scan(&price, &commission); err != nil {
		t.Fatalf("the created batch's item: %v", err)
	}
	if price != 3990 || commission != 1000 {
		t.Errorf("item price %d fen, commission %d bp; want 3990 and 1000", price, commission)
	}
	ops.submit("#schedule-batch", "dd.status-scheduled, dd.status-open", "batch-scheduled")
	if st := s.dbString("SELECT status FROM batches WHERE id = $1", batchID); st != "scheduled" && st != "open" {
		t.Fatalf("scheduled batch is %s", st)
	}
	w.coWaitOpen(batchID, 20*time.Second)
	b := w.call("GET", "/v1/ops/batches/"+batchID, w.ops(), nil)
	expect(t, b, 200, "")
	itemID := fmt.Sprint(b.body["items"].([]any)[0].(map[string]any)["id"])
	tok := w.shopper("o-e2e-console-ops-shopper")
	o := w.paid(tok, "console-ops-order-1", batchID, []string{itemID}, []int{3990}, 2)
	w.batchStatus(batchID, "closed", 30*time.Second)

	ops.visit("/console/ops/batches/"+batchID, "#dispatch-batch", "batch-closed")
	ops.submit("#dispatch-batch", "[data-testid=done]", "batch-dispatched")
	if st := ops.text("[data-testid=batch-status]"); st != "已发车" {
		t.Errorf("after dispatch the page shows %q", st)
	}
	if st := s.dbString("SELECT status FROM batches WHERE id = $1", batchID); st != "dispatched" {
		t.Errorf("dispatched batch is %s in the database", st)
	}
	ops.submit("[data-testid=dispatch-list-link]", "[data-testid=dispatch-routes]", "dispatch-routes")
	routeRow := fmt.Sprintf("[data-testid=routes] tr[data-grid='%s']", w.cell)
	if row := ops.text(routeRow); !strings.Contains(row, "R1") || !strings.Contains(row, "人民广场") {
		t.Errorf("route row: %q", row)
	}
	ops.submit(routeRow+" [data-testid=open-route]", "[data-testid=dispatch-list]", "dispatch-list")
	route := ops.text(fmt.Sprintf("section.route[data-grid='%s']", w.cell))
	stop := ops.text(fmt.Sprintf("section.route[data-grid='%s'] .stop[data-stop='%s']", w.cell, w.leaderID))
	if !strings.Contains(route, "线路 R1") || !strings.Contains(route, "人民广场") {
		t.Errorf("route heading: %q", route)
	}
	if !strings.Contains(stop, "幸福小区3号门") || !strings.Contains(stop, "订单 1 笔") || !strings.Contains(stop, "2 箱") {
		t.Errorf("leader %s's stop: %q", w.leaderID, stop)
	}

	// The goods arrive and are picked up; the shopper asks for one back and ops approve.
	// WeChat refuses the order's shipping upload once, as invalid: the declaration fails.
	w.sim.FailNext(wxsim.OpUploadShippingInfo, 10060014, "参数错误", 1)
	expect(t, w.call("POST", "/v1/leader/batches/"+batchID+"/arrival", w.leaderTok, "{}"), 200, "")
	orderID := fmt.Sprint(o.body["id"])
	ready := w.waitOrder(tok, orderID, "ready_for_pickup", 10*time.Second)
	expect(t, w.call("POST", "/v1/leader/pickups", w.leaderTok, map[string]string{"code": ready.str("pickupCode")}), 200, "")
	lineID, _ := strconv.ParseInt(fmt.Sprint(lines(ready)[0]["id"]), 10, 64)
	req := w.call("POST", "/v1/shop/orders/"+orderID+"/after-sales", tok, map[string]any{
		"lines": []map[string]any{{"lineId": lineID, "quantity": 1}}, "reason": "一个压坏了"})
	expectOK(t, req)
	asID := fmt.Sprint(req.body["id"])
	ops.visit("/console/ops/after-sales", fmt.Sprintf("tr[data-aftersale='%s']", asID), "after-sales")
	if r := ops.text(fmt.Sprintf("tr[data-aftersale='%s']", asID)); !strings.Contains(r, "39.90") || !strings.Contains(r, "一个压坏了") {
		t.Errorf("after-sales row: %q", r)
	}
	ops.fill("#note-"+asID, "同意")
	ops.submit("#approve-"+asID, "[data-testid=done]", "after-sale-approved")
	if st := s.dbString("SELECT status FROM after_sales WHERE id = $1", asID); st != "approved" && st != "refunded" {
		t.Errorf("approved request is %s in the database", st)
	}
	if r, err := w.sim.Refund("GBR" + orderID + "-" + asID); err != nil || r.Refund != 3990 {
		t.Errorf("the refund at WeChat: %+v, %v", r, err)
	}
	if ops.count(fmt.Sprintf("tr[data-aftersale='%s']", asID)) != 0 {
		t.Error("the approved request is still in the queue")
	}

	// The failed declaration shows WeChat's reason; ops put it back in the queue and it uploads.
	lcWait(t, "the order's failed shipping declaration", 20*time.Second, func() (bool, string) {
		var n int
		_ = s.db.QueryRow("SELECT count(*) FROM shipping_declarations WHERE order_id = $1 AND state = 'failed'", orderID).Scan(&n)
		return n == 1, fmt.Sprint(n, " failed")
	})
	declID := s.dbString("SELECT id::text FROM shipping_declarations WHERE order_id = $1", orderID)
	ops.visit("/console/ops/shipping", fmt.Sprintf("tr[data-declaration='%s']", declID), "shipping-failed")
	if why := ops.text(fmt.Sprintf("tr[data-declaration='%s'] [data-testid=last-error]", declID)); !strings.Contains(why, "10060014") && !strings.Contains(why, "参数错误") {
		t.Errorf("the failed declaration's reason: %q", why)
	}
	ops.submit("#retry-"+declID, "[data-testid=retried]", "shipping-retried")
	lcWait(t, "the retried declaration uploaded", 20*time.Second, func() (bool, string) {
		st := s.dbString("SELECT state FROM shipping_declarations WHERE id = $1", declID)
		return st == "uploaded", st
	})

	// Grids: the served grid drawn as an SVG hexagon from its H3 boundary.
	ops.visit("/console/ops/grids", fmt.Sprintf("li[data-grid='%s'] svg polygon", w.cell), "grids")
	pts, _ := ops.attr(fmt.Sprintf("li[data-grid='%s'] svg polygon", w.cell), "points")
	if n := len(strings.Fields(pts)); n != 6 {
		t.Errorf("grid %s drawn with %d vertices (%q), want a hexagon", w.cell, n, pts)
	}
	if st := ops.text(fmt.Sprintf("li[data-grid='%s'] [data-testid=grid-serving]", w.cell)); st != "服务中" {
		t.Errorf("grid serving: %q", st)
	}
	ops.submit(fmt.Sprintf("li[data-grid='%s'] [data-testid=stop-serving]", w.cell),
		fmt.Sprintf("li[data-grid='%s'] [data-testid=serve]", w.cell), "grid-stopped")
	if st := s.dbString("SELECT serving::text FROM grids WHERE cell = $1", w.cell); st != "false" {
		t.Errorf("a stopped grid has serving %s in the database", st)
	}

	// The dashboard: the day's order in its grid, no after-sales left waiting, no failed
	// declaration; a day after today is refused on the field.
	ops.visit("/console/ops/dashboard", fmt.Sprintf("tr[data-grid='%s']", w.cell), "dashboard")
	if g := ops.text(fmt.Sprintf("tr[data-grid='%s']", w.cell)); !strings.Contains(g, "79.80") {
		t.Errorf("the dashboard's row of grid %s lacks the order's 79.80: %q", w.cell, g)
	}
	for sel, want := range map[string]string{"[data-figure=after-sales-waiting]": "0", "[data-figure=failed-declarations]": "0",
		"[data-figure=arriving]": s.dbString("SELECT count(*)::text FROM batches WHERE status = 'dispatched'")} {
		if got := ops.text(sel); got != want {
			t.Errorf("dashboard %s = %q, want %s", sel, got, want)
		}
	}
	ops.setValue("#day", bjtime.Day(time.Now().Add(48*time.Hour)))
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#show-day", "[data-testid=error]", "dashboard-future-day")
}

// Finance sees no ops page: not in its menu, not by address, and no ops action on the pages
// the API lets it read (batches, after-sales). Ops then cancel the batch finance could not.
func TestConsoleOpsHiddenFromFinance(t *testing.T) {
	w := lcStart(t)
	s := w.stack
	batchID, _ := w.batch("财务可读批次", time.Second, time.Hour, lcItem{0, 3990, 100})
	s.createAccount("mei.finance", "finance", "correct horse battery")
	fin := openTab(t, s.api, "finance")
	fin.signIn("mei.finance", "correct horse battery")
	menu := fin.text("[data-testid=menu]")
	for _, label := range []string{"运营看板", "团长审核", "网格"} {
		if strings.Contains(menu, label) {
			t.Errorf("finance's menu shows %s: %q", label, menu)
		}
	}
	for i, path := range []string{"/console/ops/dashboard", "/console/ops/leaders", "/console/ops/leaders/" + w.leaderID, "/console/ops/grids",
		"/console/ops/batches/" + batchID + "/dispatch-list"} {
		fin.expectStatus(http.StatusForbidden)
		fin.visit(path, "[data-testid=error-heading]", "forbidden-"+strconv.Itoa(i))
		if h := fin.text("[data-testid=error-heading]"); h != "无权访问" {
			t.Errorf("finance at %s: %q", path, h)
		}
	}
	fin.visit("/console/ops/batches/"+batchID, "[data-testid=batch-status]", "batch-read-only")
	for _, sel := range []string{"#schedule-batch", "#dispatch-batch", "#cancel-batch", "[data-testid=dispatch-list-link]"} {
		if fin.count(sel) != 0 {
			t.Errorf("finance is offered %s", sel)
		}
	}
	fin.visit("/console/ops/batches", "[data-testid=batches]", "batches-read-only")
	if fin.count("#create-batch") != 0 {
		t.Error("finance is offered the create form")
	}

	cookie := fin.cookies()
	token := csrfToken(t, s, cookie)
	for _, path := range []string{"/console/ops/leaders/" + w.leaderID + "/reject", "/console/ops/batches/" + batchID + "/cancel"} {
		r := consoleRequest(t, s, "POST", path, cookie, map[string][]string{"_csrf": {token}, "reason": {"财务不应能操作"}}, "")
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("finance posts %s: %d, want 403", path, r.StatusCode)
		}
	}
	if st := s.dbString("SELECT status FROM batches WHERE id = $1", batchID); st != "open" {
		t.Errorf("after finance's refused posts the batch is %s", st)
	}
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", w.leaderID); st != "approved" {
		t.Errorf("after finance's refused posts the leader is %s", st)
	}

	// Ops may cancel it, with a reason: without one the form is refused and nothing changes.
	s.createAccount("li.ops", "ops", "ops staple battery")
	ops := openTab(t, s.api, "ops")
	ops.signIn("li.ops", "ops staple battery")
	ops.visit("/console/ops/batches/"+batchID, "#cancel-batch", "batch-open")
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#cancel-batch", "[data-testid=error]", "cancel-no-reason")
	if st := s.dbString("SELECT status FROM batches WHERE id = $1", batchID); st != "open" {
		t.Fatalf("a refused cancel left the batch %s", st)
	}
	ops.fill("#cancel-reason-input", "产地暴雨停摘")
	ops.submit("#cancel-batch", "[data-testid=cancel-reason]", "batch-cancelled")
	if st := s.dbString("SELECT status FROM batches WHERE id = $1", batchID); st != "cancelled" {
		t.Errorf("cancelled batch is %s in the database", st)
	}
	if got := ops.text("[data-testid=cancel-reason]"); got != "产地暴雨停摘" {
		t.Errorf("cancel reason shown: %q", got)
	}
}
