package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// reqCtx is the signed-in caller of a request.
type reqCtx struct {
	p       identity.Principal
	account *identity.ConsoleAccount
	csrf    string
}

// signedIn serves h to a signed-in console account holding one of roles (any console role when
// roles is nil). A request without a valid session is sent to the sign-in page; a state-changing
// one must carry the session's CSRF token, checked before anything else runs.
func (c *Console) signedIn(roles []identity.Role, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		ctx := r.Context()
		p, sess, err := c.sessions.load(ctx, r)
		if err != nil {
			c.signInAgain(w, r, sess, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !c.csrf.valid(r, "session", p.Session) {
			c.fail(w, r, nil, http.StatusForbidden, "error.csrf")
			return
		}
		acct, err := c.deps.Accounts.Me(ctx, p)
		if err != nil {
			c.internal(w, r, nil, err)
			return
		}
		rc := &reqCtx{p: p, account: acct, csrf: c.csrf.token("session", p.Session)}
		if roles != nil && !p.Has(roles...) {
			c.fail(w, r, rc, http.StatusForbidden, "error.forbidden")
			return
		}
		if err := c.sessions.write(w, r, sess); err != nil {
			c.internal(w, r, rc, err)
			return
		}
		h(w, r.WithContext(identity.WithPrincipal(ctx, p)), rc)
	}
}

// signInAgain answers a request whose session is missing or ended. An ended session is also
// revoked, so that a copy of its cookie is worthless too.
func (c *Console) signInAgain(w http.ResponseWriter, r *http.Request, sess session, err error) {
	var unavailable *unavailableError
	if errors.As(err, &unavailable) {
		c.internal(w, r, nil, err)
		return
	}
	target := Prefix + "login"
	if !errors.Is(err, errNoSession) {
		if sess.Refresh != "" {
			if _, lerr := c.deps.Sessions.Logout(context.WithoutCancel(r.Context()), sess.Refresh); lerr != nil {
				c.log.WithContext(r.Context()).Warnw("msg", "console: revoke an ended session", "error", lerr)
			}
		}
		c.sessions.clear(w, r)
		target += "?m=expired"
	}
	redirect(w, r, target)
}

// redirect sends the browser to target: htmx follows HX-Redirect, a page a 303.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// loginForm is the sign-in page's data.
type loginForm struct {
	Username string
	Error    string
	Notice   string
	CSRF     string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if _, _, err := c.sessions.load(r.Context(), r); err == nil {
		redirect(w, r, Prefix)
		return
	}
	form := loginForm{}
	switch r.URL.Query().Get("m") {
	case "expired":
		form.Notice = c.msg.T("login.expired")
	case "signed_out":
		form.Notice = c.msg.T("login.signed_out")
	}
	c.showLogin(w, r, http.StatusOK, form)
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, form loginForm) {
	nonce, err := c.csrf.loginNonce(w, r)
	if err != nil {
		c.internal(w, r, nil, err)
		return
	}
	form.CSRF = c.csrf.token("login", nonce)
	c.render(w, r, status, "login", c.frame(nil, "login.heading", ""), form)
}

// login signs in through the same use case as the API's console login: the same password
// checks, lock-out and session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	username := r.PostFormValue("username")
	if !c.csrf.loginValid(r) {
		c.showLogin(w, r, http.StatusForbidden, loginForm{Username: username, Error: c.msg.T("login.form_expired")})
		return
	}
	t, err := c.deps.Accounts.Login(r.Context(), username, r.PostFormValue("password"))
	if err != nil {
		noteSignIn(r.Context(), identity.Principal{Kind: identity.SubjectConsole}, signInReason(err))
		status, text := c.loginError(err)
		if status == http.StatusInternalServerError {
			c.internal(w, r, nil, err)
			return
		}
		c.showLogin(w, r, status, loginForm{Username: username, Error: text})
		return
	}
	if p, verr := c.deps.Issuer.Verify(t.AccessToken); verr == nil {
		noteSignIn(r.Context(), p, "")
	}
	if err := c.sessions.write(w, r, fromTokens(t)); err != nil {
		c.internal(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: cookiePath, MaxAge: -1, HttpOnly: true, //nolint:gosec // G124: Secure follows overTLS
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
	redirect(w, r, Prefix)
}

// loginError is the status and text of a failed sign-in, as the API's reasons map them.
func (c *Console) loginError(err error) (int, string) {
	var locked *identity.LockedError
	switch {
	case errors.As(err, &locked):
		return http.StatusTooManyRequests, c.msg.T("login.locked", locked.Until.In(bjtime.Zone).Format(time.TimeOnly))
	case errors.Is(err, identity.ErrCredentialsInvalid):
		return http.StatusUnauthorized, c.msg.T("login.invalid")
	case errors.Is(err, identity.ErrAccountDisabled):
		return http.StatusForbidden, c.msg.T("login.disabled")
	case errors.Is(err, identity.ErrLoginBusy):
		return http.StatusServiceUnavailable, c.msg.T("login.busy")
	}
	return http.StatusInternalServerError, ""
}

// logout ends the session (the API's logout: the whole session family is revoked).
func (c *Console) logout(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	ck, _ := r.Cookie(sessionCookie)
	if sess, err := c.sessions.decode(ck.Value); err == nil {
		if _, err := c.deps.Sessions.Logout(r.Context(), sess.Refresh); err != nil {
			c.internal(w, r, nil, err)
			return
		}
	}
	c.sessions.clear(w, r)
	redirect(w, r, Prefix+"login?m=signed_out")
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.render(w, r, http.StatusOK, "home", c.frame(rc, "home.heading", Prefix), nil)
}
