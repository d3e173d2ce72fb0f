package redispace

import "time"

// WithTimes shortens how long a silent replica takes to be counted away and to be forgotten.
func WithTimes(cfg Config, grace, forget time.Duration) Config {
	cfg.grace, cfg.forget = grace, forget
	return cfg
}
