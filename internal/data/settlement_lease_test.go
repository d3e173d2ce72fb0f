package data_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// gatePace lets the first create_order call through at once and holds every later one until
// open is closed, as a pace slowed down by FREQUENCY_LIMITED answers would; held hears of the
// first caller held.
type gatePace struct {
	passed atomic.Int32
	held   chan struct{}
	open   chan struct{}
}

func (g *gatePace) Wait(ctx context.Context, op pace.Op) error {
	if op != pace.CreateOrder || g.passed.Add(1) == 1 {
		return nil
	}
	select {
	case g.held <- struct{}{}:
	default:
	}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gatePace) Limited(context.Context, pace.Op) {}

// Claimed items that wait for the pace past their lease are not called: another worker's later
// claim has them, and calling them too would send each request twice.
func TestSettlementNoCallAfterTheLeaseIsSpent(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, 4)
	cfg := e.cfg
	cfg.Concurrency, cfg.ClaimBatch = 1, 4
	gate := &gatePace{held: make(chan struct{}, 1), open: make(chan struct{})}
	slow := settlement.NewPacedUsecase(e.store, e.client, e.book, e.data, cfg, e.clock.Now, gate)
	r := e.start(t, slow)
	done := make(chan error, 1)
	go func() {
		_, err := slow.WorkOnce(context.Background())
		done <- err
	}()
	<-gate.held // one item called, three queued behind the pace
	e.clock.Advance(cfg.Lease + 1)
	other := settlement.NewUsecase(e.store, e.client, e.book, e.data, cfg, e.clock.Now)
	// The 3 lapsed items, and the first, due to be polled.
	if n, err := other.WorkOnce(t.Context()); n != 4 || err != nil {
		t.Fatalf("the other worker's claim = %d, %v; want the 3 lapsed items and the first", n, err)
	}
	close(gate.open)
	err := <-done
	t.Logf("the slow worker: %v", err)
	for range 3 { // the answers still processing are polled
		e.clock.Advance(cfg.PollAfter + 1)
		if _, err := other.WorkOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if calls := e.sim.Calls(wxsim.OpSharingCreateOrder); calls != 4 {
		t.Errorf("%d create_order calls for 4 items: the lapsed claims were called too", calls)
	}
	for _, it := range e.items(t, r.ID) {
		if it.State != settlement.ItemFinished {
			t.Errorf("item %d is %s: %s", it.ID, it.State, it.LastError)
		}
	}
	e.checkGroupBooks(t, r.ID)
}
