package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// Ops create a coupon template through the form: a budget too small for one coupon is refused
// on its field with what was typed kept and nothing stored; fixed, the template is stored and
// listed with the figures of a shopper's claim; paused, it offers resume and end, not pause. Then a 满减 activity,
// refused and fixed the same way, and paused from its row. Finance read the template but are
// offered no form.
func TestConsoleCouponTemplate(t *testing.T) {
	s := start(t)
	s.createAccount("qian.ops", "ops", "ops coupon lantern")
	s.createAccount("sun.finance", "finance", "finance coupon lantern")
	ops := openTab(t, s.api, "ops")
	ops.signIn("qian.ops", "ops coupon lantern")
	if menu := ops.text("[data-testid=menu]"); !strings.Contains(menu, "优惠券") || !strings.Contains(menu, "满减活动") {
		t.Errorf("ops' menu lacks the promotions: %q", menu)
	}

	ops.visit("/console/ops/coupons", "#new-coupon", "coupons-empty")
	ops.submit("#new-coupon", "#create-coupon", "coupon-new")
	now := time.Now().In(bjtime.Zone)
	ops.fill("#create-name", "控制台满50减5")
	ops.fill("#create-amount_off", "5")
	ops.fill("#create-threshold", "50")
	ops.fill("#create-valid_days", "7")
	ops.fill("#create-budget_count", "100")
	ops.fill("#create-budget_amount", "4.99")
	ops.setValue("#create-claim_from", now.Format("2006-01-02T15:04"))
	ops.setValue("#create-claim_until", now.Add(72*time.Hour).Format("2006-01-02T15:04"))
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#create-coupon", "[data-testid=field-error][data-field=budget_amount]", "coupon-refused")
	if msg := ops.text("[data-testid=field-error][data-field=budget_amount]"); !strings.Contains(msg, "至少够发一张券") {
		t.Errorf("the budget's refusal: %q", msg)
	}
	if v, _ := ops.attr("#create-budget_amount", "aria-invalid"); v != "true" {
		t.Error("the amount budget is not marked invalid")
	}
	if v, _ := ops.attr("#create-name", "value"); v != "控制台满50减5" {
		t.Errorf("the name typed was lost: %q", v)
	}
	if n := s.count("coupon_templates"); n != 0 {
		t.Fatalf("a refused template was stored: %d", n)
	}

	ops.fill("#create-budget_amount", "500")
	ops.submit("#create-coupon", "[data-testid=coupon-figures]", "coupon-created")
	id := strings.TrimPrefix(strings.Split(ops.location(), "?")[0], "/console/ops/coupons/")
	if got := s.dbString("SELECT amount_off::text || '/' || threshold::text || '/' || budget_amount::text FROM coupon_templates WHERE id = $1", id); got != "500/5000/50000" {
		t.Errorf("stored in fen: %s, want 500/5000/50000", got)
	}
	// A shopper claims one over the API: the figures count it, and its ¥5 is booked.
	shopper := s.login("o-e2e-console-coupon").str("accessToken")
	expect(t, s.call("POST", "/v1/shop/coupon-templates/"+id+"/claim", shopper, map[string]any{}), 200, "")
	ops.submit("#pause-coupon", "#resume-coupon", "coupon-paused")
	if ops.count("#pause-coupon") != 0 || ops.count("#end-coupon") != 1 {
		t.Error("a paused template offers the wrong moves")
	}
	if st := ops.text("[data-testid=coupon-status]"); st != "已暂停" {
		t.Errorf("the status reads %q", st)
	}

	ops.visit("/console/ops/coupons?status=paused", "table[data-testid=coupons]", "coupons-listed")
	row := "tr[data-coupon='" + id + "']"
	if ops.count(row) != 1 {
		t.Fatalf("the paused filter does not list template %s", id)
	}
	if got := ops.text(row); !strings.Contains(got, "控制台满50减5") || !strings.Contains(got, "减 ¥5.00，满 ¥50.00 可用") {
		t.Errorf("the row: %q", got)
	}
	if got := ops.text(row + " [data-testid=issued]"); got != "1 / 100" {
		t.Errorf("issued: %q", got)
	}
	if got := ops.text(row + " [data-testid=remaining]"); got != "99" {
		t.Errorf("remaining: %q", got)
	}
	if got := ops.text(row + " [data-testid=amount]"); !strings.Contains(got, "已占用 ¥5.00，已优惠 ¥0.00，预算 ¥500.00") {
		t.Errorf("the amount budget: %q", got)
	}

	// A 满减 activity: a higher tier saving less is refused on the tiers, the rows kept; fixed,
	// it is listed with its tiers and paused from its row.
	ops.visit("/console/ops/activities", "#create-activity", "activities-empty")
	ops.fill("#activity-name", "控制台满减")
	ops.setValue("#activity-window_from", now.Format("2006-01-02T15:04"))
	ops.setValue("#activity-window_until", now.Add(48*time.Hour).Format("2006-01-02T15:04"))
	ops.fill("#tier-threshold-0", "100")
	ops.fill("#tier-off-0", "20")
	ops.fill("#tier-threshold-1", "200")
	ops.fill("#tier-off-1", "10")
	ops.expectStatus(http.StatusUnprocessableEntity)
	ops.submit("#create-activity", "[data-testid=field-error][data-field=tiers]", "activity-refused")
	if v, _ := ops.attr("#tier-off-1", "value"); v != "10" {
		t.Errorf("the tier typed was lost: %q", v)
	}
	if n := s.count("promo_activities"); n != 0 {
		t.Fatalf("a refused activity was stored: %d", n)
	}
	ops.fill("#tier-off-1", "30")
	ops.submit("#create-activity", "[data-testid=done]", "activity-created")
	act := strings.TrimPrefix(ops.location()[strings.Index(ops.location(), "id="):], "id=")
	if got := ops.text("tr[data-activity='" + act + "']"); !strings.Contains(got, "满 ¥100.00 减 ¥20.00") || !strings.Contains(got, "满 ¥200.00 减 ¥30.00") {
		t.Errorf("the activity's row: %q", got)
	}
	ops.submit("#pause-activity-"+act, "#resume-activity-"+act, "activity-paused")

	fin := openTab(t, s.api, "finance")
	fin.signIn("sun.finance", "finance coupon lantern")
	fin.visit("/console/ops/coupons/"+id, "[data-testid=coupon-figures]", "coupon-finance")
	if fin.count("#new-coupon") != 0 || fin.count("#edit-coupon-form") != 0 || fin.count("[data-testid=coupon-moves]") != 0 {
		t.Error("finance is offered a form the API refuses it")
	}
}
