package main

import (
	"context"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// promoLoopSet is the promotions' loops, merged into server.Loops by domainLoops.
type promoLoopSet map[string]func(context.Context) error

// promoLoops are the promotions' background loops: the coupon expiry sweep, every tick.
func promoLoops(t tick, logger log.Logger, expiry *promo.Expiry) promoLoopSet {
	h := log.NewHelper(logger)
	return promoLoopSet{
		"coupon-expiry": func(ctx context.Context) error {
			return runEvery(ctx, time.Duration(t), expiry.Tick, func(err error) {
				h.Errorw("msg", "tick failed", "loop", "coupon-expiry", "error", err)
			})
		},
	}
}
