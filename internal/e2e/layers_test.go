package e2e

import (
	"testing"
)

// The layer and targeting operations are served with their roles: a shopper reports accepted
// subscription templates (only those configured), ops read snapshots and send, and nobody else.
func TestShopperLayersOverHTTP(t *testing.T) {
	s := start(t)
	shopper := s.login("o-e2e-layers").str("accessToken")

	mine := s.call("GET", "/v1/shop/subscriptions", shopper, nil)
	expect(t, mine, 200, "")
	if list, _ := mine.body["templates"].([]any); len(list) != 0 {
		t.Fatalf("templates with none configured: %s", mine.raw)
	}
	report := map[string]any{"requestId": "req-e2e-0001", "templateIds": []string{"tmpl-not-configured"}}
	expect(t, s.call("POST", "/v1/shop/subscriptions", shopper, report), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/shop/subscriptions", shopper, map[string]any{"requestId": "x", "templateIds": []string{"t"}}),
		400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/shop/subscriptions", "", report), 401, "UNAUTHENTICATED")

	// A day long before the server's first snapshot (it takes the last days' at start).
	ops := s.ops()
	snaps := s.call("GET", "/v1/ops/shopper-layers", ops, nil)
	expect(t, snaps, 200, "")
	expect(t, s.call("GET", "/v1/ops/shopper-layers/2020-01-06", ops, nil), 404, "NOT_FOUND")
	expect(t, s.call("GET", "/v1/ops/shopper-layers/2026-13-06", ops, nil), 400, "INVALID_ARGUMENT")
	send := map[string]any{"day": "2020-01-06", "layer": "dormant", "gridCell": "872830820ffffff", "couponTemplateId": 1}
	expect(t, s.call("POST", "/v1/ops/targeted-sends", ops, send), 404, "NOT_FOUND")
	both := map[string]any{"day": "2020-01-06", "layer": "dormant", "gridCell": "872830820ffffff"}
	expect(t, s.call("POST", "/v1/ops/targeted-sends", ops, both), 400, "INVALID_ARGUMENT")
	bad := map[string]any{"day": "2020-01-06", "layer": "vip", "gridCell": "872830820ffffff", "couponTemplateId": 1}
	expect(t, s.call("POST", "/v1/ops/targeted-sends", ops, bad), 400, "INVALID_ARGUMENT")
	expect(t, s.call("GET", "/v1/ops/targeted-sends", ops, nil), 200, "")
	expect(t, s.call("GET", "/v1/ops/targeted-sends/1", ops, nil), 404, "NOT_FOUND")

	expect(t, s.call("GET", "/v1/ops/shopper-layers", shopper, nil), 403, "FORBIDDEN")
	expect(t, s.call("POST", "/v1/ops/targeted-sends", shopper, send), 403, "FORBIDDEN")
	expect(t, s.call("GET", "/v1/ops/targeted-sends", "", nil), 401, "UNAUTHENTICATED")
}
