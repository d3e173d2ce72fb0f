package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server"
)

// checkoutConfig turns the checkout section (defaults filled by conf.Load) into order's policy.
func checkoutConfig(c *conf.Checkout) (order.Config, error) {
	cfg := order.Config{
		OrderTTL:         c.GetOrderTtl().AsDuration(),
		AfterSalesWindow: c.GetAfterSalesWindow().AsDuration(),
		PickupOverdue:    c.GetPickupOverdueAfter().AsDuration(),
		CheckoutDeadline: c.GetCheckoutDeadline().AsDuration(),
	}
	// Seconds only make sense in tests; shoppers need minutes to pay.
	if cfg.OrderTTL < 5*time.Second || cfg.OrderTTL > 2*time.Hour {
		return cfg, fmt.Errorf("checkout.order_ttl %s: must be 5s to 2h", cfg.OrderTTL)
	}
	return cfg, nil
}

// tick is how often the batch scheduler and the order sweeper run.
type tick time.Duration

func checkoutTick(c *conf.Checkout) tick { return tick(c.GetTick().AsDuration()) }

// qrSigner signs pickup QR payloads with the configured secret.
func qrSigner(c *conf.Checkout) (*order.QRSigner, error) {
	key, err := base64.StdEncoding.DecodeString(c.GetPickupQrKey())
	if err != nil {
		return nil, fmt.Errorf("checkout.pickup_qr_key: not base64: %w", err)
	}
	s, err := order.NewQRSigner(key)
	if err != nil {
		return nil, fmt.Errorf("checkout.pickup_qr_key: %w", err)
	}
	return s, nil
}

// checkoutLoopSet is checkout's background loops.
type checkoutLoopSet server.Loops

// domainLoops are the loops of every domain that has its own, for server.NewWorkers.
func domainLoops(checkout checkoutLoopSet, shipping shippingLoopSet, settlement settlementLoopSet,
	promotions promoLoopSet, daily dailyLoopSet) server.Loops {
	loops := server.Loops{}
	for _, set := range []server.Loops{server.Loops(checkout), server.Loops(shipping), server.Loops(settlement),
		server.Loops(promotions), server.Loops(daily)} {
		for name, loop := range set {
			loops[name] = loop
		}
	}
	return loops
}

// checkoutLoops are checkout's background loops: the batch scheduler, the order sweeper, the
// pickup-day sweeper and the after-sales refund retries, each ticking every tick. (Event handlers
// are in the event map, internal/server/events.go.)
func checkoutLoops(t tick, logger log.Logger, batches *presale.Usecase, sweeper *order.Sweeper,
	pickup *order.Pickup, afterSales *order.AfterSales) checkoutLoopSet {
	h := log.NewHelper(logger)
	every := func(name string, step func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error {
			return runEvery(ctx, time.Duration(t), step, func(err error) { h.Errorw("msg", "tick failed", "loop", name, "error", err) })
		}
	}
	return checkoutLoopSet{
		"batch-scheduler": every("batch-scheduler", batches.Tick),
		"order-sweeper":   every("order-sweeper", sweeper.Tick),
		"pickup-sweeper":  every("pickup-sweeper", pickup.Tick),
		"after-sales":     every("after-sales", afterSales.RetryRefunds),
	}
}

// runEvery runs step at once and then every interval until ctx ends; a failed step is logged
// and tried again at the next tick.
func runEvery(ctx context.Context, interval time.Duration, step func(context.Context) error, logErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := step(ctx); err != nil && ctx.Err() == nil {
			logErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
