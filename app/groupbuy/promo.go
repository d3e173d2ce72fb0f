package main

import (
	"context"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// promoLoopSet is the promotions' loops, merged into server.Loops by domainLoops.
type promoLoopSet map[string]func(context.Context) error

// promoLoops are the promotions' background loops, every tick: the coupon expiry sweep and
// the ops sends and the targeted message sends.
func promoLoops(t tick, logger log.Logger, expiry *promo.Expiry, sends *promo.Sends,
	targeting *layer.Targeting) promoLoopSet {
	h := log.NewHelper(logger)
	every := func(name string, step func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error {
			return runEvery(ctx, time.Duration(t), step, func(err error) { h.Errorw("msg", "tick failed", "loop", name, "error", err) })
		}
	}
	return promoLoopSet{
		"coupon-expiry":  every("coupon-expiry", expiry.Tick),
		"coupon-sends":   every("coupon-sends", sends.Tick),
		"targeted-sends": every("targeted-sends", targeting.Tick),
	}
}
