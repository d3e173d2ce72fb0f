package data_test

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// An expired order whose prepay never reached WeChat (the payment row is saved before the call)
// waits, without failing the sweeper's tick, until WeChat could no longer create the order;
// then it is cancelled. Every replica ran this each second for five minutes, logging an error.
func TestSweeperWaitsQuietlyForAPrepayThatNeverReachedWeChat(t *testing.T) {
	t.Parallel()
	e := newCoEnv(t, "database", 10, 0)
	e.bind(1)
	ctx := t.Context()
	pay := newPkPay(t)
	cfg := e.config()
	cfg.Order = order.Config{OrderTTL: 15 * time.Minute, CheckoutDeadline: 2 * time.Second}
	cfg.Checkout = &conf.Checkout{StockCounter: "database"} // coEnv's counter
	// Checkout and its sweeper on the test's clock, paying at the simulator.
	built := e.build(e.clock.Now, pay.conf, cfg)
	pay.serve(built)
	orders, checkout, sweeper := built.Orders, built.Checkout, built.Sweeper
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
	if _, err := built.PaymentStore.CreatePayment(ctx, &payment.Payment{
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
