package commission

import (
	"fmt"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Plan is one version of the override rates of levels 1..N of the recruiting chain, for one grid
// or (GridCell empty) everywhere a grid has no plan of its own. An order is credited under the
// plan in force when it was paid: a change is a new version, effective from a time not in the
// past, so orders already paid keep theirs.
type Plan struct {
	ID            int64
	GridCell      string
	Version       int
	Rates         []int // basis points, level 1 first
	EffectiveFrom time.Time
	CreatedBy     int64
	CreatedAt     time.Time
}

// Sum is the plan's total override rate.
func (p *Plan) Sum() int {
	if p == nil {
		return 0
	}
	s := 0
	for _, r := range p.Rates {
		s += r
	}
	return s
}

// Config is commission's policy.
type Config struct {
	// Levels is how many levels earn, level 0 (the serving leader) included: a plan has at most
	// Levels-1 rates. Default 2, never above MaxLevels.
	Levels int
	// CapBP is the most a payment may carry in commission, all levels together (WeChat's
	// profit-sharing ratio of the merchant): default 3000.
	CapBP int
	// Share is WeChat's maximum profit-sharing ratio of a payment net of its fee: an order's
	// commission is cut to fit it (Split's ceiling), as pricing decided. MaxBP 0: no ceiling.
	Share ratio.Limit
}

// MaxLevels is the legal ceiling on distribution levels (anti-pyramid rules and WeChat's rules
// on multi-level distribution), whatever the configuration says.
const MaxLevels = 3

// DefaultCapBP is WeChat Pay's default maximum profit-sharing ratio of a merchant, 30%: the
// default of commission.cap_bp (internal/conf/defaults.go).
const DefaultCapBP = 3000

// Check refuses a policy outside the law's and WeChat's limits. The defaults of unset values are
// filled before, where the configuration is loaded (internal/conf/defaults.go).
func (c Config) Check() error {
	if c.Levels < 1 || c.Levels > MaxLevels {
		return fmt.Errorf("commission levels %d: must be 1 to %d", c.Levels, MaxLevels)
	}
	if c.CapBP < 0 || c.CapBP > BasisPoints {
		return fmt.Errorf("commission cap %d bp: must be 0 to %d", c.CapBP, BasisPoints)
	}
	return nil
}

// ErrPlanInvalid is a plan (or a batch item's rate) the limits refuse.
var ErrPlanInvalid = fmt.Errorf("commission plan exceeds the limits: %w", bizerr.ErrConflict)

// PlanError says which limit a plan or an item's rate breaks.
type PlanError struct{ Reason string }

func (e *PlanError) Error() string { return "commission plan refused: " + e.Reason }
func (e *PlanError) Unwrap() error { return ErrPlanInvalid }

// CheckRates refuses rates outside the policy: more than Levels-1 of them, a negative one, or a
// worst case (the highest level-0 rate of the items they would apply with, plus their sum) above
// the cap.
func (c Config) CheckRates(rates []int, maxItemBP int) error {
	if len(rates) > c.Levels-1 {
		return &PlanError{Reason: fmt.Sprintf("%d override levels: at most %d (%d levels in all, level 0 included)",
			len(rates), c.Levels-1, c.Levels)}
	}
	sum := 0
	for i, r := range rates {
		if r < 0 || r > BasisPoints {
			return &PlanError{Reason: fmt.Sprintf("level %d rate %d bp: must be 0 to %d", i+1, r, BasisPoints)}
		}
		sum += r
	}
	if sum+maxItemBP > c.CapBP {
		return &PlanError{Reason: fmt.Sprintf("worst case %d bp (overrides %d + highest item rate %d) exceeds the cap of %d bp",
			sum+maxItemBP, sum, maxItemBP, c.CapBP)}
	}
	return nil
}

// InForce is the plan that applies at t in grid: the grid's latest version effective at t, else
// the global one's, else nil (no overrides). plans may hold any grid's plans.
func InForce(plans []Plan, grid string, t time.Time) *Plan {
	var own, global *Plan
	for i := range plans {
		p := &plans[i]
		if p.EffectiveFrom.After(t) {
			continue
		}
		switch p.GridCell {
		case "":
			if global == nil || p.Version > global.Version {
				global = p
			}
		case grid:
			if own == nil || p.Version > own.Version {
				own = p
			}
		}
	}
	if own != nil {
		return own
	}
	return global
}

// WorstSum is the highest override sum that can apply in grid from t on: the plan in force at t
// and every later version of the grid's plan or, while the grid has none in force, of the global
// one. A batch item is checked against it.
func WorstSum(plans []Plan, grid string, t time.Time) int {
	worst := InForce(plans, grid, t).Sum()
	for i := range plans {
		p := &plans[i]
		if p.EffectiveFrom.After(t) && (p.GridCell == grid || p.GridCell == "") {
			worst = max(worst, p.Sum())
		}
	}
	return worst
}
