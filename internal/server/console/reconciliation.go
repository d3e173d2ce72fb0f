package console

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

const (
	reconPath = "/console/finance/reconciliation"
	reconCSV  = reconPath + "/csv"
)

// The page shows the promotions' figures with the block the statement and reconciliation share.
func init() { viewParts["recon"] = append(viewParts["recon"], "discount_parts") }

// reconData is the reconciliation page: the day picked (yesterday in Beijing by default, the
// last day whose bills are out) and, once asked, that day's report.
type reconData struct {
	Day    string
	Max    string // today in Beijing: the picker offers no later day
	Report *reconcile.Report
	Error  string
	// NotReady: WeChat Pay has no bill of the day yet (out after 10:00 the next day).
	NotReady bool
}

// reconPage reconciles the day of the query (the API's GetReconciliation). Without a day it
// shows the picker on yesterday.
func (c *Console) reconPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	now := c.deps.Clock()
	d := &reconData{Day: strings.TrimSpace(r.URL.Query().Get("day")), Max: now.In(bjtime.Zone).Format(time.DateOnly)}
	f := c.frame(rc, "recon.heading", reconPath)
	if d.Day == "" {
		d.Day = now.In(bjtime.Zone).AddDate(0, 0, -1).Format(time.DateOnly)
		c.render(w, r, http.StatusOK, "recon", f, d)
		return
	}
	rep, err := c.reconcile(r, d.Day)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Error = c.msg.T("recon.bad_day") + invalid.Reason
		c.render(w, r, http.StatusUnprocessableEntity, "recon", f, d)
	case errors.Is(err, payment.ErrBillNotReady): // the API's BILL_NOT_READY, 409
		d.NotReady = true
		c.render(w, r, http.StatusConflict, "recon", f, d)
	case err != nil:
		c.internal(w, r, rc, err)
	default:
		d.Report = rep
		c.render(w, r, http.StatusOK, "recon", f, d)
	}
}

// reconcile checks the day as the API does (a Beijing day, not in the future, within the
// bills' keeping) and reconciles it.
func (c *Console) reconcile(r *http.Request, day string) (*reconcile.Report, error) {
	d, err := reconcile.ParseDay(day, c.deps.Clock())
	if err != nil {
		return nil, err
	}
	return c.deps.Reconciler.Day(r.Context(), d)
}

// reconCSVFile is the day's report as the API's ExportReconciliation file.
func (c *Console) reconCSVFile(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	rep, err := c.reconcile(r, r.URL.Query().Get("day"))
	var invalid *bizerr.InvalidError
	if errors.As(err, &invalid) || errors.Is(err, payment.ErrBillNotReady) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	var b bytes.Buffer
	if err == nil {
		err = reconcile.WriteCSV(&b, rep)
	}
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	download(w, "reconciliation-"+rep.Day.In(bjtime.Zone).Format(time.DateOnly)+".csv", b.Bytes())
}
