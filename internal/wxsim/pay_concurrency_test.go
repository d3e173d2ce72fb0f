package wxsim_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// Many payers and settlement workers at once, each step raced against its own retry: every
// order is paid once, shared once, and notified once.
func TestConcurrentPayAndShare(t *testing.T) {
	h := newPayHarness(t)
	h.addReceiver(openidReceiver, leaderID, "")
	const orders = 12
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
		paid     atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, err)
	}
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.payAndShareRacing(fmt.Sprintf("ORDER-X%03d", i), &paid); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	if paid.Load() != orders {
		t.Errorf("%d payments succeeded, want %d", paid.Load(), orders)
	}
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", orders)
	if len(notes) != orders {
		t.Errorf("%d payment notifications, want %d", len(notes), orders)
	}
	for i := range orders {
		tx, err := h.sim.Transaction(fmt.Sprintf("ORDER-X%03d", i))
		if err != nil || tx.Shared != 1000 || tx.Unsplit != 9000 {
			t.Errorf("order %d: %+v %v", i, tx, err)
		}
	}
}

// payAndShareRacing prepays twice, pays twice and shares twice, each pair at once.
func (h *payHarness) payAndShareRacing(no string, paid *atomic.Int64) error {
	ctx := context.Background()
	var prepayIDs [2]string
	var errs [2]error
	twice(func(k int) {
		resp, _, err := h.jsapi.Prepay(ctx, h.prepayRequest(no, 10000, true))
		if err == nil {
			prepayIDs[k] = *resp.PrepayId
		}
		errs[k] = err
	})
	if err := errors.Join(errs[:]...); err != nil || prepayIDs[0] != prepayIDs[1] {
		return fmt.Errorf("%s prepay: %v: %w", no, prepayIDs, err)
	}
	var txIDs [2]string
	twice(func(k int) { txIDs[k], errs[k] = h.sim.Pay(no) })
	txID := txIDs[0] + txIDs[1] // exactly one is set
	if (errs[0] == nil) == (errs[1] == nil) || txIDs[0] != "" && txIDs[1] != "" {
		return fmt.Errorf("%s paid twice or never: %v", no, errs)
	}
	paid.Add(1)
	var orderIDs [2]string
	twice(func(k int) {
		resp, err := h.share(txID, "SHARE-"+no, false, share{openidReceiver, leaderID, 1000})
		if err == nil {
			orderIDs[k] = *resp.OrderId
		}
		errs[k] = err
	})
	if err := errors.Join(errs[:]...); err != nil || orderIDs[0] != orderIDs[1] {
		return fmt.Errorf("%s share: %v: %w", no, orderIDs, err)
	}
	return nil
}

func twice(f func(k int)) {
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k)
		}()
	}
	wg.Wait()
}

// Exactly Count of many racing calls get an injected fault.
func TestConcurrentFaultsAreCountedExactly(t *testing.T) {
	h := newPayHarness(t)
	h.paid("ORDER-X100", 100, false)
	h.sim.FailPayNext(wxsim.OpPayQueryByOutTradeNo, wxsim.PayCodeFrequencyLimited, 0, 5)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.query("ORDER-X100"); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 5 {
		t.Errorf("%d calls failed, want 5", failed.Load())
	}
}
