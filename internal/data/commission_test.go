package data_test

import (
	"encoding/json"
	"testing"

	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

func commissionEvent(t *testing.T, id int64, ch order.Changed) event.Event {
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	return event.Event{ID: id, Payload: b}
}

// Paid → entries and pending balance; replay posts nothing; partial then full refund reverses
// exactly the credit; the trial balance stays zero.
func TestCommissionPaidRefundedReplayed(t *testing.T) {
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	built := e.withCommission(commission.Config{Levels: 2, CapBP: commission.DefaultCapBP})
	store, book, flows, views := built.CommissionStore, built.Ledger, built.Flows, built.Views

	o := e.pkOrder(e.a, "paid", 3) // 3 × 2500 fen at 10%: 750
	paid := commissionEvent(t, 1, order.Changed{OrderID: int64(o.ID)})
	for range 2 {
		if err := flows.OnPaid(ctx, paid); err != nil {
			t.Fatal(err)
		}
	}
	b, err := views.Balance(ctx, e.a.ID)
	if err != nil || b.Pending != 750 {
		t.Fatalf("balance after paid = %+v, %v; want 750 pending", b, err)
	}
	line := e.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).OnlyX(ctx)
	// One unit refunded: floor(750 × 1/3) = 250.
	e.db.OrderLine.UpdateOne(line).SetRefundedQuantity(1).SetRefundedAmount(2500).ExecX(ctx)
	r1 := commissionEvent(t, 2, order.Changed{OrderID: int64(o.ID), RefundNo: "r1", RefundAmount: 2500})
	for range 2 {
		if err := flows.OnRefunded(ctx, r1); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ = views.Balance(ctx, e.a.ID); b.Pending != 500 {
		t.Fatalf("after one unit refunded: %+v, want 500 pending", b)
	}
	e.db.OrderLine.UpdateOne(line).SetRefundedQuantity(3).SetRefundedAmount(7500).ExecX(ctx)
	r2 := commissionEvent(t, 3, order.Changed{OrderID: int64(o.ID), RefundNo: "r2", RefundAmount: 5000})
	if err := flows.OnRefunded(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if b, _ = views.Balance(ctx, e.a.ID); b.Pending != 0 {
		t.Fatalf("after a full refund: %+v, want nothing pending", b)
	}
	es, _ := store.OrderEntries(ctx, int64(o.ID))
	if len(es) != 1 || es[0].Reversed != es[0].Amount {
		t.Fatalf("entries = %+v", es)
	}
	if _, total, err := views.TrialBalance(ctx); err != nil || total != 0 {
		t.Fatalf("trial balance = %d, %v", total, err)
	}
	rep, err := book.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("ledger check = %+v, %v", rep, err)
	}
}

// Completed → settleable, with the leader's receivable paid off first.
func TestCommissionCompletedNetsReceivable(t *testing.T) {
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	built := e.withCommission(commission.Config{Levels: 2, CapBP: commission.DefaultCapBP})
	book, flows, views := built.Ledger, built.Flows, built.Views
	// The leader owes 100 fen from a refund after payout.
	if _, err := book.Post(ctx, ledger.Tx{Key: "test/debt", Kind: "test", Postings: []ledger.Posting{
		{Account: ledger.LeaderAccount(e.a.ID, ledger.Receivable), Amount: 100},
		{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -100}}}); err != nil {
		t.Fatal(err)
	}
	o := e.pkOrder(e.a, "completed", 2) // 500 fen
	if err := flows.OnCompleted(ctx, commissionEvent(t, 1, order.Changed{OrderID: int64(o.ID)})); err != nil {
		t.Fatal(err)
	}
	if err := flows.OnCompleted(ctx, commissionEvent(t, 1, order.Changed{OrderID: int64(o.ID)})); err != nil {
		t.Fatal(err)
	}
	b, err := views.Balance(ctx, e.a.ID)
	if err != nil || b.Pending != 0 || b.Settleable != 400 || b.Owed != 0 {
		t.Fatalf("balance = %+v, %v; want 400 settleable, nothing owed", b, err)
	}
}
