package data_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// Requests racing for the same units: the order's row lock lets exactly the units there are
// be taken.
func TestAfterSaleRequestsCannotTakeTheSameUnits(t *testing.T) {
	t.Parallel()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	o := e.pkOrder(e.a, entorder.StatusPaid, 5, 0)
	line := e.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).OnlyX(ctx)
	var taken atomic.Int64
	waitAll(t, 12, 30*time.Second, func(int) {
		a, err := e.afterSales.Request(ctx, int64(o.UserID), int64(o.ID),
			[]order.AfterSaleLine{{LineID: int64(line.ID), Quantity: 1}}, "少了一盒")
		var inv *bizerr.InvalidError
		switch {
		case err == nil:
			taken.Add(a.Lines[0].Quantity)
			if a.Amount != 2500 || a.Status != order.AfterSaleRequested {
				t.Errorf("request: %+v", a)
			}
		case !errors.As(err, &inv):
			t.Errorf("request: %v", err)
		}
	})
	if taken.Load() != 5 {
		t.Errorf("%d units taken, want 5", taken.Load())
	}
	if n := e.count("SELECT count(*) FROM after_sales WHERE order_id = $1", o.ID); n != 5 {
		t.Errorf("%d requests stored", n)
	}
	if _, err := e.afterSales.Request(ctx, int64(o.UserID), int64(o.ID), nil, "全部退"); err == nil {
		t.Error("a whole-order request found units left")
	}
	if _, err := e.afterSales.Request(ctx, int64(o.UserID)+1, int64(o.ID), nil, "别人的单"); !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("another shopper's order: %v", err)
	}
}

func (e *pkEnv) refundOutcome(ok bool, id int64, no string, amount int64) error {
	r := &payment.Refund{OutRefundNo: no, Amount: amount, State: payment.RefundSuccess}
	return e.data.InTx(e.t.Context(), func(ctx context.Context) error {
		if ok {
			return e.afterSales.RefundSucceeded(ctx, id, r)
		}
		return e.afterSales.RefundClosed(ctx, id, r)
	})
}

// settleRefund ends a refund at the simulator (CompleteRefund, or FailRefund as CLOSED) and
// syncs it through the payment use cases, whose listener moves the request; the simulator's
// notification may get there first, which changes nothing.
func (e *pkEnv) settleRefund(ok bool, no string) {
	e.t.Helper()
	var err error
	if ok {
		err = e.pay.sim.CompleteRefund(no)
	} else {
		err = e.pay.sim.FailRefund(no, wxsim.RefundClosed)
	}
	if err != nil {
		e.t.Fatalf("settle refund %s at the simulator: %v", no, err)
	}
	want := payment.RefundSuccess
	if !ok {
		want = payment.RefundClosed
	}
	if r, err := e.pay.uc.SyncRefund(e.t.Context(), no); err != nil || r.State != want {
		e.t.Fatalf("sync refund %s: %+v, %v", no, r, err)
	}
}

// Approval saves the request with its out_refund_no before WeChat Pay is asked; a refund
// applied twice counts once; the last one refunds the order; a closed refund fails the request.
func TestAfterSaleRefundIsAppliedOnce(t *testing.T) {
	t.Parallel()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	o := e.paidOrder(e.a, 3, 2) // 7500 + 3600
	lines := e.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).Order(orderline.ByID()).AllX(ctx)
	user := int64(o.UserID)

	first, err := e.afterSales.Request(ctx, user, int64(o.ID), []order.AfterSaleLine{{LineID: int64(lines[0].ID), Quantity: 1}}, "烂了一盒")
	if err != nil || first.Amount != 2500 {
		t.Fatalf("request: %+v, %v", first, err)
	}
	approved, err := e.afterSales.Review(ctx, 77, first.ID, true, "同意")
	if err != nil || approved.Status != order.AfterSaleApproved || approved.ReviewerID != 77 ||
		approved.OutRefundNo != payment.OutRefundNo(int64(o.ID), first.ID) {
		t.Fatalf("approval: %+v, %v", approved, err)
	}
	in, err := e.pay.sim.Refund(approved.OutRefundNo)
	if err != nil || e.pay.refunds() != 1 || in.Refund != 2500 || in.Total != 11100 ||
		in.OutTradeNo != payment.OutTradeNo(int64(o.ID), 1) || in.Status != wxsim.RefundProcessing {
		t.Fatalf("refund asked: %+v, %v (%d calls)", in, err, e.pay.refunds())
	}
	if _, err := e.afterSales.Review(ctx, 77, first.ID, false, ""); !refusedBy(err, order.AfterSaleLifecycle.Entity()) {
		t.Errorf("second review: %v", err)
	}

	// WeChat completes it; the query, the notification and a direct replay all apply it.
	e.settleRefund(true, approved.OutRefundNo)
	if _, err := e.pay.uc.SyncRefund(ctx, approved.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	if err := e.refundOutcome(true, first.ID, approved.OutRefundNo, 2500); err != nil {
		t.Fatal(err)
	}
	row := e.order(o.ID)
	l0 := row.Lines[0]
	if row.Refunded != 2500 || row.Status != order.Paid || l0.ID != int64(lines[0].ID) || l0.RefundedQty != 1 || l0.RefundedAmount != 2500 {
		t.Errorf("after the refund: order %+v", row)
	}
	if n := e.events(order.TopicRefunded); n != 1 {
		t.Errorf("%d refunded events", n)
	}
	if n := e.count("SELECT count(*) FROM shopper_notices WHERE kind = 'refunded'"); n != 1 {
		t.Errorf("%d refund notices", n)
	}
	got, _ := e.afterSales.List(ctx, order.AfterSaleRefunded, 0, 10)
	if len(got) != 1 || got[0].ID != first.ID {
		t.Errorf("refunded requests: %+v", got)
	}

	// A refund WeChat closed: the request fails and its units are free again.
	second, err := e.afterSales.Request(ctx, user, int64(o.ID), []order.AfterSaleLine{{LineID: int64(lines[1].ID), Quantity: 2}}, "不要了")
	if err != nil {
		t.Fatal(err)
	}
	second, err = e.afterSales.Review(ctx, 77, second.ID, true, "")
	if err != nil || second.Status != order.AfterSaleApproved {
		t.Fatalf("second approval: %+v, %v", second, err)
	}
	e.settleRefund(false, second.OutRefundNo)
	if a, _ := e.afterSales.Mine(ctx, user, 0, 10); len(a) != 2 || a[0].Status != order.AfterSaleFailed || a[0].FailReason == "" {
		t.Fatalf("mine: %+v", a)
	}

	// The rest of the order, whole: the order ends refunded, and nothing is left.
	rest, err := e.afterSales.Request(ctx, user, int64(o.ID), nil, "都不要了")
	if err != nil || rest.Amount != 11100-2500 || len(rest.Lines) != 2 {
		t.Fatalf("the rest: %+v, %v", rest, err)
	}
	rest, err = e.afterSales.Review(ctx, 77, rest.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	e.settleRefund(true, rest.OutRefundNo)
	row = e.order(o.ID)
	if row.Status != order.Refunded || row.Refunded != 11100 {
		t.Errorf("order after everything: %s, %d", row.Status, row.Refunded)
	}
	if p, err := e.built.PaymentStore.GetPayment(ctx, payment.OutTradeNo(int64(o.ID), 1)); err != nil || p.Refunded != 11100 {
		t.Errorf("payment after everything: %+v, %v", p, err)
	}
	if _, err := e.afterSales.Request(ctx, user, int64(o.ID), nil, "再退"); !refusedBy(err, order.Lifecycle.Entity()) {
		t.Errorf("request on a refunded order: %v", err)
	}
	if err := e.refundOutcome(true, 424242, "GBR1-424242", 1); !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("unknown request: %v", err)
	}
}

// An approval whose refund could not be asked for stays approved and is asked for again, with
// the same number, a minute later; a refusal that cannot change fails it at once.
func TestAfterSaleRefundIsRetried(t *testing.T) {
	t.Parallel()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	o := e.paidOrder(e.a, 2, 0)
	a, err := e.afterSales.Request(ctx, int64(o.UserID), int64(o.ID), nil, "不想要了")
	if err != nil {
		t.Fatal(err)
	}
	// WeChat Pay is down: every refund call answers SYSTEM_ERROR until the faults are cleared.
	e.pay.sim.FailPayNext(wxsim.OpRefundCreate, wxsim.PayCodeSystemError, 0, 1000)
	a, err = e.afterSales.Review(ctx, 5, a.ID, true, "")
	if err != nil || a.Status != order.AfterSaleApproved {
		t.Fatalf("approval with WeChat down: %+v, %v", a, err)
	}
	if e.pay.refunds() != 1 {
		t.Fatalf("approval asked %d times", e.pay.refunds())
	}
	if err := e.afterSales.RetryRefunds(ctx); err != nil || e.pay.refunds() != 1 {
		t.Fatalf("retry within the minute: %v, %d calls", err, e.pay.refunds())
	}
	e.clock.Advance(2 * time.Minute)
	if err := e.afterSales.RetryRefunds(ctx); !errors.Is(err, bizerr.ErrUnavailable) || e.pay.refunds() != 2 {
		t.Fatalf("retry while down: %v, %d calls", err, e.pay.refunds())
	}
	e.pay.sim.ClearPayFaults()
	e.clock.Advance(2 * time.Minute)
	if err := e.afterSales.RetryRefunds(ctx); err != nil || e.pay.refunds() != 3 || e.pay.syncs() != 0 {
		t.Fatalf("retry: %v, %d calls, %d syncs", err, e.pay.refunds(), e.pay.syncs())
	}
	if r, err := e.pay.sim.Refund(a.OutRefundNo); err != nil || r.Refund != 5000 || r.Status != wxsim.RefundProcessing {
		t.Errorf("retried as %s: %+v, %v", a.OutRefundNo, r, err)
	}
	e.clock.Advance(5 * time.Minute)
	if err := e.afterSales.RetryRefunds(ctx); err != nil || e.pay.syncs() != 1 || e.pay.refunds() != 3 {
		t.Fatalf("query of a long-processing refund: %v, %d syncs, %d calls", err, e.pay.syncs(), e.pay.refunds())
	}

	o2 := e.paidOrder(e.a, 1, 0)
	a2, err := e.afterSales.Request(ctx, int64(o2.UserID), int64(o2.ID), nil, "不想要了")
	if err != nil {
		t.Fatal(err)
	}
	e.pay.sim.FailPayNext(wxsim.OpRefundCreate, "NOT_ENOUGH", 0, 1)
	a2, err = e.afterSales.Review(ctx, 5, a2.ID, true, "")
	if err != nil || a2.Status != order.AfterSaleFailed || a2.FailReason == "" {
		t.Errorf("approval refused for good: %+v, %v", a2, err)
	}
}
