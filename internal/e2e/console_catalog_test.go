package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Ops rebuild a batch's stock and read the report; create a product whose title breaks the
// advertising law and see the refusal on the title field, fix it and add a SKU; find a leader
// by its pickup point, by grid and by number, suspend it (a too-short reason refused on the
// field), reinstate it and finally remove it.
func TestConsoleLeadersProductsAndStock(t *testing.T) {
	w := lcStart(t)
	s := w.stack
	s.createAccount("zhao.ops", "ops", "ops lantern meadow")
	ops := openTab(t, s.api, "ops")
	ops.signIn("zhao.ops", "ops lantern meadow")
	if menu := ops.text("[data-testid=menu]"); !strings.Contains(menu, "商品与规格") {
		t.Errorf("ops' menu lacks the products: %q", menu)
	}

	// Stock: an open batch with a paid order of 2; the counters agree, and a rebuild reports it.
	batchID, itemIDs := w.batch("库存核对批次", time.Second, time.Hour, lcItem{0, 3990, 50})
	w.batchStatus(batchID, "open", 20*time.Second)
	w.paid(w.shopper("o-e2e-console-stock"), "console-stock-1", batchID, itemIDs, []int{3990}, 2)
	ops.visit("/console/ops/batches/"+batchID, "[data-testid=batch-stock]", "batch-stock")
	if got := ops.text("[data-testid=stock-agrees]"); !strings.Contains(got, "一致") || strings.Contains(got, "不一致") {
		t.Errorf("the stock check says %q", got)
	}
	if row := ops.text(fmt.Sprintf("tr[data-stock-item='%s']", itemIDs[0])); !strings.Contains(row, "48") {
		t.Errorf("the stock row: %q, want 48 remaining", row)
	}
	ops.submit("#rebuild-stock", "[data-testid=stock-report]", "stock-rebuilt")
	if row := strings.Fields(ops.text(fmt.Sprintf("tr[data-report-item='%s']", itemIDs[0]))); len(row) != 4 ||
		row[1] != "50" || row[2] != "2" || row[3] != "48" {
		t.Errorf("the rebuild report row: %q, want quota 50, taken 2, remaining 48", row)
	}

	// A product: the banned word is refused on the title field, nothing is stored; fixed, it is.
	ops.visit("/console/ops/products", "#new-product", "products")
	ops.submit("#new-product", "#create-product", "product-new")
	ops.fill("#create-title", "全网最低价阳光玫瑰")
	ops.fill("#create-category", "控制台水果")
	ops.setValue("#create-description", "当季采摘，颗粒饱满")
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#create-product", "[data-testid=field-error][data-field=title]", "product-banned-word")
	if msg := ops.text("[data-testid=field-error][data-field=title]"); !strings.Contains(msg, "全网最低") {
		t.Errorf("the title's error: %q", msg)
	}
	if v, _ := ops.attr("#create-title", "aria-invalid"); v != "true" {
		t.Error("the title field is not marked invalid")
	}
	if v, _ := ops.attr("#create-category", "value"); v != "控制台水果" {
		t.Errorf("the category entered was lost: %q", v)
	}
	if n := s.dbString("SELECT count(*)::text FROM products WHERE category = '控制台水果'"); n != "0" {
		t.Fatalf("a refused product was stored: %s", n)
	}
	ops.fill("#create-title", "阳光玫瑰葡萄")
	ops.submit("#create-product", "#add-sku", "product-created")
	productID := strings.TrimPrefix(strings.Split(ops.location(), "?")[0], "/console/ops/products/")
	ops.fill("#new-sku-spec", "500g")
	ops.fill("#new-sku-unit", "盒")
	ops.fill("#new-sku-price", "39.9")
	ops.submit("#add-sku", "table[data-testid=skus] tr[data-sku]", "sku-added")
	if p := s.dbString("SELECT list_price::text FROM skus WHERE product_id = $1", productID); p != "3990" {
		t.Errorf("the SKU's list price is %s fen, want 3990", p)
	}
	ops.visit("/console/ops/products?category=控制台水果&status=active", "table[data-testid=products]", "products-filtered")
	if n := ops.count("tr[data-product]"); n != 1 || ops.count(fmt.Sprintf("tr[data-product='%s']", productID)) != 1 {
		t.Errorf("the category filter shows %d products", n)
	}

	// Leaders: by pickup point name, by grid, and a bad grid refused on its field.
	ops.visit("/console/ops/leaders", "#search-leaders", "leaders-search")
	ops.setValue("#search-status", "approved")
	ops.fill("#search-q", "3号门")
	ops.submit("#search-leaders", fmt.Sprintf("tr[data-leader='%s']", w.leaderID), "leaders-found-by-point")
	ops.visit("/console/ops/leaders?status=approved&q=不存在的自提点", "[data-testid=leaders-empty]", "leaders-none")
	ops.visit("/console/ops/leaders?status=&grid="+w.cell, fmt.Sprintf("tr[data-leader='%s']", w.leaderID), "leaders-by-grid")
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.visit("/console/ops/leaders?status=&grid=nonsense", "#search-error[data-field=grid_cell]", "leaders-bad-grid")
	ops.fill("#search-q", w.leaderID)
	ops.submit("#search-leaders", "#suspend-leader", "leader-by-number")

	// The API's ListLeaders takes the same search.
	found := w.call("GET", "/v1/ops/leaders?status=approved&point_name="+url.QueryEscape("3号门"), w.ops(), nil)
	expect(t, found, 200, "")
	if ls, _ := found.body["leaders"].([]any); len(ls) != 1 || fmt.Sprint(ls[0].(map[string]any)["id"]) != w.leaderID {
		t.Errorf("the API's search by point name: %s", found.raw)
	}
	expect(t, w.call("GET", "/v1/ops/leaders?point_name="+url.QueryEscape(strings.Repeat("门", 65)), w.ops(), nil), 400, "INVALID_ARGUMENT")

	// Suspend: a one-character reason is refused on the field and changes nothing.
	ops.fill("#suspend-reason", "查")
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#suspend-leader", "#suspend-reason[aria-invalid=true]", "leader-suspend-refused")
	if msg := ops.text("[data-testid=error]"); !strings.Contains(msg, "原因须为 2 到 256 个字") {
		t.Errorf("the refused suspension says %q", msg)
	}
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", w.leaderID); st != "approved" {
		t.Fatalf("a refused suspension left the leader %s", st)
	}
	ops.fill("#suspend-reason", "多次投诉，暂停核查")
	ops.submit("#suspend-leader", "[data-done=suspended]", "leader-suspended")
	if st := ops.text("[data-testid=leader-status]"); st != "已暂停" {
		t.Errorf("after suspension the page shows %q", st)
	}
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", w.leaderID); st != "suspended" {
		t.Errorf("the suspended leader is %s in the database", st)
	}
	if ops.count("#suspend-leader") != 0 || ops.count("#reinstate-leader") != 1 {
		t.Error("a suspended leader is offered suspension, or not reinstatement")
	}
	ops.submit("#reinstate-leader", "[data-done=reinstated]", "leader-reinstated")
	if st := ops.text("[data-testid=leader-status]"); st != "已通过" {
		t.Errorf("after reinstatement the page shows %q", st)
	}
	ops.fill("#remove-reason", "自提点关闭")
	ops.submit("#remove-leader", "[data-done=removed]", "leader-removed")
	if st := s.dbString("SELECT status FROM leaders WHERE id = $1", w.leaderID); st != "removed" {
		t.Errorf("the removed leader is %s in the database", st)
	}
	if ops.count("[data-testid=leader-actions]") != 0 {
		t.Error("a removed leader is still offered actions")
	}
}
