package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

const (
	couponsPath       = "/console/ops/coupons"
	newCouponRoute    = "GET " + couponsPath + "/new"
	createCouponRoute = "POST " + couponsPath
	couponRoute       = "GET " + couponsPath + "/{id}"
	updateCouponRoute = "POST " + couponsPath + "/{id}"
	moveCouponRoute   = "POST " + couponsPath + "/{id}/status"
	// couponBar is the width of a template's budget bar, in SVG units.
	couponBar = 120
)

var (
	templateStatuses = []string{string(promo.TemplateActive), string(promo.TemplatePaused), string(promo.TemplateEnded)}
	channels         = []string{string(promo.ChannelClaim), string(promo.ChannelSend), string(promo.ChannelNewShopper),
		string(promo.ChannelInvitation)}
	funders        = []string{string(promo.FundedByPlatform), string(promo.FundedByLeader)}
	discountKinds  = []string{string(promo.FixedOff), string(promo.PercentOff)}
	couponActions  = []string{"created", "updated", "paused", "active", "ended"}
	templateFields = map[string]string{
		"name": "name", "discount.kind": "kind", "discount.amount_off_fen": "amount_off",
		"discount.percent_bp": "zhe", "discount.max_off_fen": "max_off", "discount.threshold_fen": "threshold",
		"scope": "scope_list", "scope.ids": "scope_list", "scope.cells": "scope_list", "scope.kind": "scope_kind",
		"validity": "valid_until", "validity.days": "valid_days", "budget.count": "budget_count",
		"budget.amount_fen": "budget_amount", "budget.per_shopper": "per_shopper", "funded_by": "funded_by",
		"channel": "channel", "claim_window": "claim_until",
	}
)

// couponRow is a template with its figures, as the list and its page show them.
type couponRow struct{ *promo.TemplateView }

// Zhe is a percentage discount in 折.
func (r couponRow) Zhe() string { return zhe(r.Discount.PercentBP) }

// Remaining is how many coupons the count budget has left.
func (r couponRow) Remaining() int64 { return max(r.Budget.Count-r.Figures.Issued, 0) }

// BookedBar and SpentBar are the widths of the booked and the spent discount in the bar of the
// amount budget.
func (r couponRow) BookedBar() int64 { return barWidth(r.Figures.Booked, r.Budget.Amount, couponBar) }
func (r couponRow) SpentBar() int64  { return barWidth(r.Figures.Spent, r.Budget.Amount, couponBar) }

// ScopeSize is how many ids or cells the scope lists.
func (r couponRow) ScopeSize() int { return len(r.Scope.IDs) + len(r.Scope.Cells) }

// BarWidth is the bar's full width.
func (couponRow) BarWidth() int { return couponBar }

// Can reports whether the template's status may move to to.
func (r couponRow) Can(to string) bool {
	return promo.TemplateLifecycle.Can(r.Status, promo.TemplateStatus(to))
}

// couponsData is a page of templates, newest first, filtered by status and channel.
type couponsData struct {
	Status, Channel string
	Statuses        []string
	Channels        []string
	Templates       []couponRow
	Before, Next    int64
	CanCreate       bool
}

// Href is the list's address with its filters, with status and channel replaced when given.
func (d *couponsData) Href(status, channel string, before int64) template.URL {
	return keysetHref(couponsPath, before, "status", status, "channel", channel)
}

func (c *Console) couponsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &couponsData{Statuses: templateStatuses, Channels: channels, Before: queryID(r, "before"),
		Status: oneOf(q.Get("status"), templateStatuses...), Channel: oneOf(q.Get("channel"), channels...)}
	ts, err := c.deps.Promotions.Templates(r.Context(), promo.TemplateFilter{Status: promo.TemplateStatus(d.Status),
		Channel: promo.Channel(d.Channel), BeforeID: d.Before, Limit: opsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(ts) > opsPerPage {
		ts = ts[:opsPerPage]
		d.Next = ts[len(ts)-1].ID
	}
	for _, t := range ts {
		d.Templates = append(d.Templates, couponRow{t})
	}
	d.CanCreate = c.may(rc.p, createCouponRoute)
	c.render(w, r, http.StatusOK, "coupons", c.frame(rc, "coupons.heading", couponsPath), d)
}

// templateForm is a template's form as entered: amounts in yuan, the discount in 折, times in
// Beijing time, the scope's ids one a line. Kept to show again with its refusal.
type templateForm struct {
	Name, Kind, AmountOff, Zhe, MaxOff, Threshold string
	ScopeKind, ScopeList                          string
	ValidDays, ValidFrom, ValidUntil              string
	BudgetCount, BudgetAmount, PerShopper         string
	FundedBy, Channel, ClaimFrom, ClaimUntil      string
}

func readTemplateForm(r *http.Request) templateForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return templateForm{Name: r.PostFormValue("name"), Kind: v("kind"), AmountOff: v("amount_off"), Zhe: v("zhe"),
		MaxOff: v("max_off"), Threshold: v("threshold"), ScopeKind: v("scope_kind"), ScopeList: r.PostFormValue("scope_list"),
		ValidDays: v("valid_days"), ValidFrom: v("valid_from"), ValidUntil: v("valid_until"),
		BudgetCount: v("budget_count"), BudgetAmount: v("budget_amount"), PerShopper: v("per_shopper"),
		FundedBy: v("funded_by"), Channel: v("channel"), ClaimFrom: v("claim_from"), ClaimUntil: v("claim_until")}
}

// templateFormOf is a stored template as its edit form shows it.
func templateFormOf(t *promo.Template) templateForm {
	f := templateForm{Name: t.Name, Kind: string(t.Discount.Kind), Threshold: yuanPlain(t.Discount.Threshold),
		ScopeKind: string(t.Scope.Kind), ScopeList: scopeList(t.Scope),
		ValidFrom: bjInput(t.Validity.Window.From), ValidUntil: bjInput(t.Validity.Window.Until),
		BudgetCount: strconv.FormatInt(t.Budget.Count, 10), BudgetAmount: yuanPlain(t.Budget.Amount),
		PerShopper: strconv.Itoa(t.Budget.PerShopper), FundedBy: string(t.FundedBy), Channel: string(t.Channel),
		ClaimFrom: bjInput(t.ClaimWindow.From), ClaimUntil: bjInput(t.ClaimWindow.Until)}
	if t.Discount.Kind == promo.PercentOff {
		f.Zhe, f.MaxOff = zhe(t.Discount.PercentBP), yuanPlain(t.Discount.MaxOff)
	} else {
		f.AmountOff = yuanPlain(t.Discount.AmountOff)
	}
	if t.Validity.Days > 0 {
		f.ValidDays = strconv.Itoa(t.Validity.Days)
	}
	return f
}

// input reads the form as a template. A relative validity (days) takes the place of its window.
func (f templateForm) input() (*promo.Template, error) {
	t := &promo.Template{Name: f.Name, FundedBy: promo.Funder(f.FundedBy), Channel: promo.Channel(f.Channel),
		Discount: promo.Discount{Kind: promo.DiscountKind(f.Kind)}}
	var err error
	if t.Discount.Kind == promo.PercentOff {
		if t.Discount.PercentBP, err = parseZhe(f.Zhe); err != nil {
			return nil, err
		}
		if t.Discount.MaxOff, err = optionalYuan("discount.max_off_fen", f.MaxOff); err != nil {
			return nil, err
		}
	} else if t.Discount.AmountOff, err = optionalYuan("discount.amount_off_fen", f.AmountOff); err != nil {
		return nil, err
	}
	if t.Discount.Threshold, err = optionalYuan("discount.threshold_fen", f.Threshold); err != nil {
		return nil, err
	}
	if t.Scope, err = readScope(f.ScopeKind, f.ScopeList); err != nil {
		return nil, err
	}
	if f.ValidDays != "" {
		days, err := readInt("validity.days", f.ValidDays)
		if err != nil {
			return nil, err
		}
		t.Validity.Days = int(min(max(days, -1), 10_000))
	} else if t.Validity.Window, err = readWindow("validity", f.ValidFrom, f.ValidUntil); err != nil {
		return nil, err
	}
	if t.Budget.Count, err = readInt("budget.count", f.BudgetCount); err != nil {
		return nil, err
	}
	if t.Budget.Amount, err = optionalYuan("budget.amount_fen", f.BudgetAmount); err != nil {
		return nil, err
	}
	per, err := readInt("budget.per_shopper", f.PerShopper)
	if err != nil {
		return nil, err
	}
	t.Budget.PerShopper = int(min(max(per, -1), 1000))
	if t.ClaimWindow, err = readWindow("claim_window", f.ClaimFrom, f.ClaimUntil); err != nil {
		return nil, err
	}
	return t, nil
}

// couponData is one template with its figures and the forms the account may use, or the
// create form alone when there is no template.
type couponData struct {
	formError
	Template      *couponRow
	Input         templateForm
	Kinds         []string
	ScopeKinds    []string
	Channels      []string
	Funders       []string
	CanEdit       bool
	CanMove       bool
	Done          string
	ChannelLocked bool
}

// On is the refusal shown on the form field name, "" when none.
func (d *couponData) On(name string) string {
	if d.Form != "create" && d.Form != "edit" || d.Field == "" || templateFields[d.Field] != name {
		return ""
	}
	return d.Error
}

// Unplaced is a refusal of the template form that no field shows: shown above it.
func (d *couponData) Unplaced() string {
	if d.Form != "create" && d.Form != "edit" {
		return ""
	}
	if d.Field == "" || templateFields[d.Field] == "" {
		return d.Error
	}
	return ""
}

// MoveError is a refusal of the status form.
func (d *couponData) MoveError() string {
	if d.Form == "status" {
		return d.Error
	}
	return ""
}

// Action is where the form posts: the template, or the list for a new one.
func (d *couponData) Action() string {
	if d.Template != nil {
		return couponsPath + "/" + strconv.FormatInt(d.Template.ID, 10)
	}
	return couponsPath
}

func newCouponData() *couponData {
	return &couponData{Kinds: discountKinds, ScopeKinds: scopeKinds, Channels: channels, Funders: funders}
}

// newCouponPage is the create form: the template page without a template. A new template
// defaults to the shop's claim channel, funded by the platform.
func (c *Console) newCouponPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := newCouponData()
	d.Input = templateForm{Kind: string(promo.FixedOff), ScopeKind: string(promo.ScopeAll), PerShopper: "1",
		Channel: string(promo.ChannelClaim), FundedBy: string(promo.FundedByPlatform)}
	c.render(w, r, http.StatusOK, "coupon", c.frame(rc, "coupons.create_heading", couponsPath), d)
}

// createCoupon stores a template from the form (the API's create operation) and opens it; a
// refusal is shown on the field it concerns, with what was entered.
func (c *Console) createCoupon(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readTemplateForm(r)
	t, err := f.input()
	if err == nil {
		var v *promo.TemplateView
		if v, err = c.deps.Promotions.CreateTemplate(r.Context(), t, rc.p.ID); err == nil {
			opsRedirect(w, r, "%s/%d?done=created", couponsPath, v.ID)
			return
		}
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	d := newCouponData()
	d.Input, d.formError = f, formError{Form: "create", Field: invalidField(err), Error: text}
	c.render(w, r, status, "coupon", c.frame(rc, "coupons.create_heading", couponsPath), d)
}

func (c *Console) couponPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := newCouponData()
	d.Done = oneOf(r.URL.Query().Get("done"), couponActions...)
	c.showCoupon(w, r, rc, http.StatusOK, d)
}

// showCoupon shows the template; its edit form shows what was sent when it was refused, else
// what is stored.
func (c *Console) showCoupon(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *couponData) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	v, err := c.deps.Promotions.Template(r.Context(), id)
	if err != nil {
		c.refuseOr(w, r, rc, err)
		return
	}
	d.Template = &couponRow{v}
	if d.formError.Form != "edit" {
		d.Input = templateFormOf(v.Template)
	}
	// The channel is fixed once created (the use case refuses a change), and an ended template
	// takes no edit.
	d.ChannelLocked = true
	d.CanEdit = v.Status != promo.TemplateEnded && c.may(rc.p, updateCouponRoute)
	d.CanMove = c.may(rc.p, moveCouponRoute)
	c.render(w, r, status, "coupon", c.frame(rc, "coupon.heading", couponsPath), d)
}

// updateCoupon saves the edit form (the API's update operation).
func (c *Console) updateCoupon(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readTemplateForm(r)
	d := newCouponData()
	d.Input, d.formError = f, formError{Form: "edit"}
	c.changeCoupon(w, r, rc, "updated", d, func(id int64) error {
		t, err := f.input()
		if err != nil {
			return err
		}
		t.ID = id
		_, err = c.deps.Promotions.UpdateTemplate(r.Context(), t)
		return err
	})
}

// moveCoupon pauses, resumes or ends the template (the API's status operation).
func (c *Console) moveCoupon(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	to := oneOf(r.PostFormValue("status"), templateStatuses...)
	d := newCouponData()
	d.formError = formError{Form: "status"}
	c.changeCoupon(w, r, rc, to, d, func(id int64) error {
		_, err := c.deps.Promotions.MoveTemplate(r.Context(), id, promo.TemplateStatus(to))
		return err
	})
}

// changeCoupon runs one form of the template page and, when it succeeds, shows the template
// again; a refusal is shown on the form that was sent.
func (c *Console) changeCoupon(w http.ResponseWriter, r *http.Request, rc *reqCtx, done string, d *couponData,
	do func(id int64) error) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	err := do(id)
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=%s", couponsPath, id, oneOf(done, couponActions...))
		return
	}
	status, text, ok := c.refusal(err)
	if !ok || status == http.StatusNotFound {
		c.refuseOr(w, r, rc, err)
		return
	}
	d.Field, d.Error = invalidField(err), text
	c.showCoupon(w, r, rc, status, d)
}

// fieldView is one field of the template form: its input name, its element id and its
// refusal.
type fieldView struct{ Name, ID, Error string }

// F is the form's field name.
func (d *couponData) F(name string) fieldView {
	form := "create"
	if d.Template != nil {
		form = "edit"
	}
	return fieldView{Name: name, ID: form + "-" + name, Error: d.On(name)}
}

// The promotion pages' templates, with the parts they share.
func init() {
	viewNames = append(viewNames, "coupons", "coupon")
	viewParts["coupons"] = []string{"promo_parts"}
	viewParts["coupon"] = []string{"promo_parts"}
}
