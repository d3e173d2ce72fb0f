package console

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

const (
	activitiesPath      = "/console/ops/activities"
	createActivityRoute = "POST " + activitiesPath
	moveActivityRoute   = "POST " + activitiesPath + "/{id}/status"
	// tierRows is how many tier rows the create form offers: the most an activity has.
	tierRows = 5
)

var (
	activityStatuses = []string{string(promo.ActivityActive), string(promo.ActivityPaused), string(promo.ActivityEnded)}
	activityActions  = []string{"created", "paused", "active", "ended"}
	activityFields   = map[string]string{"name": "name", "scope": "scope_list", "scope.ids": "scope_list",
		"scope.cells": "scope_list", "scope.kind": "scope_kind", "window": "window_until", "tiers": "tiers",
		"tiers.threshold_fen": "tiers", "tiers.off_fen": "tiers", "tiers.gift_item_id": "tiers", "tiers.gift_quantity": "tiers"}
)

// activityRow is an activity as the list shows it.
type activityRow struct{ *promo.Activity }

// ScopeSize is how many ids or cells the scope lists.
func (r activityRow) ScopeSize() int { return len(r.Scope.IDs) + len(r.Scope.Cells) }

// Can reports whether the activity's status may move to to.
func (r activityRow) Can(to string) bool {
	return promo.ActivityLifecycle.Can(r.Status, promo.ActivityStatus(to))
}

// tierForm is one tier row as entered: amounts in yuan, a gift as a batch item and a quantity.
type tierForm struct{ Threshold, Off, GiftItem, GiftQty string }

// activityForm is the create form as entered, kept to show again with its refusal.
type activityForm struct {
	Name, ScopeKind, ScopeList, WindowFrom, WindowUntil string
	Tiers                                               []tierForm
}

func readActivityForm(r *http.Request) activityForm {
	f := activityForm{Name: r.PostFormValue("name"), ScopeKind: strings.TrimSpace(r.PostFormValue("scope_kind")),
		ScopeList: r.PostFormValue("scope_list"), WindowFrom: strings.TrimSpace(r.PostFormValue("window_from")),
		WindowUntil: strings.TrimSpace(r.PostFormValue("window_until")), Tiers: make([]tierForm, tierRows)}
	_ = r.ParseForm()
	at := func(name string, i int) string {
		if vs := r.PostForm[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range f.Tiers {
		f.Tiers[i] = tierForm{Threshold: at("threshold", i), Off: at("off", i), GiftItem: at("gift_item_id", i),
			GiftQty: at("gift_quantity", i)}
	}
	return f
}

// input reads the form as an activity; rows without a threshold are left out.
func (f activityForm) input() (*promo.Activity, error) {
	a := &promo.Activity{Name: f.Name}
	var err error
	if a.Scope, err = readScope(f.ScopeKind, f.ScopeList); err != nil {
		return nil, err
	}
	if a.Window, err = readWindow("window", f.WindowFrom, f.WindowUntil); err != nil {
		return nil, err
	}
	for _, row := range f.Tiers {
		if row.Threshold == "" {
			continue
		}
		var t promo.Tier
		if t.Threshold, err = parseYuan("tiers.threshold_fen", row.Threshold); err != nil {
			return nil, err
		}
		if t.Off, err = optionalYuan("tiers.off_fen", row.Off); err != nil {
			return nil, err
		}
		if t.GiftItemID, err = readInt("tiers.gift_item_id", row.GiftItem); err != nil {
			return nil, err
		}
		if t.GiftQty, err = readInt("tiers.gift_quantity", row.GiftQty); err != nil {
			return nil, err
		}
		a.Tiers = append(a.Tiers, t)
	}
	return a, nil
}

// activitiesData is a page of activities, newest first, by status, with the create form for
// those who may create and a status form on each row for those who may move them.
type activitiesData struct {
	formError
	Status       string
	Statuses     []string
	Activities   []activityRow
	Before, Next int64
	Input        activityForm
	ScopeKinds   []string
	CanCreate    bool
	CanMove      bool
	Done         string
	DoneID       int64
}

// Href is the list's address in status, from before.
func (d *activitiesData) Href(status string, before int64) template.URL {
	return keysetHref(activitiesPath, before, "status", status)
}

// On is the create form's refusal shown on its field name.
func (d *activitiesData) On(name string) string {
	if d.Form == "create" && d.Field != "" && activityFields[d.Field] == name {
		return d.Error
	}
	return ""
}

// CreateError is a refusal of the create form no field shows.
func (d *activitiesData) CreateError() string {
	if d.Form == "create" && activityFields[d.Field] == "" {
		return d.Error
	}
	return ""
}

// MoveError is the refusal of activity id's status form.
func (d *activitiesData) MoveError(id int64) string {
	if d.Form == "status" && d.ID == id {
		return d.Error
	}
	return ""
}

// F is the create form's field name.
func (d *activitiesData) F(name string) fieldView {
	return fieldView{Name: name, ID: "activity-" + name, Error: d.On(name)}
}

func (c *Console) activitiesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &activitiesData{Status: oneOf(q.Get("status"), activityStatuses...), Before: queryID(r, "before"),
		Done: oneOf(q.Get("done"), activityActions...), DoneID: queryID(r, "id")}
	c.showActivities(w, r, rc, http.StatusOK, d)
}

// showActivities lists the activities as the API's list operation does, with the forms the
// account may use.
func (c *Console) showActivities(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *activitiesData) {
	as, err := c.deps.Promotions.Activities(r.Context(), promo.ActivityFilter{Status: promo.ActivityStatus(d.Status),
		BeforeID: d.Before, Limit: opsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(as) > opsPerPage {
		as = as[:opsPerPage]
		d.Next = as[len(as)-1].ID
	}
	for _, a := range as {
		d.Activities = append(d.Activities, activityRow{a})
	}
	d.Statuses, d.ScopeKinds = activityStatuses, scopeKinds
	if len(d.Input.Tiers) == 0 {
		d.Input = activityForm{ScopeKind: string(promo.ScopeAll), Tiers: make([]tierForm, tierRows)}
	}
	d.CanCreate, d.CanMove = c.may(rc.p, createActivityRoute), c.may(rc.p, moveActivityRoute)
	c.render(w, r, status, "activities", c.frame(rc, "activities.heading", activitiesPath), d)
}

// createActivity stores an activity from the form (the API's create operation); a refusal is
// shown on its field with what was entered.
func (c *Console) createActivity(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readActivityForm(r)
	a, err := f.input()
	if err == nil {
		if a, err = c.deps.Promotions.CreateActivity(r.Context(), a, rc.p.ID); err == nil {
			opsRedirect(w, r, "%s?done=created&id=%d", activitiesPath, a.ID)
			return
		}
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	c.showActivities(w, r, rc, status, &activitiesData{Input: f,
		formError: formError{Form: "create", Field: invalidField(err), Error: text}})
}

// moveActivity pauses, resumes or ends an activity (the API's status operation); a move its
// status does not allow is refused on its row.
func (c *Console) moveActivity(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	to := oneOf(r.PostFormValue("status"), activityStatuses...)
	_, err := c.deps.Promotions.MoveActivity(r.Context(), id, promo.ActivityStatus(to))
	if err == nil {
		opsRedirect(w, r, "%s?done=%s&id=%d", activitiesPath, to, id)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok || status == http.StatusNotFound {
		c.refuseOr(w, r, rc, err)
		return
	}
	c.showActivities(w, r, rc, status, &activitiesData{formError: formError{Form: "status", ID: id, Error: text}})
}

func init() {
	viewNames = append(viewNames, "activities")
	viewParts["activities"] = []string{"promo_parts"}
}
