package console

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/geo"
)

const leadersPath = "/console/ops/leaders"

// leaderStatuses are the filters of the leaders list; the list opens on the queue (pending).
var leaderStatuses = []string{"pending", "approved", "rejected", "suspended", "removed"}

// leaderRow is a leader as the console shows it: the phone number masked, as in the API.
type leaderRow struct {
	*leader.Leader
	PhoneMasked string
}

func leaderRows(ls []*leader.Leader) []leaderRow {
	out := make([]leaderRow, len(ls))
	for i, l := range ls {
		out[i] = leaderRow{Leader: l, PhoneMasked: identity.MaskPhone(l.Phone)}
	}
	return out
}

// leadersData is the leaders list: one status (or all), oldest first, after_id pagination as
// in the API, so the queue is worked in the order the applications came. Query is the search
// box: an id opens that leader, other text matches pickup point names; Grid is a grid cell.
type leadersData struct {
	Status   string
	Statuses []string
	Query    string
	Grid     string
	Leaders  []leaderRow
	After    int64
	Next     int64
	Field    string
	Error    string
}

// Href is the list's address with the same search, in status, from after.
func (d *leadersData) Href(status string, after int64) template.URL {
	return listHref(leadersPath, after, "status", status, "q", d.Query, "grid", d.Grid)
}

func (c *Console) leadersPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &leadersData{Status: "pending", Statuses: leaderStatuses, After: queryID(r, "after"),
		Query: strings.TrimSpace(q.Get("q")), Grid: strings.TrimSpace(q.Get("grid"))}
	if q.Has("status") {
		d.Status = oneOf(q.Get("status"), leaderStatuses...)
	}
	if id, err := strconv.ParseInt(d.Query, 10, 64); err == nil && id > 0 {
		opsRedirect(w, r, "%s/%d", leadersPath, id) // a leader's number: its page
		return
	}
	ls, err := c.listLeaders(r, d)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Field, d.Error = invalid.Field, c.invalidText(invalid)
		c.render(w, r, http.StatusUnprocessableEntity, "leaders", c.frame(rc, "leaders.heading", leadersPath), d)
		return
	case err != nil:
		c.internal(w, r, rc, err)
		return
	}
	if len(ls) > opsPerPage {
		ls = ls[:opsPerPage]
		d.Next = ls[len(ls)-1].ID
	}
	d.Leaders = leaderRows(ls)
	c.render(w, r, http.StatusOK, "leaders", c.frame(rc, "leaders.heading", leadersPath), d)
}

// listLeaders is one page of the list through the use case the API's ListLeaders calls.
func (c *Console) listLeaders(r *http.Request, d *leadersData) ([]*leader.Leader, error) {
	f := leader.ListFilter{Status: leader.Status(d.Status), PointName: d.Query, AfterID: d.After, Limit: opsPerPage + 1}
	if d.Grid != "" {
		cell, err := geo.ParseCell(d.Grid)
		if err != nil {
			return nil, bizerr.Invalid("grid_cell", "not an H3 cell")
		}
		f.GridCell = cell
	}
	return c.deps.Leaders.List(r.Context(), f)
}

// leaderData is one leader with its history and the forms its status and the account's role
// allow. Form names the form an error belongs to, Field its field.
type leaderData struct {
	Leader       leaderRow
	Events       []leader.Event
	CanReview    bool
	CanSuspend   bool
	CanReinstate bool
	CanRemove    bool
	Reason       string
	Form         string
	Field        string
	Error        string
	Done         string
}

// leaderActions are the leader page's forms, by the word its answer carries.
var leaderActions = []string{"approved", "rejected", "suspended", "reinstated", "removed"}

func (c *Console) leaderPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showLeader(w, r, rc, http.StatusOK, &leaderData{Done: oneOf(r.URL.Query().Get("done"), leaderActions...)})
}

func (c *Console) showLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *leaderData) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	l, events, err := c.deps.Leaders.Get(r.Context(), id)
	if err != nil {
		c.refuseOr(w, r, rc, err)
		return
	}
	d.Leader, d.Events = leaderRows([]*leader.Leader{l})[0], events
	d.CanReview = l.Status == leader.StatusPending && c.may(rc.p, approveLeaderRoute)
	d.CanSuspend = leader.Lifecycle.Check(l.Status, leader.StatusSuspended) == nil && c.may(rc.p, suspendLeaderRoute)
	d.CanReinstate = l.Status == leader.StatusSuspended && c.may(rc.p, reinstateLeaderRoute)
	d.CanRemove = leader.Lifecycle.Check(l.Status, leader.StatusRemoved) == nil && c.may(rc.p, removeLeaderRoute)
	c.render(w, r, status, "leader", c.frame(rc, "leader.heading", leadersPath), d)
}

const (
	approveLeaderRoute   = "POST " + leadersPath + "/{id}/approve"
	rejectLeaderRoute    = "POST " + leadersPath + "/{id}/reject"
	suspendLeaderRoute   = "POST " + leadersPath + "/{id}/suspend"
	reinstateLeaderRoute = "POST " + leadersPath + "/{id}/reinstate"
	removeLeaderRoute    = "POST " + leadersPath + "/{id}/remove"
)

// approveLeader approves a pending application as the signed-in ops account (the API's
// ApproveLeader).
func (c *Console) approveLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.reviewLeader(w, r, rc, "approved", func(id int64) (*leader.Leader, error) {
		return c.deps.Leaders.Approve(r.Context(), rc.p, id)
	})
}

// rejectLeader rejects a pending application with the form's reason (the API's RejectLeader;
// the use case requires the reason).
func (c *Console) rejectLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.reviewLeader(w, r, rc, "rejected", func(id int64) (*leader.Leader, error) {
		return c.deps.Leaders.Reject(r.Context(), rc.p, id, formReason(r))
	})
}

// suspendLeader stops an approved leader serving, with the form's reason (the API's
// SuspendLeader).
func (c *Console) suspendLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.reviewLeader(w, r, rc, "suspended", func(id int64) (*leader.Leader, error) {
		return c.deps.Leaders.Suspend(r.Context(), rc.p, id, formReason(r))
	})
}

// reinstateLeader lets a suspended leader serve again (the API's ReinstateLeader, which
// records no reason).
func (c *Console) reinstateLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.reviewLeader(w, r, rc, "reinstated", func(id int64) (*leader.Leader, error) {
		return c.deps.Leaders.Reinstate(r.Context(), rc.p, id)
	})
}

// removeLeader ends an approved or suspended leader for good, with the form's reason (the
// API's RemoveLeader).
func (c *Console) removeLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.reviewLeader(w, r, rc, "removed", func(id int64) (*leader.Leader, error) {
		return c.deps.Leaders.Remove(r.Context(), rc.p, id, formReason(r))
	})
}

func formReason(r *http.Request) string { return strings.TrimSpace(r.PostFormValue("reason")) }

// reviewLeader runs one action of the leader page and, when it succeeds, shows the leader
// again; the address it goes to is built from the stored leader, not from the request. A
// refusal is shown on the form that was sent.
func (c *Console) reviewLeader(w http.ResponseWriter, r *http.Request, rc *reqCtx, done string,
	do func(int64) (*leader.Leader, error)) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	l, err := do(id)
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=%s", leadersPath, l.ID, done)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok || status == http.StatusNotFound {
		c.refuseOr(w, r, rc, err)
		return
	}
	c.showLeader(w, r, rc, status, &leaderData{Error: text, Form: done, Field: invalidField(err),
		Reason: r.PostFormValue("reason")})
}

// refuseOr shows a refusal as an error page with its status, or any other error as internal.
func (c *Console) refuseOr(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	status, _, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	key := "error.not_found"
	if status != http.StatusNotFound {
		key = "error.refused"
	}
	c.fail(w, r, rc, status, key)
}
