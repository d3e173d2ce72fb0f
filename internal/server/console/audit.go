package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
)

const (
	loginOp  = "/groupbuy.v1.Console/ConsoleLogin"
	logoutOp = "/groupbuy.v1.Auth/Logout"
	// recordTimeout bounds writing one entry, which outlives the browser's request.
	recordTimeout = 5 * time.Second
)

// statusWriter remembers the status a handler answered with: the outcome of a form post.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// signInNote is what the sign-in handler tells the audit log that the request alone does not
// show: who signed in and why a failed sign-in failed.
type signInNote struct {
	p      identity.Principal
	reason string
}

type signInNoteKey struct{}

func noteSignIn(ctx context.Context, p identity.Principal, reason string) {
	if n, ok := ctx.Value(signInNoteKey{}).(*signInNote); ok {
		n.p, n.reason = p, reason
	}
}

// audited records every use of a form (a state-changing page) in the audit log as the API
// operation op it mirrors, through the same use case the API's middleware records with. Like
// the API, it records what passed the session, role and CSRF checks, with the form's outcome.
func (c *Console) audited(op string, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
		id := c.deps.Proxies.RequestID(r)
		w.Header().Set(mw.RequestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w}
		c.recovered(h)(sw, r, rc)
		e := c.entry(r, op, id, sw.status, "")
		e.Target = r.PathValue("id")
		e.SubjectKind, e.SubjectID, e.Role = audit.WhoOf(rc.p)
		e.Username = rc.account.Username
		c.record(r, e)
	}
}

// recovered turns a handler's panic into the error page, with the stack in the log: the browser
// gets an answer instead of a dropped connection, and a form's audit entry says it failed even
// when the handler had already begun its reply.
func (c *Console) recovered(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { //nolint:errorlint // the sentinel net/http panics with
				panic(p)
			}
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.log.WithContext(r.Context()).Errorw("msg", "console: panic", "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(buf))
			if sw, ok := w.(*statusWriter); ok {
				sw.status = http.StatusInternalServerError
			}
			c.fail(w, r, rc, http.StatusInternalServerError, "error.internal")
		}()
		h(w, r, rc)
	}
}

// auditedSignIn records the console's sign-in, successful or not, with the username tried.
func (c *Console) auditedSignIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := c.deps.Proxies.RequestID(r)
		w.Header().Set(mw.RequestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w}
		note := &signInNote{p: identity.Principal{Kind: identity.SubjectConsole}}
		// The handler reads the form into its copy of the request: the username comes from there.
		rn := r.WithContext(context.WithValue(r.Context(), signInNoteKey{}, note))
		h(sw, rn)
		e := c.entry(r, loginOp, id, sw.status, note.reason)
		e.SubjectKind, e.SubjectID, e.Role = audit.WhoOf(note.p)
		e.Username = rn.PostFormValue("username")
		c.record(r, e)
	}
}

func (c *Console) entry(r *http.Request, op, requestID string, status int, reason string) audit.Entry {
	if status == 0 {
		status = http.StatusOK
	}
	outcome := audit.OutcomeOK
	if status >= http.StatusBadRequest {
		outcome = reason
		if outcome == "" {
			outcome = statusReason(status)
		}
	}
	return audit.Entry{Operation: op, Outcome: outcome, Status: status, Channel: audit.ChannelConsole,
		RequestID: requestID, ClientIP: c.deps.Proxies.ClientIP(r)}
}

// record writes e; a failure is logged as an error and changes nothing for the browser, whose
// action has already happened (see server.Audit).
func (c *Console) record(r *http.Request, e audit.Entry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), recordTimeout)
	defer cancel()
	if err := c.deps.Audit.Record(ctx, e); err != nil {
		c.log.WithContext(r.Context()).Errorw("msg", "audit: entry NOT recorded", "operation", e.Operation,
			"subject_kind", e.SubjectKind, "subject_id", e.SubjectID, "outcome", e.Outcome, "error", err)
	}
}

// statusReason is the API's reason for a form's failure status, where the handler gave none.
func statusReason(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}

// signInReason is the API's reason for a failed sign-in.
func signInReason(err error) string {
	switch {
	case errors.Is(err, identity.ErrAccountLocked):
		return "ACCOUNT_LOCKED"
	case errors.Is(err, identity.ErrCredentialsInvalid):
		return "CREDENTIALS_INVALID"
	case errors.Is(err, identity.ErrAccountDisabled):
		return "ACCOUNT_DISABLED"
	case errors.Is(err, identity.ErrLoginBusy):
		return "LOGIN_BUSY"
	}
	return "INTERNAL"
}
