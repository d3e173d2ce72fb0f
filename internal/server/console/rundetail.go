package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/report"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

const (
	runRoute   = "GET " + runsPath + "/{id}"
	retryRoute = "POST " + runsPath + "/{id}/retry"
	csvRoute   = "GET " + runsPath + "/{id}/csv"
	atRiskPath = "/console/finance/settlement/at-risk"
	// itemsPerPage is the page size of a run's items, within the API's page-size limit.
	itemsPerPage = 50
	// atRiskShown is how many at-risk transactions the page lists, nearest deadline first
	// (the API's largest page).
	atRiskShown = 100
)

// itemStates are the states the items filter offers, in the API's order; "" is all.
var itemStates = []settlement.ItemState{settlement.ItemPending, settlement.ItemProcessing,
	settlement.ItemFinished, settlement.ItemFailed, settlement.ItemExpired}

// failure is one reason items failed or shares closed, and how often.
type failure struct {
	Reason string
	Count  int
}

// level is what a run paid the leaders of one level.
type level struct {
	Level  int
	Amount int64
}

// runData is a run's detail page: its summary, one page of its items (of one state or all),
// and the retry form for finance when it has failed items.
type runData struct {
	Run      *settlement.RunView
	Levels   []level
	Failures []failure
	Items    []settlement.Item
	States   []settlement.ItemState
	State    string // the filter; empty for all
	After    int64  // the after id this page was asked with; 0 on the first page
	Next     int64  // the after id of the next page; 0 when this is the last
	Running  bool
	CanRetry bool
	Retried  int // items sent again by the retry that led here; -1 when none
}

// runID reads the {id} of the path: a positive integer, or the page does not exist.
func runID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (c *Console) runPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := runID(r)
	q := r.URL.Query()
	state := settlement.ItemState(q.Get("state"))
	if !ok || (state != "" && !slices.Contains(itemStates, state)) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	d := &runData{State: string(state), States: itemStates, Retried: -1}
	d.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if n, err := strconv.Atoi(q.Get("retried")); err == nil {
		d.Retried = n
	}
	if err := c.loadRun(r, id, d); err != nil {
		c.runError(w, r, rc, err)
		return
	}
	d.CanRetry = d.Run.Summary.Failed > 0 && c.may(rc.p, retryRoute)
	c.render(w, r, http.StatusOK, "run", c.frame(rc, "run.heading", runsPath), d)
}

// loadRun reads the run with its summary (the API's GetSettlementRun) and the page of its items
// that d's filter and after id ask for (ListSettlementItems).
func (c *Console) loadRun(r *http.Request, id int64, d *runData) error {
	v, err := c.deps.Settlement.Get(r.Context(), id)
	if err != nil {
		return err
	}
	items, err := c.deps.Settlement.Items(r.Context(), id, settlement.ItemState(d.State), max(d.After, 0), itemsPerPage+1)
	if err != nil {
		return err
	}
	if len(items) > itemsPerPage {
		items = items[:itemsPerPage]
		d.Next = items[len(items)-1].ID
	}
	d.Run, d.Items, d.Running = v, items, v.State == settlement.RunRunning
	d.Levels, d.Failures = levels(v.Summary.ByLevel), failures(v.Summary.Failures)
	return nil
}

// levels are the amounts by level, lowest level first.
func levels(by map[int]int64) []level {
	out := make([]level, 0, len(by))
	for l, a := range by {
		out = append(out, level{l, a})
	}
	slices.SortFunc(out, func(a, b level) int { return a.Level - b.Level })
	return out
}

// failures are the reasons, most frequent first, as the API orders them.
func failures(by map[string]int) []failure {
	out := make([]failure, 0, len(by))
	for r, n := range by {
		out = append(out, failure{r, n})
	}
	slices.SortFunc(out, func(a, b failure) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Reason < b.Reason {
			return -1
		}
		return 1
	})
	return out
}

// runError shows a run that does not exist as such, anything else as an internal error.
func (c *Console) runError(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	if errors.Is(err, bizerr.ErrNotFound) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	c.internal(w, r, rc, err)
}

// retryRun sends the run's retriable failures again (the API's RetrySettlementRun) and shows
// the run, reopened, with how many went. The page comes back in place (htmx swaps its main
// part), as the ledger check does.
func (c *Console) retryRun(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := runID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	n, err := c.deps.Settlement.RetryFailed(r.Context(), id)
	if err != nil {
		c.runError(w, r, rc, err)
		return
	}
	d := &runData{States: itemStates, Retried: n}
	if err := c.loadRun(r, id, d); err != nil {
		c.runError(w, r, rc, err)
		return
	}
	d.CanRetry = d.Run.Summary.Failed > 0 && c.may(rc.p, retryRoute)
	c.render(w, r, http.StatusOK, "run", c.frame(rc, "run.heading", runsPath), d)
}

// runCSV is the run's summary and every share as a CSV download, the same file as the API's
// ExportSettlementRun.
func (c *Console) runCSV(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := runID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	var b bytes.Buffer
	if err := c.deps.Settlement.ExportCSV(r.Context(), &b, id); err != nil {
		c.runError(w, r, rc, err)
		return
	}
	download(w, fmt.Sprintf("settlement-run-%d.csv", id), b.Bytes())
}

// download writes data as a CSV attachment named name (ASCII only).
func download(w http.ResponseWriter, name string, data []byte) {
	w.Header().Set("Content-Type", report.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// atRiskRow is an at-risk transaction with the whole days left before its deadline (negative
// once passed).
type atRiskRow struct {
	settlement.AtRisk
	DaysLeft int
	Passed   bool
}

// atRiskData is the at-risk page.
type atRiskData struct{ Rows []atRiskRow }

// atRiskPage lists the unsettled transactions near or past their freeze deadline (the API's
// ListAtRiskTransactions), nearest first, with the days left.
func (c *Console) atRiskPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	rs, err := c.deps.Settlement.AtRisk(r.Context(), atRiskShown)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d := &atRiskData{Rows: make([]atRiskRow, len(rs))}
	now := c.deps.Clock()
	for i, a := range rs {
		d.Rows[i] = atRiskRow{AtRisk: a, DaysLeft: daysLeft(now, a.Deadline), Passed: !a.Deadline.After(now)}
	}
	c.render(w, r, http.StatusOK, "atrisk", c.frame(rc, "atrisk.heading", atRiskPath), d)
}

// daysLeft is the whole days from now to deadline, rounded down: 0 is "less than a day".
func daysLeft(now, deadline time.Time) int {
	d := deadline.Sub(now)
	if d < 0 {
		return -int((-d + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return int(d / (24 * time.Hour))
}
