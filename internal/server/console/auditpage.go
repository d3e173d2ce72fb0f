package console

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

const (
	auditPath = "/console/admin/audit"
	// entriesPerPage is the audit page's page size, the API's default.
	entriesPerPage = 50
	dateLayout     = time.DateOnly
)

// auditData is the audit log page: its filters as typed, a page of entries and the pager.
type auditData struct {
	Who, Op, Outcome, From, To string
	Entries                    []audit.Entry
	Before                     int64
	First, Next                template.URL // links to the first and the next (older) page; empty when none
	Error                      string
}

// auditPage searches the audit log like the API's SearchAuditEntries: by who, operation,
// outcome and a range of Beijing dates (both days included), newest first, keyset paged by
// before (the id of the last entry of the previous page).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &auditData{Who: strings.TrimSpace(q.Get("who")), Op: strings.TrimSpace(q.Get("op")),
		Outcome: strings.TrimSpace(q.Get("outcome")), From: q.Get("from"), To: q.Get("to")}
	d.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	f, err := d.filter()
	var entries []audit.Entry
	if err == nil {
		entries, err = c.deps.Audit.Search(r.Context(), f)
	}
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Error = c.msg.T("audit.bad_filter") + invalid.Field + ": " + invalid.Reason
		c.render(w, r, http.StatusUnprocessableEntity, "audit", c.frame(rc, "audit.heading", auditPath), d)
		return
	case err != nil:
		c.internal(w, r, rc, err)
		return
	}
	if len(entries) > entriesPerPage {
		entries = entries[:entriesPerPage]
		d.Next = d.link(entries[len(entries)-1].ID)
	}
	if d.Before > 0 {
		d.First = d.link(0)
	}
	d.Entries = entries
	c.render(w, r, http.StatusOK, "audit", c.frame(rc, "audit.heading", auditPath), d)
}

// filter is the search the page's query asks for, one entry more than a page to know whether
// there is a next one.
func (d *auditData) filter() (audit.Filter, error) {
	f := audit.Filter{Who: d.Who, Operation: d.Op, Outcome: d.Outcome, BeforeID: max(d.Before, 0), Limit: entriesPerPage + 1}
	var err error
	if f.From, err = bjDate(d.From, "from"); err != nil {
		return f, err
	}
	if f.To, err = bjDate(d.To, "to"); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the whole last day
	}
	return f, nil
}

// bjDate is the start of a Beijing day given as YYYY-MM-DD; zero for an empty value.
func bjDate(v, field string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(dateLayout, v, bjtime.Zone)
	if err != nil {
		return time.Time{}, bizerr.Invalid(field, "is not a date (YYYY-MM-DD)")
	}
	return t, nil
}

// link is this search's page before the entry id (the first page for 0). The URL is built here
// from url.Values, so it is safe as an href.
func (d *auditData) link(before int64) template.URL {
	v := url.Values{}
	for k, s := range map[string]string{"who": d.Who, "op": d.Op, "outcome": d.Outcome, "from": d.From, "to": d.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return template.URL(auditPath) //nolint:gosec // G203: a constant path
	}
	return template.URL(auditPath + "?" + v.Encode()) //nolint:gosec // G203: encoded by url.Values
}
