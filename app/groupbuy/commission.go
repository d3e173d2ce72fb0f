package main

import (
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// commissionConfig is the commission policy: the levels of leaders.commission_levels (which
// also fixes how much of a recruiting chain approval keeps), the cap of commission.cap_bp, and
// WeChat's maximum ratio net of the fee (settlement.max_ratio_bp, fee_bp) an order's commission
// is cut to fit.
func commissionConfig(l *conf.Leaders, c *conf.Commission, s *conf.Settlement) (commission.Config, error) {
	cfg := commission.Config{Levels: int(l.GetCommissionLevels()), CapBP: int(c.GetCapBp()),
		Share: ratio.Limit{MaxBP: int(s.GetMaxRatioBp()), FeeBP: int(s.GetFeeBp())}}
	return cfg, cfg.Check()
}
