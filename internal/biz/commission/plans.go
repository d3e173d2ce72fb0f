package commission

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Plans is what ops do with commission plans, and the check batches make against them.
type Plans struct {
	repo Repo
	cfg  Config
	now  port.Clock
}

// NewPlans builds the plans' use cases.
func NewPlans(repo Repo, cfg Config, now port.Clock) *Plans {
	return &Plans{repo: repo, cfg: cfg, now: now}
}

// Config is the policy in effect.
func (p *Plans) Config() Config { return p.cfg }

// PlanInput is a new version of a grid's (or, grid empty, the global) plan.
type PlanInput struct {
	GridCell      string
	Rates         []int
	EffectiveFrom time.Time // zero: now
}

// Create saves the next version of a plan. It applies to orders paid from EffectiveFrom on,
// which may not be in the past (orders paid before keep their plan). The worst case — the
// rates' sum plus the highest level-0 rate of the scheduled and open batches it would apply to
// (every batch for the global plan) — must stay within the cap.
func (p *Plans) Create(ctx context.Context, by identity.Principal, in PlanInput) (*Plan, error) {
	now := p.now()
	if in.EffectiveFrom.IsZero() {
		in.EffectiveFrom = now
	}
	if err := checkEffectiveFrom(in.EffectiveFrom, now); err != nil {
		return nil, err
	}
	if in.GridCell != "" {
		c, err := geo.ParseCell(in.GridCell)
		if err != nil {
			return nil, bizerr.Invalid("grid_cell", "not an H3 cell index")
		}
		in.GridCell = c.String()
	}
	worst, err := p.repo.MaxItemBP(ctx, in.GridCell)
	if err != nil {
		return nil, err
	}
	if err := p.cfg.CheckRates(in.Rates, worst); err != nil {
		return nil, err
	}
	plan := &Plan{GridCell: in.GridCell, Rates: append([]int{}, in.Rates...), EffectiveFrom: in.EffectiveFrom.UTC(),
		CreatedBy: by.ID}
	return p.repo.CreatePlan(ctx, plan)
}

// List lists every plan version.
func (p *Plans) List(ctx context.Context) ([]Plan, error) { return p.repo.Plans(ctx) }

// InForce is the plan in force in grid now (nil: no overrides).
func (p *Plans) InForce(ctx context.Context, grid string) (*Plan, error) {
	plans, err := p.repo.Plans(ctx, grid, "")
	if err != nil {
		return nil, err
	}
	return InForce(plans, grid, p.now()), nil
}

// CheckItems refuses level-0 rates that, with the overrides of a plan in force now or later in
// any of grids, would exceed the cap. Batches call it when a draft is saved and when scheduled.
func (p *Plans) CheckItems(ctx context.Context, grids []geo.Cell, rates []int) error {
	top := 0
	for _, r := range rates {
		top = max(top, r)
	}
	names := make([]string, 0, len(grids)+1)
	for _, g := range grids {
		names = append(names, g.String())
	}
	plans, err := p.repo.Plans(ctx, append(names, "")...)
	if err != nil {
		return err
	}
	now := p.now()
	for _, g := range names {
		if sum := WorstSum(plans, g, now); top+sum > p.cfg.CapBP {
			return &PlanError{Reason: fmt.Sprintf("item commission %d bp + overrides %d bp in grid %s exceed the cap of %d bp",
				top, sum, g, p.cfg.CapBP)}
		}
	}
	if len(names) == 0 && top > p.cfg.CapBP {
		return &PlanError{Reason: fmt.Sprintf("item commission %d bp exceeds the cap of %d bp", top, p.cfg.CapBP)}
	}
	return nil
}

// maxPlanAhead is how far ahead a plan may be set: further is a typo, not a plan.
const maxPlanAhead = 366 * 24 * time.Hour

// checkEffectiveFrom refuses a start in the past (orders already paid keep their plan; a
// minute of clock skew is allowed) or more than maxPlanAhead ahead.
func checkEffectiveFrom(from, now time.Time) error {
	switch {
	case from.Before(now.Add(-time.Minute)):
		return bizerr.Invalid("effective_from", "is in the past: orders already paid keep their plan")
	case from.After(now.Add(maxPlanAhead)):
		return bizerr.Invalid("effective_from", "is more than a year ahead")
	}
	return nil
}
