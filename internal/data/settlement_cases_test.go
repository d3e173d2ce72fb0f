package data_test

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/commissionentry"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	bizpay "github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// start saves a run and its selection without working it.
func (e *stEnv) start(t *testing.T, uc *settlement.Usecase) *settlement.Run {
	t.Helper()
	e.clock.Advance(time.Second)
	r, err := uc.Start(t.Context(), settlement.StartInput{Cutoff: e.clock.Now(), Trigger: settlement.TriggerFinance})
	if err != nil {
		t.Fatal(err)
	}
	if err := uc.Select(t.Context(), r.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *stEnv) items(t *testing.T, runID int64) []settlement.Item {
	t.Helper()
	items, err := e.store.Items(t.Context(), runID, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// A receiver deleted at WeChat between selection and sharing: WeChat refuses the request, the
// item fails as retriable with WeChat's reason and the commission stays settleable; once the
// receiver is added again, finance's retry sends the same request and pays it.
func TestSettlementReceiverDeletedBetweenSelectionAndSharing(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	l := e.leaders[0]
	e.complete(t, e.paidOrder(t, l, 2, 1000, 72*time.Hour))
	uc := e.usecase()
	run := e.start(t, uc)
	if err := e.client.DeleteReceiver(t.Context(), bizpay.ReceiverPersonalOpenID, e.openid[l.ID]); err != nil {
		t.Fatal(err)
	}
	v := e.finish(t, uc, run.ID)
	items := e.items(t, run.ID)
	if v.Summary.Failed != 1 || len(items) != 1 || items[0].State != settlement.ItemFailed || !items[0].Retriable {
		t.Fatalf("summary %+v items %+v", v.Summary, items)
	}
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Settleable != 500 || b.Settled != 0 {
		t.Fatalf("balance after the refusal = %+v", b)
	}
	e.register(t, l.ID)
	if n, err := uc.RetryFailed(t.Context(), run.ID); err != nil || n != 1 {
		t.Fatalf("retry = %d, %v", n, err)
	}
	if v = e.finish(t, uc, run.ID); v.Summary.Shared != 1 || v.Summary.Amount != 500 {
		t.Fatalf("summary after retry %+v", v.Summary)
	}
	e.checkBooks(t)
}

// A transaction past WeChat's time limit: one our clock already sees past it is recorded
// expired at selection, with no call, its commission moved to unresolved for finance; one
// WeChat refuses as past its limit is expired the same way.
func TestSettlementPastTheTimeLimit(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	old := e.paidOrder(t, e.leaders[0], 2, 1000, 31*24*time.Hour)
	e.complete(t, old)
	uc := e.usecase()
	v := e.settle(t, uc)
	if v.Summary.Expired != 1 || e.sim.Calls(wxsim.OpSharingCreateOrder) != 0 {
		t.Fatalf("summary %+v, %d calls", v.Summary, e.sim.Calls(wxsim.OpSharingCreateOrder))
	}
	b, _ := e.views.Balance(t.Context(), e.leaders[0].ID)
	if b.Unresolved != 500 || b.Settleable != 0 {
		t.Fatalf("balance = %+v, want 500 unresolved", b)
	}
	if n := e.db.CommissionEntry.Query().Where(commissionentry.StateEQ(commissionentry.StateUnresolved)).CountX(t.Context()); n != 1 {
		t.Fatalf("%d unresolved entries", n)
	}

	late := e.paidOrder(t, e.leaders[1], 2, 1000, 72*time.Hour)
	e.complete(t, late)
	e.sim.AdvanceClock(31 * 24 * time.Hour) // WeChat's window closed, ours not yet
	v = e.settle(t, uc)
	items := e.items(t, v.ID)
	if v.Summary.Expired != 1 || len(items) != 1 || items[0].State != settlement.ItemExpired || items[0].Shares[0].FailReason != settlement.ReasonExpired {
		t.Fatalf("summary %+v items %+v", v.Summary, items)
	}
	if b, _ := e.views.Balance(t.Context(), e.leaders[1].ID); b.Unresolved != 500 || b.Settled != 0 {
		t.Fatalf("balance = %+v", b)
	}
	if risk, err := uc.AtRisk(t.Context(), 10); err != nil || len(risk) != 0 {
		t.Fatalf("at risk after expiry = %+v, %v", risk, err)
	}
	e.checkBooks(t)
}

// A refund racing a run on the same transaction: the run saved the share before the refund
// reversed part of the commission, WeChat pays the saved amount, and what the refund took back
// becomes the leader's receivable, which the next commission pays off.
func TestSettlementRefundRacingTheRun(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	l := e.leaders[0]
	o := e.paidOrder(t, l, 4, 1000, 72*time.Hour) // 10000 fen, 1000 commission
	e.complete(t, o)
	uc := e.usecase()
	run := e.start(t, uc)
	e.refund(t, o, 1) // reverses 250 from settleable while the share of 1000 waits
	e.finish(t, uc, run.ID)
	b, _ := e.views.Balance(t.Context(), l.ID)
	if b.Settled != 1000 || b.Owed != 250 || b.Settleable != 0 {
		t.Fatalf("balance = %+v; want 1000 paid and 250 owed", b)
	}
	next := e.paidOrder(t, l, 4, 1000, 72*time.Hour)
	e.complete(t, next) // its 1000 pays the 250 off first
	v := e.settle(t, uc)
	if b, _ = e.views.Balance(t.Context(), l.ID); b.Settled != 1750 || b.Owed != 0 || v.Summary.Amount != 750 {
		t.Fatalf("balance after the next run = %+v, run paid %d", b, v.Summary.Amount)
	}
	e.checkBooks(t)
}

// A receiver WeChat closes (ACCOUNT_ABNORMAL) keeps its commission settleable with the reason;
// the leader's next transaction carries it once the account is fixed.
func TestSettlementClosedShareIsCarriedByTheNextRun(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	l := e.leaders[0]
	e.complete(t, e.paidOrder(t, l, 2, 1000, 72*time.Hour))
	if err := e.sim.SetReceiverResult(e.openid[l.ID], "ACCOUNT_ABNORMAL"); err != nil {
		t.Fatal(err)
	}
	uc := e.usecase()
	v := e.settle(t, uc)
	if v.Summary.ClosedAmount != 500 || v.Summary.Failures["ACCOUNT_ABNORMAL"] != 1 {
		t.Fatalf("summary %+v", v.Summary)
	}
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Settleable != 500 || b.Settled != 0 {
		t.Fatalf("balance = %+v", b)
	}
	if err := e.sim.SetReceiverResult(e.openid[l.ID], ""); err != nil {
		t.Fatal(err)
	}
	e.complete(t, e.paidOrder(t, l, 2, 1000, 72*time.Hour))
	v = e.settle(t, uc)
	if v.Summary.Amount != 1000 {
		t.Fatalf("second run paid %d, want its 500 and the carried 500", v.Summary.Amount)
	}
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Settleable != 0 || b.Settled != 1000 {
		t.Fatalf("balance = %+v", b)
	}
	e.checkBooks(t)
}

// FREQUENCY_LIMITED is retried after a back-off; nothing fails.
func TestSettlementBacksOffOnFrequencyLimited(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 3, nil)
	for i := range 6 {
		e.complete(t, e.paidOrder(t, e.leaders[i%3], 1, 1000, 72*time.Hour))
	}
	e.sim.FailPayNext(wxsim.OpSharingCreateOrder, "FREQUENCY_LIMITED", 429, 4)
	v := e.settle(t, e.usecase())
	if v.Summary.Shared != 6 || v.Summary.Failed != 0 {
		t.Fatalf("summary %+v", v.Summary)
	}
	if n := e.db.SettlementItem.Query().Where(settlementitem.AttemptsGT(1)).CountX(t.Context()); n == 0 {
		t.Fatal("no item was tried twice: the fault did not bite")
	}
	e.checkBooks(t)
}

// An item refused FREQUENCY_LIMITED again and again comes back after retry_after each time, not
// after a back-off doubling with its attempts: the merchant's pace is what slows down.
func TestSettlementFrequencyLimitedDoesNotDoubleTheBackOff(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 1, nil)
	e.cfg.RetryAfter, e.cfg.RetryMax = time.Second, time.Hour
	e.complete(t, e.paidOrder(t, e.leaders[0], 1, 1000, 72*time.Hour))
	uc := e.usecase()
	r := e.start(t, uc)
	e.sim.FailPayNext(wxsim.OpSharingCreateOrder, "FREQUENCY_LIMITED", 429, 6)
	for attempt := 1; attempt <= 6; attempt++ {
		if n, err := uc.WorkOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("attempt %d: work once = %d, %v", attempt, n, err)
		}
		it := e.items(t, r.ID)[0]
		if wait := it.NextAttemptAt.Sub(e.clock.Now()); it.Attempts != attempt || wait != time.Second {
			t.Fatalf("attempt %d: item at attempt %d, due in %s; want due in retry_after, 1s", attempt, it.Attempts, wait)
		}
		e.clock.Advance(time.Second)
	}
	if v := e.finish(t, uc, r.ID); v.Summary.Shared != 1 {
		t.Fatalf("summary %+v", v.Summary)
	}
	e.checkBooks(t)
}

// A removed leader is no receiver any more: its share is deferred with the reason, the
// transaction is unfrozen to the merchant, and what it is owed stays settleable for finance to
// pay by hand — no later run tries it again.
func TestSettlementSkipsARemovedReceiver(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 3, nil)
	l := e.leaders[0]
	e.complete(t, e.paidOrder(t, l, 2, 1000, 72*time.Hour))
	if err := e.client.DeleteReceiver(t.Context(), bizpay.ReceiverPersonalOpenID, e.openid[l.ID]); err != nil {
		t.Fatal(err)
	}
	e.db.ReceiverRegistration.Create().SetLeaderID(int(l.ID)).SetOp("delete").SetReceiverType(bizpay.ReceiverPersonalOpenID).
		SetAccount(e.openid[l.ID]).SetRelationType(bizpay.RelationDistributor).SetState("done").
		SetNextAttemptAt(e.clock.Now()).SaveX(t.Context())
	uc := e.usecase()
	v := e.settle(t, uc)
	items := e.items(t, v.ID)
	if len(items) != 1 || items[0].Kind != settlement.KindUnfreeze || items[0].State != settlement.ItemFinished ||
		items[0].Shares[0].Result != settlement.ResultDeferred || items[0].Shares[0].FailReason != settlement.ReasonNotRegistered {
		t.Fatalf("items = %+v", items)
	}
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Settleable != 500 || b.Settled != 0 {
		t.Fatalf("balance = %+v", b)
	}
	e.complete(t, e.paidOrder(t, e.leaders[2], 1, 1000, 72*time.Hour)) // outside the removed one's chain
	again := e.settle(t, uc)
	for _, it := range e.items(t, again.ID) {
		for _, s := range it.Shares {
			if s.LeaderID == l.ID {
				t.Fatalf("a later run carried the removed leader's share: %+v", s)
			}
		}
	}
	e.checkBooks(t)
}

// A leader paid through a company's merchant receiver: a refund after the payout asks the
// merchant for the reversed commission back (分账回退), saved before the call; WeChat's success
// pays the receivable off. A failed return leaves the receivable for the next commission.
func TestSettlementReturnsFromAMerchantReceiver(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	l := e.leaders[0]
	const mch = "1900000201"
	if err := e.client.AddReceiver(t.Context(), bizpay.Receiver{Type: bizpay.ReceiverMerchantID, Account: mch,
		Name: "黄浦站供应链有限公司", Relation: bizpay.RelationDistributor}); err != nil {
		t.Fatal(err)
	}
	e.db.ReceiverRegistration.Create().SetLeaderID(int(l.ID)).SetOp("add").SetReceiverType(bizpay.ReceiverMerchantID).
		SetAccount(mch).SetName("黄浦站供应链有限公司").SetRelationType(bizpay.RelationDistributor).SetState("done").
		SetNextAttemptAt(e.clock.Now()).SaveX(t.Context())
	first := e.paidOrder(t, l, 4, 1000, 0) // 10000 fen, 1000 commission
	second := e.paidOrder(t, l, 4, 1000, 0)
	e.complete(t, first)
	e.complete(t, second)
	uc := e.usecase()
	if v := e.settle(t, uc); v.Summary.Amount != 2000 {
		t.Fatalf("run paid %d", v.Summary.Amount)
	}
	if got := e.sim.SharedTotals()[mch]; got != 2000 {
		t.Fatalf("merchant got %d", got)
	}
	refundAndReturn := func(o *ent.Order) {
		e.refund(t, o, 1) // reverses 250 of paid commission: the leader owes it
		e.deliver(t, uc.OnRefunded, order.Changed{OrderID: int64(o.ID), RefundNo: lastRefundNo(t, e, o), RefundAmount: 2500})
		e.deliver(t, uc.OnRefunded, order.Changed{OrderID: int64(o.ID), RefundNo: lastRefundNo(t, e, o), RefundAmount: 2500})
		for range 5 {
			if _, err := uc.Round(t.Context()); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
		}
	}
	refundAndReturn(first)
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Owed != 0 {
		t.Fatalf("after the return the leader owes %d", b.Owed)
	}
	if n := e.sim.Calls(wxsim.OpSharingCreateReturn); n != 1 {
		t.Fatalf("%d return requests, want 1 (the event came twice)", n)
	}
	if err := e.sim.SetReturnResult(mch, "BALANCE_NOT_ENOUGH"); err != nil {
		t.Fatal(err)
	}
	refundAndReturn(second)
	if b, _ := e.views.Balance(t.Context(), l.ID); b.Owed != 250 {
		t.Fatalf("after a failed return the leader owes %d, want 250", b.Owed)
	}
	rep, err := e.book.Check(t.Context())
	if err != nil || !rep.OK() {
		t.Fatalf("ledger check = %+v, %v", rep, err)
	}
}

// lastRefundNo is the out_refund_no of the order's latest refund.
func lastRefundNo(t *testing.T, e *stEnv, o *ent.Order) string {
	t.Helper()
	r := e.db.PaymentRefund.Query().Where(paymentrefund.OutTradeNo(bizpay.OutTradeNo(int64(o.ID), 1))).
		Order(ent.Desc(paymentrefund.FieldID)).FirstX(t.Context())
	return r.OutRefundNo
}
