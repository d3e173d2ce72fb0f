package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// What the shop answers a shopper carries no terms between the platform and its leaders: no
// commission rate, no quota, at any depth of any shop response.
func TestShopHidesLeaderTerms(t *testing.T) {
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	_, leader := s.becomeLeader("o-e2e-terms-leader", offset(square, 100, 100), "")
	skuID := s.coSKU("阳山水蜜桃")
	batchID, itemID := s.coBatch("今日团购", skuID, 3990, 100, 5, []string{cell}, 2*time.Second)
	s.coWaitOpen(batchID, 15*time.Second)
	shopper, err := s.coShopper("o-e2e-terms-shopper", fmt.Sprint(leader.body["id"]))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.coRemaining(shopper, batchID, itemID); got != 100 {
		t.Fatalf("shop shows %d remaining, want 100", got)
	}
	order := s.call("POST", "/v1/shop/orders", shopper, map[string]any{"idempotencyKey": "terms-order-1",
		"batchId": batchID, "lines": []map[string]any{{"itemId": itemID, "quantity": 1, "priceFen": 3990}}})
	expect(t, order, 200, "")

	for _, path := range []string{"/v1/shop/batches", "/v1/shop/orders", "/v1/shop/orders/" + fmt.Sprint(order.body["id"])} {
		r := s.call("GET", path, shopper, nil)
		expect(t, r, 200, "")
		if leaked := leaderTerms(r.body, ""); len(leaked) > 0 {
			t.Errorf("GET %s shows leader terms %v: %s", path, leaked, r.raw)
		}
	}
}

// leaderTerms lists the JSON paths under v whose key names a commission or a quota.
func leaderTerms(v any, path string) []string {
	var found []string
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			p := path + "." + k
			if lk := strings.ToLower(k); strings.Contains(lk, "commission") || strings.Contains(lk, "quota") {
				found = append(found, p)
			}
			found = append(found, leaderTerms(child, p)...)
		}
	case []any:
		for i, child := range v {
			found = append(found, leaderTerms(child, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return found
}
