package main

import (
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// trackingConfig turns the events section (defaults filled by conf.Load) into the per-shopper
// limit: at least one full request per window, or a shopper could never send one.
func trackingConfig(c *conf.Events) (tracking.Config, error) {
	cfg := tracking.Config{RateLimit: int(c.GetRateLimit()), RateWindow: c.GetRateWindow().AsDuration()}
	if cfg.RateLimit < tracking.MaxBatch {
		return cfg, fmt.Errorf("events.rate_limit %d: must be at least %d, one full request", cfg.RateLimit, tracking.MaxBatch)
	}
	return cfg, nil
}
