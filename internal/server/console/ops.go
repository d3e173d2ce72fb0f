package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// opsPerPage is the page size of the ops lists, within the API's page-size limit.
const opsPerPage = 20

// refusal is how a page shows a use case's refusal of bad input or of a state change: the
// status the API would answer and a sentence for the form. ok is false for any other error,
// which is the server's fault and goes to the log.
func (c *Console) refusal(err error) (status int, text string, ok bool) {
	var invalid *bizerr.InvalidError
	var transition *lifecycle.TransitionError
	switch {
	case errors.As(err, &invalid):
		return http.StatusUnprocessableEntity, c.invalidText(invalid), true
	case errors.As(err, &transition):
		return http.StatusConflict, c.msg.T("ops.refused", c.msg.T("status."+transition.From)), true
	case errors.Is(err, bizerr.ErrNotFound):
		return http.StatusNotFound, c.msg.T("error.not_found"), true
	case errors.Is(err, bizerr.ErrConflict):
		return http.StatusConflict, c.msg.T("ops.conflict"), true
	}
	return 0, "", false
}

// invalidText is a refused input in words: the sentence of its field when the messages have one
// (invalid.<field>), else the field and the use case's reason.
func (c *Console) invalidText(e *bizerr.InvalidError) string {
	if _, ok := c.msg["invalid."+e.Field]; ok {
		return c.msg.T("invalid." + e.Field)
	}
	return c.msg.T("ops.invalid", e.Field, e.Reason)
}

// invalidField is the input err refuses, or "" when it refuses none.
func invalidField(err error) string {
	var invalid *bizerr.InvalidError
	if errors.As(err, &invalid) {
		return invalid.Field
	}
	return ""
}

// pathID is the positive id in the route's {id}; a page for any other is not found.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// queryID is the non-negative id in query parameter name (0 when absent or not a number).
func queryID(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// oneOf is v when it is among allowed, else "".
func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return ""
}

// The ops pages' templates, added to the console's views in a list of their own.
func init() {
	viewNames = append(viewNames, "leaders", "leader", "batches", "batch", "dispatch", "dispatch_routes", "aftersales", "grids", "products", "product")
}

// opsRedirect is redirect for the ops forms' answers. Their targets are built from constant
// paths, constant words and numeric ids of stored records, so no part of the request is echoed
// as an address; gosec's taint analysis cannot see that an id parsed as a number is harmless.
func opsRedirect(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	target := fmt.Sprintf(format, args...)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther) //nolint:gosec // G710: see above
}
