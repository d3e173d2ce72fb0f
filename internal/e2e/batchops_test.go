package e2e

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/testenv"
)

// A batch whose pickup date plus the after-sales window lies past WeChat Pay's freeze window can
// never pay its commission: it is refused with the latest pickup date allowed, and nothing is
// saved.
func TestBatchPickupTooLateForSettlement(t *testing.T) {
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	skuID := s.coSKU("赣南脐橙")
	// A week from now at 10:00 in Beijing: batches open at most a year ahead.
	beijing := time.FixedZone("CST", 8*3600)
	week := time.Now().In(beijing).AddDate(0, 0, 7)
	opens := time.Date(week.Year(), week.Month(), week.Day(), 10, 0, 0, 0, beijing)
	day := func(days int) string { return opens.AddDate(0, 0, days).Format(time.DateOnly) }
	in := func(pickup string) map[string]any {
		return map[string]any{
			"title": "脐橙预售", "opensAt": opens.Format(time.RFC3339), "cutoffAt": opens.Add(48 * time.Hour).Format(time.RFC3339),
			"pickupDate": pickup, "gridCells": []string{cell},
			"items": []map[string]any{{"skuId": skuID, "priceFen": 2990, "quota": 100, "perShopperLimit": 0, "commissionBp": 1000,
				"referenceBasis": "厂商建议零售价"}}, // a new SKU: no sales behind its list price
		}
	}
	// Freeze window 30 days from opening at 10:00, less 48 h after-sales and a 2-day margin:
	// pickups must end 26 days after opening at 10:00, so the 25th day is the last whole one.
	late := s.call("POST", "/v1/ops/batches", s.ops(), in(day(26)))
	expect(t, late, 400, "INVALID_ARGUMENT")
	if meta, _ := late.body["metadata"].(map[string]any); meta["latest_pickup_date"] != day(25) || meta["field"] != "pickup_date" {
		t.Fatalf("refusal does not name the latest pickup date: %s", late.raw)
	}
	if n := s.count("batches"); n != 0 {
		t.Fatalf("a refused batch was saved (%d batches)", n)
	}
	ok := s.call("POST", "/v1/ops/batches", s.ops(), in(day(25)))
	expect(t, ok, 200, "")
	expect(t, s.call("POST", fmt.Sprintf("/v1/ops/batches/%v/schedule", ok.body["id"]), s.ops(), "{}"), 200, "")
}

// A list price (划线价) that no sale of the 7 days before opening backs cannot be scheduled: the
// refusal is 400 INVALID_ARGUMENT on items.list_price naming the SKU, and the batch stays a
// draft; with a basis stated (a draft edit) it is scheduled and its list price shown with it.
func TestBatchListPriceNeedsSalesOrABasis(t *testing.T) {
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	skuID := s.coSKU("赣南脐橙")
	opens := time.Now().Add(time.Hour).UTC()
	in := func(basis string) map[string]any {
		return map[string]any{
			"title": "脐橙预售", "opensAt": opens.Format(time.RFC3339), "cutoffAt": opens.Add(48 * time.Hour).Format(time.RFC3339),
			"pickupDate": opens.Add(72 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly),
			"gridCells":  []string{cell},
			"items": []map[string]any{{"skuId": skuID, "priceFen": 2990, "quota": 100, "commissionBp": 1000,
				"referenceBasis": basis}},
		}
	}
	draft := s.call("POST", "/v1/ops/batches", s.ops(), in(""))
	expect(t, draft, 200, "")
	id := fmt.Sprint(draft.body["id"])
	refused := s.call("POST", "/v1/ops/batches/"+id+"/schedule", s.ops(), "{}")
	expect(t, refused, 400, "INVALID_ARGUMENT")
	msg, _ := refused.body["message"].(string)
	if meta, _ := refused.body["metadata"].(map[string]any); meta["field"] != "items.list_price" ||
		!strings.Contains(msg, fmt.Sprintf("SKU %v", skuID)) || !strings.Contains(msg, "no transactions in the 7 days before") {
		t.Fatalf("refusal does not name the item and the missing sales: %s", refused.raw)
	}
	if st := s.call("GET", "/v1/ops/batches/"+id, s.ops(), nil); st.str("status") != "draft" {
		t.Fatalf("refused batch is %q", st.str("status"))
	}
	expect(t, s.call("PUT", "/v1/ops/batches/"+id, s.ops(), in("厂商建议零售价")), 200, "")
	ok := s.call("POST", "/v1/ops/batches/"+id+"/schedule", s.ops(), "{}")
	expect(t, ok, 200, "")
	items, _ := ok.body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("scheduled batch: %s", ok.raw)
	}
	if it, _ := items[0].(map[string]any); it["listPriceShown"] != true || it["referenceBasis"] != "厂商建议零售价" {
		t.Errorf("scheduled item: %v", it)
	}
}

// A batch scheduled to open at once takes its first order as soon as it is open: its stock was
// loaded before it opened, and no rebuild pauses the sale (no 503 UNAVAILABLE).
func TestBatchOpeningNowTakesOrdersAtOnce(t *testing.T) {
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	_, leader := s.becomeLeader("o-e2e-open-leader", offset(square, 100, 100), "")
	tok, err := s.coShopper("o-e2e-open-shopper", fmt.Sprint(leader.body["id"]))
	if err != nil {
		t.Fatal(err)
	}
	batchID, itemID := s.coBatch("草莓即时开团", s.coSKU("丹东草莓"), 2990, 50, 0, []string{cell}, 0)
	// Scheduling answered: the counters are in Redis already, before the scheduler can open it.
	if got := stockCount(t, s, batchID, itemID); got != "50" {
		t.Fatalf("stock of item %s right after scheduling: %q, want 50", itemID, got)
	}
	s.coWaitOpen(batchID, 15*time.Second)
	bid, _ := strconv.ParseInt(batchID, 10, 64)
	iid, _ := strconv.ParseInt(itemID, 10, 64)
	r, err := coTry(s.api, "POST", "/v1/shop/orders", tok, map[string]any{"idempotencyKey": "open-at-once", "batchId": bid,
		"lines": []map[string]any{{"itemId": iid, "quantity": 3, "priceFen": 2990}}})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, r, 200, "")
	if left := s.coRemaining(tok, batchID, itemID); left != 47 {
		t.Fatalf("the shop shows %d left, want 47", left)
	}

	// Ops see the same figure in the batch, and the live stock beside the database's.
	view := s.call("GET", "/v1/ops/batches/"+batchID, s.ops(), nil)
	expect(t, view, 200, "")
	if items, _ := view.body["items"].([]any); len(items) != 1 || coInt(items[0].(map[string]any)["remaining"]) != 47 {
		t.Fatalf("ops batch view: %s", view.raw)
	}
	st := s.call("GET", "/v1/ops/batches/"+batchID+"/stock", s.ops(), nil)
	expect(t, st, 200, "")
	items, _ := st.body["items"].([]any)
	if len(items) != 1 || st.body["agrees"] != true || st.str("status") != "open" {
		t.Fatalf("stock view: %s", st.raw)
	}
	it := items[0].(map[string]any)
	if coInt(it["quota"]) != 50 || coInt(it["pending"]) != 3 || coInt(it["sold"]) != 0 || coInt(it["reserved"]) != 3 ||
		coInt(it["remaining"]) != 47 || it["loaded"] != true || it["agrees"] != true {
		t.Fatalf("stock view item: %s", st.raw)
	}
	expect(t, s.call("GET", "/v1/ops/batches/"+batchID+"/stock", tok, nil), 403, "FORBIDDEN")
	expect(t, s.call("GET", "/v1/ops/batches/999999/stock", s.ops(), nil), 404, "NOT_FOUND")
}

// stockCount reads an item's count in the batch's Redis stock hash under this stack's prefix
// ("" when it has none).
func stockCount(t *testing.T, s *stack, batchID, itemID string) string {
	t.Helper()
	rdb, _ := testenv.Redis(t)
	prefix := ""
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "GROUPBUY_REDIS_KEY_PREFIX="); ok {
			prefix = v
		}
	}
	if prefix == "" {
		t.Fatal("no Redis key prefix in the stack's environment")
	}
	v, err := rdb.HGet(context.Background(), prefix+"{batch:"+batchID+"}:stock", itemID).Result()
	if errors.Is(err, redis.Nil) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}
