package main

import (
	"context"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server"
)

// shippingConfig turns the shipping section (defaults filled by conf.Load) into the
// declarations' policy.
func shippingConfig(c *conf.Shipping) shipping.Config {
	cfg := shipping.Config{
		UndeclaredAfter:    c.GetUndeclaredAfter().AsDuration(),
		UndeclaredLookback: c.GetUndeclaredLookback().AsDuration(),
		RetryMaxDelay:      c.GetRetryMaxDelay().AsDuration(),
	}
	return cfg
}

// shippingLoopSet is the shipping declarations' loops, merged into server.Loops by domainLoops.
type shippingLoopSet server.Loops

// undeclaredCheckEvery is how often the undeclared-orders check runs on each replica.
const undeclaredCheckEvery = 24 * time.Hour

// shippingLoops are the declarations' worker, ticking every shipping.tick, and the daily check
// that logs paid orders with no declaration uploaded to WeChat.
func shippingLoops(c *conf.Shipping, logger log.Logger, uc *shipping.Usecase) shippingLoopSet {
	h := log.NewHelper(logger)
	interval := c.GetTick().AsDuration()
	return shippingLoopSet{
		"shipping-declarations": func(ctx context.Context) error {
			return runEvery(ctx, interval, uc.Tick, func(err error) {
				h.Errorw("msg", "tick failed", "loop", "shipping-declarations", "error", err)
			})
		},
		"shipping-undeclared-check": func(ctx context.Context) error {
			return runEvery(ctx, undeclaredCheckEvery, func(ctx context.Context) error {
				return checkUndeclared(ctx, uc, h)
			}, func(err error) { h.Errorw("msg", "tick failed", "loop", "shipping-undeclared-check", "error", err) })
		},
	}
}

// checkUndeclared logs every paid order older than shipping.undeclared_after with no
// declaration uploaded, with the reason of its declaration when it has one.
func checkUndeclared(ctx context.Context, uc *shipping.Usecase, h *log.Helper) error {
	var after int64
	total := 0
	for {
		os, err := uc.Undeclared(ctx, 0, after, 500)
		if err != nil {
			return err
		}
		for _, o := range os {
			reason := "no declaration"
			if len(o.Pending) > 0 {
				last := o.Pending[len(o.Pending)-1]
				reason = string(last.Kind) + " " + string(last.State) + ": " + last.LastError
			}
			h.Warnw("msg", "paid order not declared to WeChat", "order_id", o.OrderID, "status", o.Status,
				"paid_at", o.PaidAt, "reason", reason)
			after = o.OrderID
		}
		total += len(os)
		if len(os) < 500 {
			break
		}
	}
	h.Infow("msg", "undeclared orders check", "undeclared", total, "older_than", uc.Config().UndeclaredAfter)
	return nil
}
