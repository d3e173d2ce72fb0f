package stock_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/groupbuy/groupbuy/internal/data/stock"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

func newStore(t *testing.T) *stock.Store {
	rdb, prefix := testenv.Redis(t)
	return stock.NewStore(rdb, prefix)
}

// Many shoppers racing for one item never take more than its quota, and each keeps its limit.
func TestNoOversellUnderConcurrency(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.Load(ctx, 1, map[int64]int64{10: 100}); err != nil {
		t.Fatal(err)
	}
	var won, soldOut, limited atomic.Int64
	var wg sync.WaitGroup
	for shopper := range int64(400) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := range int64(3) { // each shopper tries three orders of 1, limit 2
				err := s.Reserve(ctx, 1, shopper*10+attempt, shopper, []stock.Line{{ItemID: 10, Qty: 1, Limit: 2}})
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, stock.ErrSoldOut):
					soldOut.Add(1)
				case errors.Is(err, stock.ErrLimitExceeded):
					limited.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	left, err := s.Remaining(ctx, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if won.Load() != 100 || left[10] != 0 {
		t.Fatalf("%d units reserved, %d left; want 100 and 0", won.Load(), left[10])
	}
	if won.Load()+soldOut.Load()+limited.Load() != 1200 {
		t.Fatalf("answers do not add up: %d won, %d sold out, %d limited", won.Load(), soldOut.Load(), limited.Load())
	}
}

// An order of several lines takes all of them or none.
func TestReserveIsAllOrNothing(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	_ = s.Load(ctx, 2, map[int64]int64{1: 5, 2: 1})
	err := s.Reserve(ctx, 2, 100, 7, []stock.Line{{ItemID: 1, Qty: 3}, {ItemID: 2, Qty: 2}})
	var ie *stock.ItemError
	if !errors.As(err, &ie) || ie.ItemID != 2 || !errors.Is(err, stock.ErrSoldOut) {
		t.Fatalf("reserve beyond item 2's stock: %v", err)
	}
	if left, _ := s.Remaining(ctx, 2, 1, 2); left[1] != 5 || left[2] != 1 {
		t.Fatalf("a refused order took stock: %v", left)
	}
	if err := s.Reserve(ctx, 2, 101, 7, []stock.Line{{ItemID: 3, Qty: 1}}); !errors.Is(err, stock.ErrNotLoaded) {
		t.Fatalf("unknown item: %v", err)
	}
}

// A retried reservation takes nothing more; a release gives back once and frees the limit.
func TestReserveAndReleaseAreIdempotent(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	_ = s.Load(ctx, 3, map[int64]int64{1: 10})
	line := []stock.Line{{ItemID: 1, Qty: 2, Limit: 2}}
	for range 3 {
		if err := s.Reserve(ctx, 3, 500, 9, line); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := s.Remaining(ctx, 3, 1); left[1] != 8 {
		t.Fatalf("retries took stock again: %d left", left[1])
	}
	if err := s.Reserve(ctx, 3, 501, 9, line); !errors.Is(err, stock.ErrLimitExceeded) {
		t.Fatalf("second order over the limit: %v", err)
	}
	for i, want := range []bool{true, false} {
		released, err := s.Release(ctx, 3, 500, 9)
		if err != nil || released != want {
			t.Fatalf("release #%d = %v, %v; want %v", i+1, released, err, want)
		}
	}
	if left, _ := s.Remaining(ctx, 3, 1); left[1] != 10 {
		t.Fatalf("after release %d left, want 10", left[1])
	}
	if err := s.Reserve(ctx, 3, 502, 9, line); err != nil {
		t.Fatalf("the limit was not freed by the release: %v", err)
	}
}

func TestBadLinesAreRefusedBeforeRedis(t *testing.T) {
	s := newStore(t)
	for _, lines := range [][]stock.Line{
		nil,
		{{ItemID: 1, Qty: 0}},
		{{ItemID: 1, Qty: -1}},
		{{ItemID: 1, Qty: 1}, {ItemID: 1, Qty: 1}},
	} {
		if err := s.Reserve(t.Context(), 4, 1, 1, lines); err == nil {
			t.Errorf("lines %v accepted", lines)
		}
	}
}

// An order id reused with other lines or by another shopper is refused and changes nothing; a
// release by the wrong shopper gives nothing back.
func TestOrderIDsCannotBeConfused(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	_ = s.Load(ctx, 5, map[int64]int64{1: 10})
	if err := s.Reserve(ctx, 5, 1, 7, []stock.Line{{ItemID: 1, Qty: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, 5, 1, 7, []stock.Line{{ItemID: 1, Qty: 3}}); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("same order, other lines: %v", err)
	}
	if err := s.Reserve(ctx, 5, 1, 8, []stock.Line{{ItemID: 1, Qty: 2}}); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("same order, other shopper: %v", err)
	}
	if _, err := s.Release(ctx, 5, 1, 8); !errors.Is(err, stock.ErrOrderMismatch) {
		t.Fatalf("release by another shopper: %v", err)
	}
	if left, _ := s.Remaining(ctx, 5, 1); left[1] != 8 {
		t.Fatalf("%d left, want 8", left[1])
	}
	if ok, err := s.Release(ctx, 5, 1, 7); !ok || err != nil {
		t.Fatalf("release by the owner: %v, %v", ok, err)
	}
	if left, _ := s.Remaining(ctx, 5, 1); left[1] != 10 {
		t.Fatalf("%d left after release, want 10", left[1])
	}
}
