package e2e

import (
	"fmt"
	"testing"
	"time"
)

// A shopper's mini-program posts its events over HTTP: stored once however often they are
// resent, attributed to its leader, refused with the event at fault or over the shopper's limit;
// an order placed from a shared link carries the share.
func TestShopEventsOverHTTP(t *testing.T) {
	s := startWith(t, options{env: []string{"GROUPBUY_EVENTS_RATE_LIMIT=100"}})
	cell := s.serveGrid(square, "人民广场")
	_, leader := s.becomeLeader("o-e2e-events-leader", offset(square, 100, 100), "")
	leaderID := fmt.Sprint(leader.body["id"])
	skuID := s.coSKU("阳山水蜜桃")
	batchID, itemID := s.coBatch("今日团购", skuID, 3990, 100, 5, []string{cell}, 2*time.Second)
	shopper, err := s.coShopper("o-e2e-events-shopper", leaderID)
	if err != nil {
		t.Fatal(err)
	}

	events := []map[string]any{
		{"clientEventId": "pv-1", "kind": "page_view", "session": "visit-1", "batchId": batchID},
		{"clientEventId": "cart-1", "kind": "add_to_cart", "session": "visit-1", "batchId": batchID, "itemId": itemID,
			"clientAt": time.Now().UTC().Format(time.RFC3339)},
		{"clientEventId": "share-1", "kind": "share", "shareKey": "sk-e2e-1", "batchId": batchID},
	}
	body := map[string]any{"events": events}
	first := s.call("POST", "/v1/shop/events", shopper, body)
	expect(t, first, 200, "")
	if first.body["accepted"] != float64(3) || first.body["duplicates"] != float64(0) {
		t.Fatalf("first post: %s", first.raw)
	}
	resent := s.call("POST", "/v1/shop/events", shopper, body)
	expect(t, resent, 200, "")
	if resent.body["accepted"] != float64(0) || resent.body["duplicates"] != float64(3) {
		t.Fatalf("resend: %s", resent.raw)
	}
	var attributed int
	if err := s.db.QueryRow(`SELECT count(*) FROM shopper_events WHERE leader_id = $1 AND grid_cell = $2`,
		leaderID, cell).Scan(&attributed); err != nil || attributed != 3 || s.count("shopper_events") != 3 {
		t.Fatalf("%d of %d events attributed to the leader (%v)", attributed, s.count("shopper_events"), err)
	}

	bad := s.call("POST", "/v1/shop/events", shopper, map[string]any{"events": []map[string]any{
		{"clientEventId": "ok-1", "kind": "page_view", "session": "v", "batchId": batchID},
		{"clientEventId": "open-1", "kind": "share_open"}}})
	expect(t, bad, 400, "EVENT_INVALID")
	if md, _ := bad.body["metadata"].(map[string]any); md["index"] != "1" || md["field"] != "share_key" {
		t.Errorf("EVENT_INVALID names %s", bad.raw)
	}
	expect(t, s.call("POST", "/v1/shop/events", shopper, map[string]any{"events": []map[string]any{
		{"clientEventId": "x", "kind": "click"}}}), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/shop/events", shopper, map[string]any{"events": []map[string]any{}}), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/shop/events", "", body), 401, "UNAUTHENTICATED")
	expect(t, s.call("POST", "/v1/shop/events", s.ops(), body), 403, "FORBIDDEN")

	// The limit is 100 events a minute: 3 + 3 resent + 2 refused for an unknown leader are counted.
	many := make([]map[string]any, 100)
	for i := range many {
		many[i] = map[string]any{"clientEventId": fmt.Sprintf("burst-%d", i), "kind": "page_view", "session": "v2", "batchId": batchID}
	}
	limited := s.call("POST", "/v1/shop/events", shopper, map[string]any{"events": many})
	expect(t, limited, 429, "EVENTS_RATE_LIMITED")
	if md, _ := limited.body["metadata"].(map[string]any); md["retry_after_seconds"] == nil {
		t.Errorf("no retry_after_seconds: %s", limited.raw)
	}
	if n := s.count("shopper_events"); n != 3 {
		t.Fatalf("%d events stored after refusals, want 3", n)
	}

	s.coWaitOpen(batchID, 15*time.Second)
	line := []map[string]any{{"itemId": itemID, "quantity": 1, "priceFen": 3990}}
	expect(t, s.call("POST", "/v1/shop/orders", shopper, map[string]any{"idempotencyKey": "share-order-0",
		"batchId": batchID, "lines": line, "shareKey": "has space"}), 400, "INVALID_ARGUMENT")
	placed := s.call("POST", "/v1/shop/orders", shopper, map[string]any{"idempotencyKey": "share-order-1",
		"batchId": batchID, "lines": line, "shareKey": "sk-e2e-1"})
	expect(t, placed, 200, "")
	var share string
	if err := s.db.QueryRow(`SELECT share_key FROM orders WHERE id = $1`, placed.body["id"]).Scan(&share); err != nil || share != "sk-e2e-1" {
		t.Fatalf("the order's share_key is %q (%v)", share, err)
	}
}
