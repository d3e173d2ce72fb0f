package settlement

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// A batch never holds two items paying from one order: the later waits, in its order.
func TestDisjointKeepsItemsOfOneOrderApart(t *testing.T) {
	item := func(id, order int64, sources ...int64) finishReq {
		it := &Item{ID: id, OrderID: order}
		for _, s := range sources {
			it.Shares = append(it.Shares, Share{SourceOrderID: s})
		}
		return finishReq{it: it}
	}
	queue := []finishReq{
		item(1, 10, 10),
		item(2, 20, 20, 10), // carries a share of order 10: waits for item 1
		item(3, 30, 30),
		item(4, 10),     // the same order again (a claim taken again): waits
		item(5, 40, 50), // pays from 50
		item(6, 50),     // order 50 is item 5's source: waits
		item(7, 60),
	}
	ids := func(rs []finishReq) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.it.ID)
		}
		return out
	}
	batch, rest := disjoint(queue, 64)
	if got := ids(batch); !slices.Equal(got, []int64{1, 3, 5, 7}) {
		t.Fatalf("batch = %v", got)
	}
	if got := ids(rest); !slices.Equal(got, []int64{2, 4, 6}) {
		t.Fatalf("rest = %v", got)
	}
	batch, rest = disjoint(queue, 2)
	if got, left := ids(batch), ids(rest); !slices.Equal(got, []int64{1, 3}) || !slices.Equal(left, []int64{2, 4, 5, 6, 7}) {
		t.Fatalf("batch of 2 = %v, rest %v", got, left)
	}
}

// A finish batch whose orders would not fit in one statement is refused with the reason.
func TestFinishBatchIsBounded(t *testing.T) {
	cfg := Config{FreezeWindow: 30 * 24 * time.Hour, FinishBatch: MaxFinishBatch}
	if err := cfg.Check(); err != nil {
		t.Fatalf("finish_batch %d: %v", cfg.FinishBatch, err)
	}
	cfg.FinishBatch = 2000
	err := cfg.Check()
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "finish_batch 2000") {
		t.Fatalf("finish_batch 2000: %v, want ErrInvalidConfig naming it", err)
	}
}
