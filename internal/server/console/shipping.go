package console

import (
	"net/http"

	"github.com/groupbuy/groupbuy/internal/biz/shipping"
)

const (
	shippingPath   = "/console/ops/shipping"
	retryDeclRoute = "POST " + shippingPath + "/{id}/retry"
)

var declarationStates = []string{"failed", "pending", "uploaded", "skipped"}

// shippingData is the declarations to WeChat's shipping service in one state (failed first:
// those wait for ops), newest first with before_id pagination as in the API, each with WeChat's
// reason for its last failed call.
type shippingData struct {
	State        string
	States       []string
	Declarations []shipping.Declaration
	Before       int64
	Next         int64
	CanRetry     bool
	Retried      int64
	Error        string
}

func (c *Console) shippingPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showShipping(w, r, rc, http.StatusOK, &shippingData{Retried: queryID(r, "retried")})
}

func (c *Console) showShipping(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *shippingData) {
	q := r.URL.Query()
	d.State, d.States = "failed", declarationStates
	if q.Has("state") {
		d.State = oneOf(q.Get("state"), declarationStates...)
	}
	d.Before = queryID(r, "before")
	ds, err := c.deps.Shipping.List(r.Context(), shipping.Filter{State: shipping.State(d.State), BeforeID: d.Before,
		Limit: opsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(ds) > opsPerPage {
		ds = ds[:opsPerPage]
		d.Next = ds[len(ds)-1].ID
	}
	d.Declarations, d.CanRetry = ds, c.may(rc.p, retryDeclRoute)
	c.render(w, r, status, "shipping", c.frame(rc, "shipping.heading", shippingPath), d)
}

// retryDeclaration puts a failed declaration back in the upload queue, due now (the API's
// RetryDeclaration).
func (c *Console) retryDeclaration(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	d, err := c.deps.Shipping.Retry(r.Context(), id)
	if err == nil {
		opsRedirect(w, r, "%s?retried=%d", shippingPath, d.ID)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	c.showShipping(w, r, rc, status, &shippingData{Error: text})
}

func init() { viewNames = append(viewNames, "shipping") }
