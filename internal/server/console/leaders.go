package console

import (
	"net/http"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
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
// in the API, so the queue is worked in the order the applications came.
type leadersData struct {
	Status   string
	Statuses []string
	Leaders  []leaderRow
	After    int64
	Next     int64
}

func (c *Console) leadersPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &leadersData{Status: "pending", Statuses: leaderStatuses, After: queryID(r, "after")}
	if q.Has("status") {
		d.Status = oneOf(q.Get("status"), leaderStatuses...)
	}
	ls, err := c.deps.Leaders.List(r.Context(), leader.ListFilter{Status: leader.Status(d.Status),
		AfterID: d.After, Limit: opsPerPage + 1})
	if err != nil {
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

// leaderData is one leader with its history and the review forms its status allows.
type leaderData struct {
	Leader    leaderRow
	Events    []leader.Event
	CanReview bool
	Reason    string
	Error     string
	Done      string
}

func (c *Console) leaderPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showLeader(w, r, rc, http.StatusOK, &leaderData{Done: oneOf(r.URL.Query().Get("done"), "approved", "rejected")})
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
	c.render(w, r, status, "leader", c.frame(rc, "leader.heading", leadersPath), d)
}

const (
	approveLeaderRoute = "POST " + leadersPath + "/{id}/approve"
	rejectLeaderRoute  = "POST " + leadersPath + "/{id}/reject"
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
		return c.deps.Leaders.Reject(r.Context(), rc.p, id, strings.TrimSpace(r.PostFormValue("reason")))
	})
}

// reviewLeader runs one review action and, when it succeeds, shows the leader again; the
// address it goes to is built from the stored leader, not from the request.
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
	c.showLeader(w, r, rc, status, &leaderData{Error: text, Reason: r.PostFormValue("reason")})
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
