package main

import (
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// commissionConfig is the commission policy: the levels of leaders.commission_levels (which
// also fixes how much of a recruiting chain approval keeps) and the cap of commission.cap_bp.
func commissionConfig(l *conf.Leaders, c *conf.Commission) (commission.Config, error) {
	cfg := commission.Config{Levels: int(l.GetCommissionLevels()), CapBP: int(c.GetCapBp())}
	return cfg, cfg.Check()
}
