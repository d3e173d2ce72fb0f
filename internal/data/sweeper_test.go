package data_test

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/outboxstore"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
)

// An expired order whose prepay never reached WeChat (the payment row is saved before the call)
// waits, without failing the sweeper's tick, until WeChat could no longer create the order;
// then it is cancelled. Every replica ran this each second for five minutes, logging an error.
func TestSweeperWaitsQuietlyForAPrepayThatNeverReachedWeChat(t *testing.T) {
	t.Parallel()
	e := newCoEnv(t, "database", 10, 0)
	e.bind(1)
	ctx := t.Context()
	orders, batches := orderstore.NewOrderRepo(e.data), presalestore.NewBatchRepo(e.data)
	outbox := outboxstore.NewOutboxStore(e.data, e.clock.Now)
	listener := order.NewListener(orders, outbox, order.NewAfterSaleRefunds(orderstore.NewAfterSaleRepo(e.data), orders, outbox, e.clock.Now), e.clock.Now)
	pay := newPkPay(t, e.stack, listener)
	cfg := order.Config{OrderTTL: 15 * time.Minute, CheckoutDeadline: 2 * time.Second}
	checkout := order.NewCheckout(order.CheckoutDeps{Repo: orders, Counter: e.counter, Keeper: e.keeper,
		Shoppers: orderstore.NewShoppers(e.data), Batches: orderstore.NewBatchCache(batches), BatchRepo: batches,
		Payments: pay.uc, Events: outbox, Tx: e.data, Config: cfg, Now: e.clock.Now})
	sweeper := order.NewSweeper(checkout, batches)
	status := func(id int64) order.Status {
		t.Helper()
		cur, err := orders.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return cur.Status
	}

	it := e.batch.Items[0]
	o, err := checkout.Place(ctx, 100, order.PlaceInput{Key: "never-at-wechat", BatchID: e.batch.ID,
		Lines: []order.LineInput{{ItemID: it.ID, Qty: 1, Price: it.Price}}})
	if err != nil {
		t.Fatal(err)
	}
	// What Pay saves before it calls WeChat; the call never arrived.
	if _, err := paymentstore.NewPaymentStore(e.data).CreatePayment(ctx, &payment.Payment{
		OutTradeNo: payment.OutTradeNo(o.ID, o.PayAttempt), Description: "水果团", Amount: o.Amount,
		PayerOpenID: "oShopper", State: payment.StateCreated, ExpiresAt: o.ExpiresAt}); err != nil {
		t.Fatal(err)
	}

	e.clock.Set(o.ExpiresAt.Add(time.Minute)) // due, but WeChat might still take the prepay
	if err := sweeper.Tick(ctx); err != nil {
		t.Errorf("tick while waiting for WeChat's expiry failed: %v", err)
	}
	if got := status(o.ID); got != order.PendingPayment {
		t.Fatalf("order %s before WeChat's expiry passed, want pending", got)
	}

	e.clock.Set(o.ExpiresAt.Add(10 * time.Minute))
	if err := sweeper.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(o.ID); got != order.Cancelled {
		t.Errorf("order %s after WeChat's expiry passed, want cancelled", got)
	}
}
