package stock_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/data/stock"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// scriptCalls records the keys of every script the client runs (EVAL, EVALSHA and their _RO
// forms: "evalsha", sha, numkeys, keys…, args…).
type scriptCalls struct {
	mu   sync.Mutex
	keys [][]string
}

func (h *scriptCalls) record(cmd redis.Cmder) {
	args := cmd.Args()
	name, _ := args[0].(string)
	if !strings.HasPrefix(strings.ToLower(name), "eval") || len(args) < 3 {
		return
	}
	n, err := strconv.Atoi(fmt.Sprint(args[2]))
	if err != nil || len(args) < 3+n {
		return
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint(args[3+i])
	}
	h.mu.Lock()
	h.keys = append(h.keys, keys)
	h.mu.Unlock()
}

func (h *scriptCalls) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *scriptCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.record(cmd)
		return next(ctx, cmd)
	}
}

func (h *scriptCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.record(c)
		}
		return next(ctx, cmds)
	}
}

// The keys of every script the store runs hash to one slot, as the cluster computes it: each
// script is then atomic on one node of a Redis Cluster. The keys of different batches spread
// over the slots.
func TestScriptKeysShareASlot(t *testing.T) {
	rdb, prefix := testenv.RedisIn(t, testenv.ClusterRedis)
	calls := &scriptCalls{}
	rdb.AddHook(calls)
	s := stock.NewStore(rdb, prefix)
	ctx := t.Context()
	for batch := int64(1); batch <= 3; batch++ {
		mustLoad(t, s, batch, map[int64]int64{10: 5, 11: 5})
		lines := []stock.Line{{ItemID: 10, Qty: 1}, {ItemID: 11, Qty: 2, Limit: 3}}
		if err := s.Reserve(ctx, batch, token(7, batch), 7, lines); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReserveOnce(ctx, batch, token(8, batch), 8, lines); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Release(ctx, batch, token(7, batch), 7); err != nil {
			t.Fatal(err)
		}
		if err := s.Pause(ctx, batch, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Drop(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if len(calls.keys) < 9 {
		t.Fatalf("saw %d script calls, want at least 9 (reserve, reserve once and release of 3 batches)", len(calls.keys))
	}
	batchSlots := map[int64]bool{}
	for _, keys := range calls.keys {
		var first int64 = -1
		for _, k := range keys {
			slot, err := rdb.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if first < 0 {
				first = slot
			}
			if slot != first {
				t.Fatalf("script keys %v hash to slots %d and %d", keys, first, slot)
			}
		}
		batchSlots[first] = true
	}
	if len(batchSlots) < 2 {
		t.Errorf("the keys of 3 batches all hash to one slot: a hash tag shared across batches puts every sale on one node")
	}
}
