package data_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	bizpay "github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// workFor runs uc.Work until until() holds (failing after a minute), then stops it and returns
// when Work has returned. Work's errors fail the test.
func (e *stEnv) workFor(t *testing.T, uc *settlement.Usecase, until func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- uc.Work(ctx, 10*time.Millisecond, func(err error) { t.Errorf("work: %v", err) }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for deadline := time.Now().Add(time.Minute); !until(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("work did not get there within a minute")
		}
	}
}

// countItems counts the run's items in state.
func (e *stEnv) countItems(t *testing.T, runID int64, state settlement.ItemState) int {
	n := 0
	for _, it := range e.items(t, runID) {
		if it.State == state {
			n++
		}
	}
	return n
}

// Within Work, an item WeChat accepted waits in memory for its query instead of being saved as
// processing and claimed again: each item is claimed once, requested once and queried once.
func TestSettlementWorkQueriesAcceptedItemsWithoutClaimingThemAgain(t *testing.T) {
	t.Parallel()
	const n = 10
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, n)
	claims := &claimLog{Store: e.store}
	uc := e.groupUsecase(&postLog{book: e.book}, claims)
	r := e.start(t, uc)
	creates, queries := e.sim.Calls(wxsim.OpSharingCreateOrder), e.sim.Calls(wxsim.OpSharingQueryOrder)
	e.workFor(t, uc, func() bool {
		e.clock.Advance(10 * time.Millisecond) // items saved as processing would come due again
		return e.countItems(t, r.ID, settlement.ItemFinished) == n
	})
	for _, it := range e.items(t, r.ID) {
		if it.Attempts != 1 {
			t.Errorf("item %d: %d attempts, want the one claim", it.ID, it.Attempts)
		}
	}
	if got := len(claims.claimed); got != n {
		t.Errorf("%d items claimed, want each of the %d once", got, n)
	}
	if got := e.sim.Calls(wxsim.OpSharingCreateOrder) - creates; got != n {
		t.Errorf("%d requests, want %d", got, n)
	}
	if got := e.sim.Calls(wxsim.OpSharingQueryOrder) - queries; got != n {
		t.Errorf("%d queries, want %d", got, n)
	}
	e.checkGroupBooks(t, r.ID)
}

// Items held for their query when Work stops are saved as processing, due when their query
// was, with WeChat's order id; the next worker queries them and pays each once.
func TestSettlementWorkSavesHeldItemsWhenItStops(t *testing.T) {
	t.Parallel()
	const n = 6
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, n)
	e.cfg.PollAfter, e.cfg.Lease = time.Hour, 2*time.Hour // held far beyond the test
	answered := &answeredCreates{ProfitSharing: e.client}
	cfg := e.cfg
	cfg.FinishBatch = 64
	uc := settlement.NewUsecase(e.store, answered, e.book, e.data, cfg, e.clock.Now)
	r := e.start(t, uc)
	creates := e.sim.Calls(wxsim.OpSharingCreateOrder)
	e.workFor(t, uc, func() bool { return answered.n.Load() == n })
	accepted := e.clock.Now()
	for _, it := range e.items(t, r.ID) {
		if it.State != settlement.ItemProcessing || it.WeChatOrderID == "" || it.Attempts != 1 ||
			it.NextAttemptAt.Before(accepted.Add(time.Hour-time.Minute)) {
			t.Errorf("item %d after the stop: %s, order %q, attempt %d, due %v (accepted about %v)",
				it.ID, it.State, it.WeChatOrderID, it.Attempts, it.NextAttemptAt, accepted)
		}
	}
	e.clock.Advance(time.Hour)
	queries := e.sim.Calls(wxsim.OpSharingQueryOrder)
	e.workFor(t, uc, func() bool { return e.countItems(t, r.ID, settlement.ItemFinished) == n })
	if got := e.sim.Calls(wxsim.OpSharingCreateOrder) - creates; got != n {
		t.Errorf("%d requests, want %d: a held item was requested again", got, n)
	}
	if got := e.sim.Calls(wxsim.OpSharingQueryOrder) - queries; got != n {
		t.Errorf("%d queries after the restart, want %d", got, n)
	}
	e.checkGroupBooks(t, r.ID)
}

// answeredCreates counts the profit-sharing requests WeChat answered.
type answeredCreates struct {
	bizpay.ProfitSharing
	n atomic.Int64
}

func (a *answeredCreates) CreateOrder(ctx context.Context, in bizpay.SharingInput) (bizpay.SharingOrder, error) {
	o, err := a.ProfitSharing.CreateOrder(ctx, in)
	if err == nil {
		a.n.Add(1)
	}
	return o, err
}
