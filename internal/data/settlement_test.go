package data_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent/commissionentry"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// A run over 1,000 transactions with random rates and partial refunds pays every leader at
// WeChat exactly what the ledger records as settled, to the fen, and leaves nothing settleable.
func TestSettlementRunPaysWhatTheLedgerSays(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("1,000 transactions")
	}
	e := newStEnv(t, 40, nil)
	r := rand.New(rand.NewPCG(7, 11))
	const n = 1000
	for i := range n {
		o := e.paidOrder(t, e.leaders[r.IntN(len(e.leaders))], 1+r.Int64N(4), randomBP(r), 0)
		if i%5 == 0 && o.Amount > 2500 {
			e.refund(t, o, 1)
		}
		e.complete(t, o)
	}
	v := e.settle(t, e.usecase())
	if v.Summary.Items != n || v.Summary.Failed != 0 || v.Summary.Expired != 0 || v.Summary.Active != 0 {
		t.Fatalf("summary = %+v", v.Summary)
	}
	paid := e.checkBooks(t)
	if paid == 0 || paid != v.Summary.Amount {
		t.Fatalf("paid %d, run summary %d", paid, v.Summary.Amount)
	}
	if left := e.db.CommissionEntry.Query().Where(commissionentry.StateEQ(commissionentry.StateSettleable)).CountX(t.Context()); left != 0 {
		t.Fatalf("%d entries still settleable", left)
	}
	if v.Summary.ByLevel[1] == 0 {
		t.Fatalf("no level-1 commission paid: %+v", v.Summary.ByLevel)
	}
	// A second run finds nothing: every transaction was shared or unfrozen.
	again := e.settle(t, e.usecase())
	if again.Summary.Items != 0 {
		t.Fatalf("second run took %d items", again.Summary.Items)
	}
	e.reconcileClean(t)
}

// reconcileClean reconciles today (Beijing) against WeChat's bills, out the next morning, and
// expects no difference.
func (e *stEnv) reconcileClean(t *testing.T) {
	t.Helper()
	day := e.clock.Now().In(bjtime.Zone)
	ready := time.Date(day.Year(), day.Month(), day.Day()+1, 10, 30, 0, 0, bjtime.Zone)
	e.sim.AdvanceClock(ready.Sub(e.sim.Now()))
	rep, err := e.built.Reconciler.Day(t.Context(), day)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean {
		for i, d := range rep.Differences {
			if i < 10 {
				t.Errorf("difference: %+v", d)
			}
		}
		t.Fatalf("reconciliation of %s: %d differences, counts %+v", day.Format(time.DateOnly), len(rep.Differences), rep.Counts)
	}
	t.Logf("reconciliation of %s clean: %+v", day.Format(time.DateOnly), rep.Counts)
}

// Thirty trials: a run is killed (its context cancelled) at a random moment, again and again,
// while WeChat answers SYSTEM_ERROR (before or after doing the work) or too late; a new worker (a restarted
// process) takes over once the dead one's lease runs out. Every trial ends with every leader
// paid exactly once what the ledger says, nothing left settleable and the trial balance zero.
func TestSettlementSurvivesKillsAndFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("30 trials")
	}
	e := newStEnv(t, 12, nil)
	r := rand.New(rand.NewPCG(3, 5))
	for trial := range 30 {
		for range 8 {
			o := e.paidOrder(t, e.leaders[r.IntN(len(e.leaders))], 1+r.Int64N(3), randomBP(r), 72*time.Hour)
			if r.IntN(4) == 0 && o.Amount > 2500 {
				e.refund(t, o, 1)
			}
			e.complete(t, o)
		}
		for _, op := range []string{wxsim.OpSharingCreateOrder, wxsim.OpSharingQueryOrder, wxsim.OpSharingUnfreeze} {
			if err := e.sim.InjectPayFault(randomFault(r, op)); err != nil {
				t.Fatal(err)
			}
		}
		uc := e.usecase()
		run, err := uc.Start(t.Context(), settlement.StartInput{Cutoff: e.clock.Now(), Trigger: settlement.TriggerFinance})
		if err != nil {
			t.Fatal(err)
		}
		for kill := 0; kill < 1+r.IntN(3); kill++ {
			ctx, cancel := context.WithTimeout(t.Context(), time.Duration(r.IntN(40))*time.Millisecond)
			_, _ = e.usecase().Round(ctx) // killed mid-way: claims, calls and saves cut anywhere
			cancel()
			e.clock.Advance(e.cfg.Lease + time.Second) // the dead worker's leases run out
		}
		v := e.finish(t, e.usecase(), run.ID)
		if v.Summary.Failed != 0 || v.Summary.Active != 0 {
			t.Fatalf("trial %d: summary %+v", trial, v.Summary)
		}
		e.checkBooks(t)
		if left := e.db.CommissionEntry.Query().Where(commissionentry.StateEQ(commissionentry.StateSettleable)).CountX(t.Context()); left != 0 {
			t.Fatalf("trial %d: %d entries still settleable", trial, left)
		}
		e.sim.ClearPayFaults()
	}
	items := e.db.SettlementItem.Query().CountX(t.Context())
	requests := e.sim.Calls(wxsim.OpSharingCreateOrder) + e.sim.Calls(wxsim.OpSharingUnfreeze)
	if requests <= items {
		t.Fatalf("%d requests for %d items: neither the kills nor the faults made a request repeat", requests, items)
	}
	t.Logf("%d items took %d requests (repeated after kills and faults, each the same request)", items, requests)
}

// randomFault is one of the faults WeChat shows: SYSTEM_ERROR before the work, SYSTEM_ERROR
// after it (the answer lost), or an answer later than the client waits.
func randomFault(r *rand.Rand, op string) wxsim.PayFault {
	f := wxsim.PayFault{Operation: op, Count: 1 + r.IntN(3)}
	switch r.IntN(3) {
	case 0:
		f.Code = "SYSTEM_ERROR"
	case 1:
		f.Code, f.AfterEffect = "SYSTEM_ERROR", true
	default:
		f.Latency = stClientTimeout + 50*time.Millisecond
	}
	return f
}
