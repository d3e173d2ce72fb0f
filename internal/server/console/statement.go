package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

const (
	statementPath = "/console/finance/ledger/statement"
	statementCSV  = statementPath + "/csv"
)

// The page shows the promotions' figures with the block the statement and reconciliation share.
func init() { viewParts["statement"] = append(viewParts["statement"], "discount_parts") }

// statementData is a leader's statement page: the form (leader, first day, day after the last)
// and, once asked, the statement with its amounts by level.
type statementData struct {
	Leader, From, To string
	Field, Error     string // the field at fault and why
	Statement        *commission.Statement
	Levels           []level
}

// statementPage shows a leader's statement of a period, as the API's ExportLeaderStatement
// computes it (PeriodStatement). Without a leader it shows the form on the month so far.
func (c *Console) statementPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &statementData{Leader: strings.TrimSpace(q.Get("leader")), From: q.Get("from"), To: q.Get("to")}
	if d.From == "" && d.To == "" {
		now := c.deps.Clock().In(bjtime.Zone)
		d.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, bjtime.Zone).Format(time.DateOnly)
		d.To = now.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	f := c.frame(rc, "statement.heading", statementPath)
	if d.Leader == "" {
		c.render(w, r, http.StatusOK, "statement", f, d)
		return
	}
	st, err := c.statement(r, d.Leader, d.From, d.To)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Field, d.Error = invalid.Field, c.msg.T("statement.bad_input")+invalid.Reason
		c.render(w, r, http.StatusUnprocessableEntity, "statement", f, d)
	case errors.Is(err, bizerr.ErrNotFound):
		d.Field, d.Error = "leader", c.msg.T("statement.no_leader")
		c.render(w, r, http.StatusNotFound, "statement", f, d)
	case err != nil:
		c.internal(w, r, rc, err)
	default:
		d.Statement, d.Levels = st, levels(st.EarnedByLevel)
		c.render(w, r, http.StatusOK, "statement", f, d)
	}
}

// statement reads the leader id and the period's statement.
func (c *Console) statement(r *http.Request, leader, from, to string) (*commission.Statement, error) {
	id, err := strconv.ParseInt(leader, 10, 64)
	if err != nil || id <= 0 {
		return nil, bizerr.Invalid("leader", "is not a leader id")
	}
	return c.deps.Views.PeriodStatement(r.Context(), id, from, to)
}

// statementCSVFile is the API's ExportLeaderStatement file.
func (c *Console) statementCSVFile(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	st, err := c.statement(r, q.Get("leader"), q.Get("from"), q.Get("to"))
	var invalid *bizerr.InvalidError
	if errors.As(err, &invalid) || errors.Is(err, bizerr.ErrNotFound) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	var b bytes.Buffer
	if err == nil {
		err = report.Statement(&b, st)
	}
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	download(w, fmt.Sprintf("leader-%d-statement-%s-%s.csv", st.LeaderID, q.Get("from"), q.Get("to")), b.Bytes())
}
