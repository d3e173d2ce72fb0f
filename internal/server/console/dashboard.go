package console

import (
	"errors"
	"net/http"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
)

// dashboardPath is the operations dashboard, the first page of ops and admin.
const dashboardPath = "/console/ops/dashboard"

func init() { viewNames = append(viewNames, "dashboard") }

// dashboardData is the dashboard of a Beijing day (Day, empty for today) as the API's
// GetDashboard reads it; its batch and alert figures link to the pages where they are worked
// on, for those who may open them.
type dashboardData struct {
	Day       string
	Board     *dashboard.Dashboard
	Batches   []figure
	Alerts    []figure
	DayError  string
	ReloadURL string
}

// figure is one count of the dashboard: its label's message key, its name in the page, and
// the page behind it (empty when there is none the viewer may open).
type figure struct {
	Label, Name, Href string
	N                 int64
}

func (c *Console) dashboardPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &dashboardData{Day: r.URL.Query().Get("day"), ReloadURL: dashboardPath}
	f := c.frame(rc, "dashboard.heading", dashboardPath)
	board, err := c.deps.Dashboard.Get(r.Context(), d.Day)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.DayError = c.msg.T("dashboard.bad_day")
		c.render(w, r, http.StatusUnprocessableEntity, "dashboard", f, d)
		return
	case err != nil:
		c.internal(w, r, rc, err)
		return
	}
	d.Board, d.Batches, d.Alerts = board, c.batchFigures(rc, board.Batches), c.alertFigures(rc, board.Alerts)
	if d.Day != "" {
		d.ReloadURL += "?day=" + board.Day // the checked date, not the request's text
	}
	c.render(w, r, http.StatusOK, "dashboard", f, d)
}

// link is href when the viewer may open the page of route, else "".
func (c *Console) link(rc *reqCtx, route, href string) string {
	if c.may(rc.p, route) {
		return href
	}
	return ""
}

func (c *Console) batchFigures(rc *reqCtx, b dashboard.BatchCounts) []figure {
	open := c.link(rc, "GET "+batchesPath, batchesPath+"?status=open")
	return []figure{
		{Label: "dashboard.batches_open", Name: "open", N: b.Open, Href: open},
		{Label: "dashboard.batches_closing", Name: "closing", N: b.Closing, Href: open},
		{Label: "dashboard.batches_arriving", Name: "arriving", N: b.Arriving,
			Href: c.link(rc, "GET "+batchesPath, batchesPath+"?status=dispatched")},
	}
}

func (c *Console) alertFigures(rc *reqCtx, a dashboard.Alerts) []figure {
	return []figure{
		{Label: "dashboard.failed_declarations", Name: "failed-declarations", N: a.FailedDeclarations,
			Href: c.link(rc, "GET "+shippingPath, shippingPath+"?state=failed")},
		{Label: "dashboard.overdue_pickups", Name: "overdue-pickups", N: a.OverduePickups},
		{Label: "dashboard.failed_registrations", Name: "failed-registrations", N: a.FailedRegistrations,
			Href: c.link(rc, "GET "+receiversPath, receiversPath+"?state=failed")},
		{Label: "dashboard.after_sales_waiting", Name: "after-sales-waiting", N: a.AfterSalesWaiting,
			Href: c.link(rc, "GET "+afterSalesPath, afterSalesPath+"?status=requested")},
	}
}
