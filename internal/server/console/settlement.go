package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

const (
	runsPath   = "/console/finance/settlement/runs"
	startRoute = "POST " + runsPath
	// runsPerPage is the page size of the runs list, within the API's page-size limit.
	runsPerPage = 20
	// keyPrefix keeps the console's idempotency keys apart from the API's and the schedule's.
	keyPrefix = "console/"
	// cutoffLayout is what an <input type="datetime-local" step="1"> sends; seconds may be absent.
	cutoffLayout = "2006-01-02T15:04"
)

// runsData is the settlement runs page: a page of runs, newest first, and the start form.
type runsData struct {
	Runs     []settlement.Run
	Running  bool  // a run on this page is still running: the table refreshes itself
	Before   int64 // the before id this page was asked with; 0 on the first page
	Next     int64 // the before id of the next (older) page; 0 when this is the last
	CanStart bool  // the API lets only finance start a run; admin sees the list alone
	Key      string
	Cutoff   string
	Error    string
	Started  int64
}

func (c *Console) runsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &runsData{}
	d.Started, _ = strconv.ParseInt(r.URL.Query().Get("started"), 10, 64)
	c.showRuns(w, r, rc, http.StatusOK, d)
}

// showRuns renders the list page with d's form state, reading the page of runs that the query's
// before id asks for (keyset pagination: the runs with a smaller id).
func (c *Console) showRuns(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *runsData) {
	d.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	runs, err := c.deps.Settlement.Runs(r.Context(), max(d.Before, 0), runsPerPage+1)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(runs) > runsPerPage {
		runs = runs[:runsPerPage]
		d.Next = runs[len(runs)-1].ID
	}
	d.Runs = runs
	d.CanStart = c.may(rc.p, startRoute)
	for _, run := range runs {
		d.Running = d.Running || run.State == settlement.RunRunning
	}
	if d.Key == "" {
		if d.Key, err = randomString(16); err != nil {
			c.internal(w, r, rc, err)
			return
		}
	}
	c.render(w, r, status, "runs", c.frame(rc, "settlement.heading", runsPath), d)
}

// startRun starts a settlement run with the form's cut-off (Beijing time; empty is now), as the
// API's StartSettlementRun does. The form's key makes a repeated submit return the same run.
func (c *Console) startRun(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &runsData{Key: r.PostFormValue("key"), Cutoff: strings.TrimSpace(r.PostFormValue("cutoff"))}
	cutoff, err := parseCutoff(d.Cutoff)
	if err == nil && (len(d.Key) < 16 || len(d.Key) > 43) {
		err = bizerr.Invalid("key", "the form is incomplete: reload the page")
	}
	var run *settlement.Run
	if err == nil {
		run, err = c.deps.Settlement.Start(r.Context(), settlement.StartInput{Key: keyPrefix + d.Key,
			Cutoff: cutoff, Trigger: settlement.TriggerFinance, By: rc.p})
	}
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Error = c.msg.T("settlement.bad_cutoff") + invalid.Reason
		c.showRuns(w, r, rc, http.StatusUnprocessableEntity, d)
	case err != nil:
		c.internal(w, r, rc, err)
	default:
		redirect(w, r, fmt.Sprintf("%s?started=%d", runsPath, run.ID))
	}
}

// parseCutoff reads a datetime-local value in Beijing time.
func parseCutoff(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{cutoffLayout + ":05", cutoffLayout} {
		if t, err := time.ParseInLocation(layout, v, bjtime.Zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, bizerr.Invalid("cutoff", "is not a date and time (YYYY-MM-DDTHH:MM)")
}
