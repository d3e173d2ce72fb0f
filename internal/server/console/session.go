package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// sessionCookie carries a signed-in console session. Its path keeps it off the API's routes.
const (
	sessionCookie = "groupbuy_console"
	cookiePath    = "/console/"
	// defaultIdle ends a session that made no request for this long. The absolute limit is the
	// API's own: the session's access token expires after auth.access_ttl and is never renewed,
	// so a console session lasts at most that long after sign-in.
	defaultIdle = 30 * time.Minute
)

// session is what the cookie holds: the token pair of a console login (the same tokens the
// JSON API hands out) and when the session last made a request.
type session struct {
	Access  string `json:"a"`
	Refresh string `json:"r"`
	Seen    int64  `json:"s"`
	// Expires is the access token's expiry (Unix seconds), the session's absolute end.
	Expires int64 `json:"e"`
}

// Verifier checks an access token's signature and expiry, as the API does.
type Verifier interface {
	Verify(token string) (identity.Principal, error)
}

// sessions signs, reads and ends console sessions. The cookie is signed (HMAC-SHA256) so that
// its last-request time cannot be moved forward; the token inside is checked like a bearer
// token, and the access marks refuse it from the moment it is signed out or revoked.
type sessions struct {
	key    []byte
	verify Verifier
	marks  identity.AccessMarks
	idle   time.Duration
	now    port.Clock
}

var (
	errNoSession    = errors.New("no console session")
	errIdle         = errors.New("the console session was idle too long")
	errNotConsole   = errors.New("the token is not a console account's")
	errBadSignature = errors.New("the session cookie's signature does not match")
)

// encode is base64url(JSON) "." base64url(HMAC).
func (s *sessions) encode(v session) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	body := base64.RawURLEncoding.EncodeToString(raw)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body)), nil
}

func (s *sessions) decode(value string) (session, error) {
	body, sig, ok := strings.Cut(value, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, s.mac(body)) {
		return session{}, errBadSignature
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return session{}, fmt.Errorf("decode session: %w", err)
	}
	var v session
	if err := json.Unmarshal(raw, &v); err != nil {
		return session{}, fmt.Errorf("decode session: %w", err)
	}
	return v, nil
}

func (s *sessions) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// load returns the signed-in console principal of r. Only a console account with a console
// role passes: a shopper's or leader's token never opens a page, and a bearer header is ignored.
func (s *sessions) load(ctx context.Context, r *http.Request) (identity.Principal, session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return identity.Principal{}, session{}, errNoSession
	}
	v, err := s.decode(c.Value)
	if err != nil {
		return identity.Principal{}, session{}, err
	}
	if s.now().Sub(time.Unix(v.Seen, 0)) > s.idle {
		return identity.Principal{}, v, errIdle
	}
	p, err := s.verify.Verify(v.Access)
	if err != nil {
		return identity.Principal{}, v, err
	}
	if p, err = s.marks.Apply(ctx, p); err != nil {
		if errors.Is(err, identity.ErrSessionRevoked) {
			return identity.Principal{}, v, err
		}
		return identity.Principal{}, v, &unavailableError{err: err}
	}
	if p.Kind != identity.SubjectConsole || !slices.ContainsFunc(p.Roles, isConsoleRole) {
		return identity.Principal{}, v, errNotConsole
	}
	return p, v, nil
}

func isConsoleRole(r identity.Role) bool { return slices.Contains(identity.ConsoleRoles, r) }

// write sets the cookie for v, its last request now.
func (s *sessions) write(w http.ResponseWriter, r *http.Request, v session) error {
	v.Seen = s.now().Unix()
	value, err := s.encode(v)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, value, time.Unix(v.Expires, 0)))
	return nil
}

// clear removes the cookie.
func (s *sessions) clear(w http.ResponseWriter, r *http.Request) {
	c := s.cookie(r, "", time.Unix(0, 0)) //nolint:gosec // G124: Secure follows overTLS
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// cookie is HttpOnly and SameSite=Strict always, Secure when the request came over TLS: a
// Secure cookie over plain HTTP (make run) would never come back.
func (s *sessions) cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: cookiePath, Expires: expires, //nolint:gosec // G124: Secure follows overTLS
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)}
}

// overTLS reports whether the browser reached us over TLS: directly, or through a load balancer
// that ended TLS and says so in X-Forwarded-Proto. Trusting the header costs nothing: a client
// that forges it only gets a cookie its own browser keeps off plain HTTP.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// fromTokens is the session a login starts.
func fromTokens(t *identity.Tokens) session {
	return session{Access: t.AccessToken, Refresh: t.RefreshToken, Expires: t.AccessExpiresAt.Unix()}
}

// unavailableError is a session that could not be checked (Redis did not answer): the caller is
// not signed out for it, only told to retry.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "check the console session: " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }
