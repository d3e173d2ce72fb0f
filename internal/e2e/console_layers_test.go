package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// Ops open a day's layers in the console and send a coupon to the dormant shoppers of a grid:
// a send without a coupon template is refused on its field; the send then reaches each of the
// grid's dormant shoppers once and the page shows it done. Finance do not see the page.
func TestConsoleLayersAndTargetedCoupon(t *testing.T) {
	s := start(t)
	s.createAccount("zhou.ops", "ops", "ops layer lantern")
	s.createAccount("wu.finance", "finance", "finance layer lantern")
	const grid = "872830820ffffff"
	// Yesterday's snapshot as the nightly job leaves it: three dormant shoppers in the grid, one
	// new in another, in place of the one the server took of its empty database.
	day := bjtime.Day(time.Now().Add(-24 * time.Hour))
	awaitDailyJob(t, s.db, "shopper_layers", day)
	for _, table := range []string{"shopper_layers", "layer_snapshots"} {
		if _, err := s.db.Exec(`DELETE FROM `+table+` WHERE day = $1`, day); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.Exec(`INSERT INTO layer_snapshots (day, rules, shoppers, taken_at) VALUES ($1, 'defaults', 4, now())`, day); err != nil {
		t.Fatal(err)
	}
	for i, row := range []struct {
		user        int
		layer, grid string
	}{{101, "dormant", grid}, {102, "dormant", grid}, {103, "dormant", grid}, {104, "new", "872830821ffffff"}} {
		_, err := s.db.Exec(`INSERT INTO shopper_layers (day, user_id, layer, from_share, leader_id, grid_cell, first_paid_at,
			last_paid_at, orders_month, orders_quarter, orders_year, spend_year, r, f, m)
			VALUES ($1, $2, $3, false, $4, $5, now(), now(), 0, 0, 1, 1000, 1, 1, 1)`, day, row.user, row.layer, 7+i%2, row.grid)
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	created := s.call("POST", "/v1/ops/coupon-templates", s.ops(), map[string]any{
		"name": "唤醒券", "discount": map[string]any{"kind": "fixed", "amountOffFen": 500, "thresholdFen": 3000},
		"scope": map[string]any{"kind": "all"}, "validDays": 7, "budgetCount": 100, "budgetAmountFen": 100000,
		"perShopper": 1, "fundedBy": "platform", "channel": "send",
		"claimFrom": now.Add(-time.Hour).Format(time.RFC3339), "claimUntil": now.Add(24 * time.Hour).Format(time.RFC3339),
	})
	expect(t, created, 200, "")
	templateID := created.str("id")

	ops := openTab(t, s.api, "ops")
	ops.signIn("zhou.ops", "ops layer lantern")
	if menu := ops.text("[data-testid=menu]"); !strings.Contains(menu, "用户分层") {
		t.Errorf("ops' menu lacks the layers: %q", menu)
	}
	ops.visit("/console/ops/layers", "[data-testid=layer-totals]", "layers-day")
	if got := ops.text("tr[data-layer=dormant] [data-testid=total]"); got != "3" {
		t.Errorf("dormant shoppers: %q, want 3", got)
	}
	ops.fill("#send-grid", grid)
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#send-targeted", "[data-testid=field-error][data-field=coupon]", "layers-refused")
	if n := s.count("targeted_sends"); n != 0 {
		t.Fatalf("a refused send was stored: %d", n)
	}
	ops.fill("#send-coupon", templateID)
	ops.fill("#send-note", "沉睡唤醒")
	ops.submit("#send-targeted", "[data-testid=done]", "layers-sent")
	deadline := time.Now().Add(time.Minute)
	for s.dbString(`SELECT status FROM coupon_sends LIMIT 1`) != "done" {
		if time.Now().After(deadline) {
			t.Fatal("the coupon send did not finish")
		}
		time.Sleep(100 * time.Millisecond)
	}
	ops.visit("/console/ops/layers?day="+day, "[data-testid=targeted-sends]", "layers-done")
	if got := ops.text("tr[data-send] [data-testid=progress]"); !strings.Contains(got, "3 / 3：已发 3") {
		t.Errorf("the send's progress: %q", got)
	}
	coupons := s.dbString(`SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM coupons WHERE template_id = $1`, templateID)
	if coupons != "101,102,103" {
		t.Errorf("coupons went to %s, want 101,102,103", coupons)
	}

	fin := openTab(t, s.api, "finance")
	fin.signIn("wu.finance", "finance layer lantern")
	if menu := fin.text("[data-testid=menu]"); strings.Contains(menu, "用户分层") {
		t.Errorf("finance's menu shows the layers: %q", menu)
	}
	fin.expectStatus(http.StatusForbidden)
	fin.visit("/console/ops/layers", "[data-testid=error-heading]", "layers-forbidden")
}
