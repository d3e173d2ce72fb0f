package promo

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Admin is what ops do with templates and activities.
type Admin struct {
	repo   Repo
	keeper *Keeper
	capBP  int
	now    port.Clock
}

// NewAdmin checks leader-funded templates against the commission cap of cfg.
func NewAdmin(repo Repo, keeper *Keeper, cfg commission.Config, now port.Clock) *Admin {
	return &Admin{repo: repo, keeper: keeper, capBP: cfg.CapBP, now: now}
}

// TemplateView is a template with its figures.
type TemplateView struct {
	*Template
	Figures Figures
}

// Left is how many more coupons the template can issue: the count budget left, and no more
// than the amount budget left allows at the template's current discount.
func (v TemplateView) Left() int64 {
	left := max(v.Budget.Count-v.Figures.Issued, 0)
	if most := v.Discount.Most(); most > 0 {
		left = min(left, max(v.Budget.Amount-v.Figures.Booked, 0)/most)
	}
	return left
}

// CreateTemplate checks and stores a template of ops user by, active, and loads its counters.
func (a *Admin) CreateTemplate(ctx context.Context, t *Template, by int64) (*TemplateView, error) {
	if err := a.checkNew(t.ClaimWindow); err != nil {
		return nil, err
	}
	t.ID, t.Status, t.CreatedBy = 0, TemplateActive, by
	if err := t.Check(a.capBP); err != nil {
		return nil, err
	}
	created, err := a.repo.CreateTemplate(ctx, t)
	if err != nil {
		return nil, err
	}
	// The counters are loaded now so the first claims need no rebuild. If Redis fails here
	// the first claim rebuilds them: the template is stored either way.
	_ = a.keeper.Start(ctx, created.ID)
	return &TemplateView{Template: created}, nil
}

func (a *Admin) checkNew(w Window) error {
	if !w.Until.IsZero() && !w.Until.After(a.now()) {
		return bizerr.Invalid("claim_window", "must end in the future")
	}
	return nil
}

// UpdateTemplate writes ops' edit of a template. Only the template changes: coupons already
// issued keep the rules they copied. The channel is fixed at creation, and an ended template
// takes no edit.
//
// The discount may change. The amount budget is booked at each coupon's own most (what its
// copied rules can take off at most), never at the template's current one: the budget bounds
// what the coupons issued can cost, and a coupon issued before an edit can cost what it was
// issued with, so booking the current most would over- or under-count the edited template.
//
// Budgets may be raised, or lowered no lower than what is issued (count, amount booked, and
// the most any shopper holds). A budget edit is checked and saved while claims are paused and
// settled (Keeper.Reload), so no claim in flight can pass a budget being lowered, and the
// counters are loaded with the new budgets.
func (a *Admin) UpdateTemplate(ctx context.Context, edit *Template) (*TemplateView, error) {
	cur, err := a.repo.Template(ctx, edit.ID)
	if err != nil {
		return nil, err
	}
	if cur.Status == TemplateEnded {
		return nil, TemplateLifecycle.Refuse(cur.Status, "edit")
	}
	if edit.Channel != cur.Channel {
		return nil, bizerr.Invalid("channel", "is fixed once the template is created")
	}
	edit.Status, edit.CreatedBy, edit.CreatedAt = cur.Status, cur.CreatedBy, cur.CreatedAt
	if err := edit.Check(a.capBP); err != nil {
		return nil, err
	}
	if edit.Budget == cur.Budget {
		if err := a.repo.SaveTemplate(ctx, edit); err != nil {
			return nil, err
		}
		return a.Template(ctx, edit.ID)
	}
	err = a.keeper.Reload(ctx, edit.ID, func(ctx context.Context, _ *Template, issued Issued) (*Template, error) {
		if err := budgetCovers(edit.Budget, issued); err != nil {
			return nil, err
		}
		return edit, a.repo.SaveTemplate(ctx, edit)
	})
	if err != nil {
		return nil, err
	}
	return a.Template(ctx, edit.ID)
}

// budgetCovers refuses budgets below what is issued.
func budgetCovers(b Budget, issued Issued) error {
	most := 0
	for _, n := range issued.PerShopper {
		most = max(most, n)
	}
	switch {
	case b.Count < issued.Count:
		return bizerr.Invalid("budget.count", fmt.Sprintf("%d coupons are issued already", issued.Count))
	case b.Amount < issued.Amount:
		return bizerr.Invalid("budget.amount_fen", fmt.Sprintf("%d fen are booked already", issued.Amount))
	case b.PerShopper < most:
		return bizerr.Invalid("budget.per_shopper", fmt.Sprintf("a shopper holds %d already", most))
	}
	return nil
}

// MoveTemplate pauses, resumes or ends a template (TemplateLifecycle), by a conditional update
// from the status it read, so two moves racing never bring an ended template back. Coupons
// issued stay usable whatever the template's status.
func (a *Admin) MoveTemplate(ctx context.Context, id int64, to TemplateStatus) (*TemplateView, error) {
	t, err := a.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.repo.MoveTemplate(ctx, id, t.Status, to); err != nil {
		return nil, err
	}
	return a.Template(ctx, id)
}

// Template is one template with its figures.
func (a *Admin) Template(ctx context.Context, id int64) (*TemplateView, error) {
	if id <= 0 {
		return nil, bizerr.Invalid("id", "a positive id")
	}
	t, err := a.repo.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	figs, err := a.repo.Figures(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	return &TemplateView{Template: t, Figures: figs[id]}, nil
}

// Templates is a page of templates with their figures.
func (a *Admin) Templates(ctx context.Context, f TemplateFilter) ([]*TemplateView, error) {
	if err := checkTemplateFilter(f); err != nil {
		return nil, err
	}
	ts, err := a.repo.Templates(ctx, f)
	if err != nil {
		return nil, err
	}
	return withFigures(ctx, a.repo, ts)
}

func checkTemplateFilter(f TemplateFilter) error {
	switch f.Channel {
	case "", ChannelClaim, ChannelSend, ChannelNewShopper, ChannelInvitation:
	default:
		return bizerr.Invalid("channel", "claim, send, new_shopper or invitation")
	}
	switch f.Status {
	case "", TemplateActive, TemplatePaused, TemplateEnded:
	default:
		return bizerr.Invalid("status", "active, paused or ended")
	}
	if f.BeforeID < 0 {
		return bizerr.Invalid("before_id", "a positive id")
	}
	return nil
}

func withFigures(ctx context.Context, repo Repo, ts []*Template) ([]*TemplateView, error) {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	figs, err := repo.Figures(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*TemplateView, len(ts))
	for i, t := range ts {
		out[i] = &TemplateView{Template: t, Figures: figs[t.ID]}
	}
	return out, nil
}

// CreateActivity checks and stores an activity of ops user by, active.
func (a *Admin) CreateActivity(ctx context.Context, act *Activity, by int64) (*Activity, error) {
	if err := a.checkNew(act.Window); err != nil {
		return nil, bizerr.Invalid("window", "must end in the future")
	}
	act.ID, act.Status, act.CreatedBy = 0, ActivityActive, by
	if err := act.Check(); err != nil {
		return nil, err
	}
	return a.repo.CreateActivity(ctx, act)
}

// UpdateActivity writes ops' edit of an activity; an ended one takes no edit. Orders priced
// before keep the discount they were allocated.
func (a *Admin) UpdateActivity(ctx context.Context, edit *Activity) (*Activity, error) {
	cur, err := a.repo.Activity(ctx, edit.ID)
	if err != nil {
		return nil, err
	}
	if cur.Status == ActivityEnded {
		return nil, ActivityLifecycle.Refuse(cur.Status, "edit")
	}
	edit.Status, edit.CreatedBy, edit.CreatedAt = cur.Status, cur.CreatedBy, cur.CreatedAt
	if err := edit.Check(); err != nil {
		return nil, err
	}
	if err := a.repo.SaveActivity(ctx, edit); err != nil {
		return nil, err
	}
	return a.repo.Activity(ctx, edit.ID)
}

// MoveActivity pauses, resumes or ends an activity (ActivityLifecycle).
func (a *Admin) MoveActivity(ctx context.Context, id int64, to ActivityStatus) (*Activity, error) {
	act, err := a.Activity(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.repo.MoveActivity(ctx, id, act.Status, to); err != nil {
		return nil, err
	}
	return a.repo.Activity(ctx, id)
}

// Activity is one activity.
func (a *Admin) Activity(ctx context.Context, id int64) (*Activity, error) {
	if id <= 0 {
		return nil, bizerr.Invalid("id", "a positive id")
	}
	return a.repo.Activity(ctx, id)
}

// Activities is a page of activities.
func (a *Admin) Activities(ctx context.Context, f ActivityFilter) ([]*Activity, error) {
	switch f.Status {
	case "", ActivityActive, ActivityPaused, ActivityEnded:
	default:
		return nil, bizerr.Invalid("status", "active, paused or ended")
	}
	if f.BeforeID < 0 {
		return nil, bizerr.Invalid("before_id", "a positive id")
	}
	return a.repo.Activities(ctx, f)
}
