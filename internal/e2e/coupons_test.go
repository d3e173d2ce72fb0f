package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Ops create a coupon template on one replica; shoppers see it and claim it on another, within
// the budget and their limit; bad input and the wrong role are refused with their reasons.
func TestCouponsOverHTTP(t *testing.T) {
	s := start(t)
	other := s.replica()
	ops := s.ops()
	now := time.Now().UTC()
	template := map[string]any{
		"name":            "满30减5",
		"discount":        map[string]any{"kind": "fixed", "amountOffFen": 500, "thresholdFen": 3000},
		"scope":           map[string]any{"kind": "all"},
		"validDays":       7,
		"budgetCount":     2,
		"budgetAmountFen": 100000,
		"perShopper":      1,
		"fundedBy":        "platform",
		"channel":         "claim",
		"claimFrom":       now.Add(-time.Hour).Format(time.RFC3339),
		"claimUntil":      now.Add(24 * time.Hour).Format(time.RFC3339),
	}
	created := s.call("POST", "/v1/ops/coupon-templates", ops, template)
	expect(t, created, 200, "")
	id := fmt.Sprint(created.body["id"])

	bad := map[string]any{}
	for k, v := range template {
		bad[k] = v
	}
	bad["discount"] = map[string]any{"kind": "fixed", "amountOffFen": 3000, "thresholdFen": 3000}
	expect(t, s.call("POST", "/v1/ops/coupon-templates", ops, bad), 400, "INVALID_ARGUMENT")
	bad["discount"], bad["channel"] = template["discount"], "mail"
	expect(t, s.call("POST", "/v1/ops/coupon-templates", ops, bad), 400, "INVALID_ARGUMENT")
	if n := s.count("coupon_templates"); n != 1 {
		t.Fatalf("refused templates left rows: %d", n)
	}

	first, second, third := s.login("o-coupon-1").str("accessToken"), s.login("o-coupon-2").str("accessToken"),
		s.login("o-coupon-3").str("accessToken")
	expect(t, other.call("POST", "/v1/ops/coupon-templates", first, template), 403, "FORBIDDEN")
	list := other.call("GET", "/v1/shop/coupon-templates", first, nil)
	expect(t, list, 200, "")
	if ts, _ := list.body["templates"].([]any); len(ts) != 1 {
		t.Fatalf("claimable: %s", list.raw)
	}
	claim := "/v1/shop/coupon-templates/" + id + "/claim"
	expect(t, other.call("POST", claim, first, map[string]any{}), 200, "")
	expect(t, s.call("POST", claim, first, map[string]any{}), 409, "COUPON_LIMIT_REACHED")
	expect(t, s.call("POST", claim, second, map[string]any{}), 200, "")
	expect(t, other.call("POST", claim, third, map[string]any{}), 409, "COUPON_BUDGET_SPENT")
	expect(t, s.call("POST", "/v1/shop/coupon-templates/999999/claim", third, map[string]any{}), 404, "NOT_FOUND")
	expect(t, s.call("POST", "/v1/shop/coupon-templates/0/claim", third, map[string]any{}), 400, "INVALID_ARGUMENT")

	mine := s.call("GET", "/v1/shop/coupons?state=available", first, nil)
	expect(t, mine, 200, "")
	coupons, _ := mine.body["coupons"].([]any)
	if len(coupons) != 1 || coupons[0].(map[string]any)["name"] != "满30减5" {
		t.Fatalf("my coupons: %s", mine.raw)
	}
	expect(t, s.call("GET", "/v1/shop/coupons?state=lost", first, nil), 400, "INVALID_ARGUMENT")

	got := s.call("GET", "/v1/ops/coupon-templates/"+id, ops, nil)
	expect(t, got, 200, "")
	figures, _ := got.body["figures"].(map[string]any)
	if fmt.Sprint(figures["issued"]) != "2" || fmt.Sprint(figures["bookedFen"]) != "1000" || fmt.Sprint(figures["remaining"]) != "0" {
		t.Fatalf("figures: %s", got.raw)
	}
	paused := s.call("POST", "/v1/ops/coupon-templates/"+id+"/status", ops, map[string]any{"status": "ended"})
	expect(t, paused, 200, "")
	expect(t, s.call("POST", "/v1/ops/coupon-templates/"+id+"/status", ops, map[string]any{"status": "active"}), 409, "CONFLICT")
	// The replica that ended it refuses at once; the other's claims see the end within a second.
	expect(t, s.call("POST", claim, third, map[string]any{}), 409, "COUPON_NOT_ISSUING")
}

// A shopper's first login brings the new-shopper coupon (新人券), once: later logins, on either
// replica, bring nothing more, and a shopper who existed before the template gets none.
func TestNewShopperCouponAtFirstLogin(t *testing.T) {
	s := start(t)
	other := s.replica()
	veteran := s.login("o-welcome-veteran").str("accessToken")
	time.Sleep(10 * time.Millisecond)
	now := time.Now().UTC() // the window opens after the veteran's first login
	created := s.call("POST", "/v1/ops/coupon-templates", s.ops(), map[string]any{
		"name":            "新人立减3元",
		"discount":        map[string]any{"kind": "fixed", "amountOffFen": 300, "thresholdFen": 1000},
		"scope":           map[string]any{"kind": "all"},
		"validDays":       7,
		"budgetCount":     100,
		"budgetAmountFen": 30000,
		"perShopper":      1,
		"fundedBy":        "platform",
		"channel":         "new_shopper",
		"claimFrom":       now.Format(time.RFC3339Nano),
		"claimUntil":      now.Add(24 * time.Hour).Format(time.RFC3339),
	})
	expect(t, created, 200, "")

	fresh := s.login("o-welcome-new").str("accessToken")
	other.login("o-welcome-new")
	s.login("o-welcome-veteran")
	mine := func(token string) []any {
		r := s.call("GET", "/v1/shop/coupons", token, nil)
		expect(t, r, 200, "")
		cs, _ := r.body["coupons"].([]any)
		return cs
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(mine(fresh)) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // every event of the three logins has been dispatched by now
	if cs := mine(fresh); len(cs) != 1 || cs[0].(map[string]any)["name"] != "新人立减3元" {
		t.Fatalf("the new shopper holds %v", cs)
	}
	if cs := mine(veteran); len(cs) != 0 {
		t.Fatalf("a shopper from before holds %v", cs)
	}
}
