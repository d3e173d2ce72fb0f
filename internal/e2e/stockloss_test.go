package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/testenv"
)

// Redis loses a batch's counters in the middle of a sale. Checkout answers UNAVAILABLE while
// the counters are rebuilt from PostgreSQL, then sells on; exactly the quota is sold, and Redis
// and PostgreSQL agree at the end.
func TestStockRebuiltAfterRedisLoss(t *testing.T) {
	t.Setenv("GROUPBUY_CHECKOUT_DEADLINE", "1s")
	s := start(t)
	cell := s.serveGrid(square, "人民广场")
	_, leader := s.becomeLeader("o-e2e-loss-leader", offset(square, 80, 80), "")
	leaderID := fmt.Sprint(leader.body["id"])
	const quota, shoppers = 150, 300
	batchID, itemID := s.coBatch("草莓团", s.coSKU("丹东草莓"), 2990, quota, 0, []string{cell}, 2*time.Second)

	tokens := make([]string, shoppers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tok, err := s.coShopper(fmt.Sprintf("o-e2e-loss-%04d", i), leaderID)
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	s.coWaitOpen(batchID, 30*time.Second)

	var sold, soldOut, retries atomic.Int64
	var wipeOnce sync.Once
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, n, err := coOrder(s.api, tok, map[string]any{"idempotencyKey": fmt.Sprintf("loss-%04d", i),
				"batchId": batchID, "lines": []map[string]any{{"itemId": itemID, "quantity": 1, "priceFen": 2990}}})
			retries.Add(int64(n))
			switch {
			case err != nil:
				t.Error(err)
			case r.status == 200:
				if sold.Add(1) == quota/2 {
					wipeOnce.Do(func() { wipeBatch(t, s, batchID) })
				}
			case r.reason() == "SOLD_OUT":
				soldOut.Add(1)
			default:
				t.Errorf("order %d: %d %s", i, r.status, r.raw)
			}
		}()
	}
	wg.Wait()
	t.Logf("sold %d, sold out %d, retries while rebuilding %d", sold.Load(), soldOut.Load(), retries.Load())
	if sold.Load() != quota || soldOut.Load() != shoppers-quota {
		t.Fatalf("sold %d and refused %d; want %d and %d", sold.Load(), soldOut.Load(), quota, shoppers-quota)
	}
	var units int64
	if err := s.db.QueryRow(`SELECT coalesce(sum(quantity), 0) FROM order_lines`).Scan(&units); err != nil {
		t.Fatal(err)
	}
	if units != quota {
		t.Fatalf("the database holds %d units, want %d", units, quota)
	}
	if left := s.coRemaining(tokens[0], batchID, itemID); left != 0 {
		t.Fatalf("the shop shows %d left after selling out", left)
	}
	report := s.call("POST", "/v1/ops/batches/"+batchID+"/stock/rebuild", s.ops(), "{}")
	expect(t, report, 200, "")
	items, _ := report.body["items"].([]any)
	if len(items) != 1 || coInt(items[0].(map[string]any)["taken"]) != quota || coInt(items[0].(map[string]any)["remaining"]) != 0 {
		t.Fatalf("rebuild report: %s", report.raw)
	}
}

// wipeBatch deletes every Redis key of the batch under this stack's prefix, as a Redis failover
// without persistence would.
func wipeBatch(t *testing.T, s *stack, batchID string) {
	rdb, _ := testenv.Redis(t)
	prefix := ""
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "GROUPBUY_REDIS_KEY_PREFIX="); ok {
			prefix = v
		}
	}
	if prefix == "" {
		t.Error("no Redis key prefix in the stack's environment")
		return
	}
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, prefix+"*{batch:"+batchID+"}*").Result()
	if err != nil || len(keys) == 0 {
		t.Errorf("batch keys under %q: %v, %v", prefix, keys, err)
		return
	}
	if err := rdb.Del(ctx, keys...).Err(); err != nil {
		t.Error(err)
	}
	t.Logf("wiped %d keys of batch %s", len(keys), batchID)
}
