package console

import (
	"net/http"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

const (
	afterSalesPath    = "/console/ops/after-sales"
	reviewAfterSaleRt = "POST " + afterSalesPath + "/{id}/review"
	// maxNoteBytes is the API's limit on a review note.
	maxNoteBytes = 256
)

var afterSaleStatuses = []string{"requested", "approved", "rejected", "refunded", "failed"}

// afterSalesData is the after-sales queue: one status (requested first), newest first with
// before_id pagination as in the API, each request with its review form while it waits.
type afterSalesData struct {
	Status    string
	Statuses  []string
	Requests  []*order.AfterSale
	Before    int64
	Next      int64
	CanReview bool
	Done      string
	DoneID    int64
	Error     string
}

func (c *Console) afterSalesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &afterSalesData{Done: oneOf(r.URL.Query().Get("done"), "approved", "rejected"), DoneID: queryID(r, "id")}
	c.showAfterSales(w, r, rc, http.StatusOK, d)
}

func (c *Console) showAfterSales(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *afterSalesData) {
	q := r.URL.Query()
	d.Status, d.Statuses = "requested", afterSaleStatuses
	if q.Has("status") {
		d.Status = oneOf(q.Get("status"), afterSaleStatuses...)
	}
	d.Before = queryID(r, "before")
	as, err := c.deps.AfterSales.List(r.Context(), order.AfterSaleStatus(d.Status), d.Before, opsPerPage+1)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(as) > opsPerPage {
		as = as[:opsPerPage]
		d.Next = as[len(as)-1].ID
	}
	d.Requests, d.CanReview = as, c.may(rc.p, reviewAfterSaleRt)
	c.render(w, r, status, "aftersales", c.frame(rc, "aftersales.heading", afterSalesPath), d)
}

// reviewAfterSale approves (WeChat Pay refunds it) or rejects a request as the signed-in ops
// account, with the form's note (the API's ReviewAfterSale).
func (c *Console) reviewAfterSale(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	decision := r.PostFormValue("decision")
	note := strings.TrimSpace(r.PostFormValue("note"))
	var a *order.AfterSale
	var err error
	switch {
	case decision != "approve" && decision != "reject":
		err = bizerr.Invalid("decision", "approve or reject")
	case len(note) > maxNoteBytes:
		err = bizerr.Invalid("note", "at most 256 bytes")
	default:
		a, err = c.deps.AfterSales.Review(r.Context(), rc.p.ID, id, decision == "approve", note)
	}
	if err == nil {
		done := "rejected"
		if a.Status != order.AfterSaleRejected {
			done = "approved"
		}
		opsRedirect(w, r, "%s?done=%s&id=%d", afterSalesPath, done, a.ID)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	c.showAfterSales(w, r, rc, status, &afterSalesData{Error: text})
}
