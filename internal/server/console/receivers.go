package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

const (
	receiversPath = "/console/receivers"
	retryRegRoute = "POST " + receiversPath + "/{id}/retry"
	// regsPerPage is the page size of the registrations list, within the API's limit.
	regsPerPage = 50
)

// regStates are the states the filter offers, as the API accepts them; "" is all.
var regStates = []payment.RegistrationState{payment.RegistrationPending, payment.RegistrationDone, payment.RegistrationFailed}

// receiversData is the receiver registrations page: a page of them, newest first, filtered by
// state and leader, with a retry button on the failed ones for those the API lets retry.
type receiversData struct {
	Regs     []payment.RegistrationRecord
	States   []payment.RegistrationState
	State    string
	Leader   int64
	Before   int64
	Next     int64
	CanRetry bool
	Retried  int64
	Error    string
}

// FilterQuery is the page's filters as a query string prefix ("state=failed&leader=3&"), for
// its links. It is safe as a URL: the state is one of regStates and the leader a number.
func (d *receiversData) FilterQuery() template.URL {
	q := ""
	if d.State != "" {
		q += "state=" + d.State + "&"
	}
	if d.Leader > 0 {
		q += fmt.Sprintf("leader=%d&", d.Leader)
	}
	return template.URL(q) //nolint:gosec // G203: built from a checked state and an integer only
}

func (c *Console) receiversPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &receiversData{State: q.Get("state"), States: regStates}
	if d.State != "" && !slices.Contains(regStates, payment.RegistrationState(d.State)) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	d.Leader, _ = strconv.ParseInt(q.Get("leader"), 10, 64)
	d.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	d.Retried, _ = strconv.ParseInt(q.Get("retried"), 10, 64)
	c.showReceivers(w, r, rc, http.StatusOK, d)
}

// showReceivers lists the registrations as the API's ListReceiverRegistrations does.
func (c *Console) showReceivers(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *receiversData) {
	regs, err := c.deps.Receivers.List(r.Context(), payment.RegistrationFilter{State: payment.RegistrationState(d.State),
		LeaderID: max(d.Leader, 0), BeforeID: max(d.Before, 0), Limit: regsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(regs) > regsPerPage {
		regs = regs[:regsPerPage]
		d.Next = regs[len(regs)-1].ID
	}
	d.Regs, d.CanRetry = regs, c.may(rc.p, retryRegRoute)
	c.render(w, r, status, "receivers", c.frame(rc, "receivers.heading", receiversPath), d)
}

// retryRegistration puts a failed registration back in the queue (the API's
// RetryReceiverRegistration); one that is not failed, or that a later one supersedes, is
// refused with why (409, as the API's CONFLICT).
func (c *Console) retryRegistration(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	_, err = c.deps.Receivers.Retry(r.Context(), id)
	var state *payment.RegistrationStateError
	switch {
	case errors.As(err, &state):
		c.showReceivers(w, r, rc, http.StatusConflict, &receiversData{States: regStates,
			Error: c.msg.T("receivers.not_failed", id, c.msg.T("reg."+string(state.State)))})
	case errors.Is(err, payment.ErrRegistrationSuperseded):
		c.showReceivers(w, r, rc, http.StatusConflict, &receiversData{States: regStates,
			Error: c.msg.T("receivers.superseded", id)})
	case errors.Is(err, bizerr.ErrNotFound):
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
	case err != nil:
		c.internal(w, r, rc, err)
	default: // the list comes back in place, as after the ledger check
		c.showReceivers(w, r, rc, http.StatusOK, &receiversData{States: regStates, Retried: id})
	}
}
