package data_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/shippingdeclaration"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// shEnv is the pickup environment (real WeChat Pay payments at the simulator) with the
// mini-program client pointed at the same simulator, as the program builds it.
type shEnv struct {
	*pkEnv
	sim  *wxsim.Simulator
	base string
}

func newShEnv(t *testing.T) *shEnv {
	t.Helper()
	e := newPkEnv(t, openPostgres(t))
	srv := httptest.NewServer(e.pay.sim.Handler())
	t.Cleanup(srv.Close)
	return &shEnv{pkEnv: e, sim: e.pay.sim, base: srv.URL}
}

// usecase is one replica's declarations use case: its own mini-program client (the access
// token shared through Redis), the shared database.
func (e *shEnv) usecase() *shipping.Usecase {
	cfg := e.config()
	cfg.Shipping = shipping.Config{RetryMaxDelay: time.Hour, UndeclaredAfter: 48 * time.Hour,
		UndeclaredLookback: 90 * 24 * time.Hour}
	return e.build(e.clock.Now, miniProgramConf(e.base), cfg).Shipping
}

func (e *shEnv) txID(o *ent.Order) string {
	e.t.Helper()
	p, err := e.built.PaymentStore.GetPayment(e.t.Context(), payment.OutTradeNo(int64(o.ID), 1))
	if err != nil || p.TransactionID == "" {
		e.t.Fatalf("payment of order %d: %+v, %v", o.ID, p, err)
	}
	return p.TransactionID
}

func (e *shEnv) record(o *ent.Order) wxsim.ShippingRecord {
	e.t.Helper()
	rec, ok := e.sim.ShippingState(e.txID(o))
	if !ok {
		e.t.Fatalf("the simulator has no paid transaction for order %d", o.ID)
	}
	return rec
}

func (e *shEnv) declaration(o *ent.Order, kind shippingdeclaration.Kind) *ent.ShippingDeclaration {
	e.t.Helper()
	d, err := e.db.ShippingDeclaration.Query().Where(shippingdeclaration.OrderID(o.ID), shippingdeclaration.KindEQ(kind)).Only(e.t.Context())
	if err != nil {
		e.t.Fatalf("%s declaration of order %d: %v", kind, o.ID, err)
	}
	return d
}

// orderEvent is an order event as the outbox delivers it.
func orderEvent(t *testing.T, topic string, o *ent.Order) event.Event {
	t.Helper()
	b, err := json.Marshal(order.Changed{OrderID: int64(o.ID), BatchID: int64(o.BatchID), At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return event.Event{ID: 1, Topic: topic, Payload: b, Attempts: 1}
}

func tick(t *testing.T, uc *shipping.Usecase) {
	t.Helper()
	if err := uc.Tick(t.Context()); err != nil {
		t.Fatalf("tick: %v", err)
	}
}

// Arrival marked twice, its events delivered by two dispatchers and once more by hand, and two
// replicas' workers running at once: one upload per order, self-pickup, and the daily check
// lists the orders only until they are declared.
func TestShippingArrivalUploadsOncePerOrder(t *testing.T) {
	t.Parallel()
	e := newShEnv(t)
	ctx := t.Context()
	o1, o2 := e.paidOrder(e.a, 2, 1), e.paidOrder(e.a, 0, 3)

	uc1, uc2 := e.usecase(), e.usecase()
	undeclared, err := uc1.Undeclared(ctx, 24*time.Hour, 0, 10)
	if err != nil || len(undeclared) != 2 || undeclared[0].OrderID != int64(o1.ID) || len(undeclared[0].Pending) != 0 {
		t.Fatalf("undeclared before arrival: %+v, %v", undeclared, err)
	}

	if _, err := e.pickup.Arrive(ctx, int64(e.batch), e.a.ID, "ops:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pickup.Arrive(ctx, int64(e.batch), e.a.ID, "ops:1"); err != nil {
		t.Fatal(err)
	}
	outbox := e.built.Outbox
	var wg sync.WaitGroup
	for _, uc := range []*shipping.Usecase{uc1, uc2} {
		d := event.NewDispatcher(outbox, e.clock.Now, event.Map{
			order.TopicPaid:  {{Name: "shipping.Usecase.OnPaid", Handle: uc.OnPaid}},
			order.TopicReady: {{Name: "shipping.Usecase.OnReady", Handle: uc.OnReady}},
		})
		wg.Go(func() {
			if _, err := d.DispatchOnce(ctx); err != nil {
				t.Errorf("dispatch: %v", err)
			}
		})
	}
	wg.Wait()
	// The outbox delivers at least once: the same event again adds nothing.
	if err := uc2.OnReady(ctx, orderEvent(t, order.TopicReady, o1)); err != nil {
		t.Fatal(err)
	}
	if n := e.count("SELECT count(*) FROM shipping_declarations"); n != 2 {
		t.Fatalf("%d declarations, want 2", n)
	}

	for range 3 {
		for _, uc := range []*shipping.Usecase{uc1, uc2} {
			wg.Go(func() {
				if err := uc.Tick(ctx); err != nil {
					t.Errorf("tick: %v", err)
				}
			})
		}
		wg.Wait()
	}
	for _, o := range []*ent.Order{o1, o2} {
		rec := e.record(o)
		if rec.UploadCalls != 1 || rec.Uploads != 1 || rec.LogisticsType != wxsim.LogisticsSelfPickup ||
			rec.DeliveryMode != wxsim.DeliveryUnified || rec.OrderState != wxsim.ShippingStateShipped ||
			rec.PayerOpenID != pkPayer || len(rec.Packages) != 1 || rec.Packages[0].ItemDesc == "" {
			t.Errorf("order %d at the simulator: %+v", o.ID, rec)
		}
		d := e.declaration(o, shippingdeclaration.KindPickup)
		if d.State != shippingdeclaration.StateUploaded || d.UploadedAt == nil || d.Attempts != 1 ||
			d.TransactionID != rec.TransactionID || d.OutTradeNo != payment.OutTradeNo(int64(o.ID), 1) || d.PayerOpenid != pkPayer {
			t.Errorf("declaration of order %d: %+v", o.ID, d)
		}
	}
	if got := e.record(o1).Packages[0].ItemDesc; got != "item*2, item*1" {
		t.Errorf("item_desc = %q", got)
	}
	if n := e.sim.Calls(wxsim.OpUploadShippingInfo); n != 2 {
		t.Errorf("%d upload calls, want 2", n)
	}
	undeclared, err = uc1.Undeclared(ctx, 24*time.Hour, 0, 10)
	if err != nil || len(undeclared) != 0 {
		t.Errorf("undeclared after the uploads: %+v, %v", undeclared, err)
	}
}

// A WeChat failure is recorded with its code, retried after the back-off (not before), and
// recovers; an expired access token is renewed and the call repeated once.
func TestShippingFailureIsRetriedAndTokenRenewed(t *testing.T) {
	t.Parallel()
	e := newShEnv(t)
	ctx := t.Context()
	o1, o2 := e.paidOrder(e.a, 1, 0), e.paidOrder(e.a, 0, 1)
	uc := e.usecase()
	if err := uc.OnReady(ctx, orderEvent(t, order.TopicReady, o1)); err != nil {
		t.Fatal(err)
	}

	e.sim.FailNext(wxsim.OpUploadShippingInfo, 10060012, "system error", 1)
	tick(t, uc)
	d := e.declaration(o1, shippingdeclaration.KindPickup)
	if d.State != shippingdeclaration.StatePending || d.Attempts != 1 || !strings.Contains(d.LastError, "10060012") ||
		!d.NextAttemptAt.Equal(e.clock.Now().Add(10*time.Second)) {
		t.Fatalf("after the failure: %+v", d)
	}
	failing, err := uc.List(ctx, shipping.Filter{WithError: true})
	if err != nil || len(failing) != 1 || failing[0].OrderID != int64(o1.ID) {
		t.Errorf("failing declarations: %+v, %v", failing, err)
	}
	calls := e.sim.Calls(wxsim.OpUploadShippingInfo)
	tick(t, uc) // not due yet
	if n := e.sim.Calls(wxsim.OpUploadShippingInfo); n != calls {
		t.Fatalf("retried before the back-off: %d calls, want %d", n, calls)
	}
	e.clock.Advance(11 * time.Second)
	tick(t, uc)
	d = e.declaration(o1, shippingdeclaration.KindPickup)
	if d.State != shippingdeclaration.StateUploaded || d.Attempts != 2 || d.LastError != "" {
		t.Fatalf("after the retry: %+v", d)
	}
	if rec := e.record(o1); rec.Uploads != 1 || rec.OrderState != wxsim.ShippingStateShipped {
		t.Errorf("simulator: %+v", rec)
	}

	// The token the first calls used expires at WeChat: the worker's call renews it once.
	e.sim.ExpireAccessTokens()
	stable, uploads := e.sim.Calls(wxsim.OpStableToken), e.sim.Calls(wxsim.OpUploadShippingInfo)
	if err := uc.OnReady(ctx, orderEvent(t, order.TopicReady, o2)); err != nil {
		t.Fatal(err)
	}
	tick(t, uc)
	if d := e.declaration(o2, shippingdeclaration.KindPickup); d.State != shippingdeclaration.StateUploaded || d.Attempts != 1 {
		t.Errorf("after the token renewal: %+v", d)
	}
	if n := e.sim.Calls(wxsim.OpStableToken) - stable; n != 1 {
		t.Errorf("%d stable_token calls, want 1", n)
	}
	if n := e.sim.Calls(wxsim.OpUploadShippingInfo) - uploads; n != 2 {
		t.Errorf("%d upload calls, want 2 (refused token, then the repeat)", n)
	}
	if rec := e.record(o2); rec.Uploads != 1 {
		t.Errorf("simulator: %+v", rec)
	}
}

// An order whose pickup date is 20 days after its payment is declared as presale at payment,
// with the pickup date as the promised date; an order picked up within 15 days is not.
func TestShippingLongPresaleIsDeclaredAtPayment(t *testing.T) {
	t.Parallel()
	e := newShEnv(t)
	ctx := t.Context()
	o := e.paidOrder(e.a, 1, 0)
	paidAt := e.db.Order.GetX(ctx, o.ID).PaidAt
	pickup := paidAt.Add(20 * 24 * time.Hour).Truncate(time.Second)
	e.db.Batch.UpdateOneID(e.batch).SetPickupDate(pickup).ExecX(ctx)
	uc := e.usecase()
	if err := uc.OnPaid(ctx, orderEvent(t, order.TopicPaid, o)); err != nil {
		t.Fatal(err)
	}
	if err := uc.OnPaid(ctx, orderEvent(t, order.TopicPaid, o)); err != nil { // redelivered
		t.Fatal(err)
	}
	tick(t, uc)
	d := e.declaration(o, shippingdeclaration.KindPresale)
	if d.State != shippingdeclaration.StateUploaded || d.PromisedAt == nil || !d.PromisedAt.Equal(pickup) {
		t.Fatalf("presale declaration: %+v", d)
	}
	if rec := e.record(o); !rec.PresalePromisedDate.Equal(pickup) || rec.OrderState != wxsim.ShippingStatePending {
		t.Errorf("simulator: %+v", rec)
	}

	e.db.Batch.UpdateOneID(e.batch).SetPickupDate(paidAt.Add(10 * 24 * time.Hour)).ExecX(ctx)
	soon := e.paidOrder(e.a, 0, 1)
	if err := e.usecase().OnPaid(ctx, orderEvent(t, order.TopicPaid, soon)); err != nil {
		t.Fatal(err)
	}
	if n := e.count("SELECT count(*) FROM shipping_declarations WHERE order_id = $1", soon.ID); n != 0 {
		t.Errorf("a 10-day pickup got %d declarations", n)
	}
}

// Unpaid and fully refunded orders are refused locally with a reason, no call made; a failed
// declaration is shown to ops and moved back to pending by RetryDeclaration.
func TestShippingRefusesUnpaidAndRefundedOrders(t *testing.T) {
	t.Parallel()
	e := newShEnv(t)
	ctx := t.Context()
	unpaid := e.pkOrder(e.a, entorder.StatusPendingPayment, 1, 0)
	refunded := e.paidOrder(e.a, 1, 0)
	e.db.Order.UpdateOneID(refunded.ID).SetStatus(entorder.StatusRefunded).SetRefunded(refunded.Amount).ExecX(ctx)
	uc := e.usecase()
	for _, o := range []*ent.Order{unpaid, refunded} {
		if err := uc.OnReady(ctx, orderEvent(t, order.TopicReady, o)); err != nil {
			t.Fatal(err)
		}
	}
	tick(t, uc)
	if n := e.sim.Calls(wxsim.OpUploadShippingInfo); n != 0 {
		t.Errorf("%d upload calls, want none", n)
	}
	for o, want := range map[*ent.Order]string{unpaid: "not paid", refunded: "refunded in full"} {
		d := e.declaration(o, shippingdeclaration.KindPickup)
		if d.State != shippingdeclaration.StateSkipped || !strings.Contains(d.LastError, want) {
			t.Errorf("declaration of order %d: %+v, want skipped: %s", o.ID, d, want)
		}
	}

	// WeChat refuses the content: failed with the reason, not retried until ops say so.
	bad := e.paidOrder(e.a, 0, 1)
	if err := uc.OnReady(ctx, orderEvent(t, order.TopicReady, bad)); err != nil {
		t.Fatal(err)
	}
	e.sim.FailNext(wxsim.OpUploadShippingInfo, 10060014, "invalid parameter", 1)
	tick(t, uc)
	d := e.declaration(bad, shippingdeclaration.KindPickup)
	if d.State != shippingdeclaration.StateFailed || !strings.Contains(d.LastError, "10060014") {
		t.Fatalf("refused declaration: %+v", d)
	}
	e.clock.Advance(2 * time.Hour)
	tick(t, uc)
	if got := e.declaration(bad, shippingdeclaration.KindPickup); got.State != shippingdeclaration.StateFailed {
		t.Fatalf("a failed declaration was retried on its own: %+v", got)
	}
	failed, err := uc.List(ctx, shipping.Filter{State: shipping.StateFailed})
	if err != nil || len(failed) != 1 || failed[0].ID != int64(d.ID) {
		t.Fatalf("failed declarations: %+v, %v", failed, err)
	}
	undeclared, err := uc.Undeclared(ctx, time.Hour, 0, 10)
	if err != nil || len(undeclared) != 1 || undeclared[0].OrderID != int64(bad.ID) || len(undeclared[0].Pending) != 1 ||
		undeclared[0].Pending[0].State != shipping.StateFailed {
		t.Errorf("undeclared: %+v, %v", undeclared, err)
	}
	if _, err := uc.Retry(ctx, int64(e.declaration(unpaid, shippingdeclaration.KindPickup).ID)); err == nil {
		t.Error("a skipped declaration was retried")
	}
	if _, err := uc.Retry(ctx, int64(d.ID)); err != nil {
		t.Fatal(err)
	}
	tick(t, uc)
	if got := e.declaration(bad, shippingdeclaration.KindPickup); got.State != shippingdeclaration.StateUploaded {
		t.Errorf("after ops' retry: %+v", got)
	}
}
