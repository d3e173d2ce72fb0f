package console

import (
	"net/http"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// ledgerData is the trial balance page: one row per owner kind and purpose, their sum (zero in
// a sound ledger) and, after "run the check", its report.
type ledgerData struct {
	Rows  []commission.AccountTotal
	Total int64
	Check *ledger.Report
}

func (c *Console) ledgerPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d, err := c.trialBalance(r)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	c.render(w, r, http.StatusOK, "ledger", c.frame(rc, "ledger.heading", "/console/finance/ledger"), d)
}

func (c *Console) trialBalance(r *http.Request) (*ledgerData, error) {
	rows, total, err := c.deps.Views.TrialBalance(r.Context())
	if err != nil {
		return nil, err
	}
	return &ledgerData{Rows: rows, Total: total}, nil
}

// checkLedger runs the ledger's full check (the API's CheckLedger). htmx swaps the report into
// the page; without htmx the whole page comes back with it.
func (c *Console) checkLedger(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	report, err := c.deps.Ledger.Check(r.Context())
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		c.fragment(w, r, "ledger", "check", &ledgerData{Check: &report})
		return
	}
	d, err := c.trialBalance(r)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Check = &report
	c.render(w, r, http.StatusOK, "ledger", c.frame(rc, "ledger.heading", "/console/finance/ledger"), d)
}
