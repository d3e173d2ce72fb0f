package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// Every state-changing request carries a synchronizer token: in the form field csrfField, or in
// the header csrfHeader that htmx sends (layout's hx-headers). A signed-in session's token is
// an HMAC of its session family, so it is valid for that session alone and ends with it. The
// sign-in form, which has no session yet, is tied the same way to a random value in its own
// short-lived cookie.
const (
	csrfField   = "_csrf"
	csrfHeader  = "X-CSRF-Token"
	loginCookie = "groupbuy_console_login"
	loginMaxAge = 30 * time.Minute
)

type csrf struct{ key []byte }

// token is the token of a session family or login nonce; scope keeps the two apart.
func (c csrf) token(scope, value string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid reports whether r carries the token of scope and value.
func (c csrf) valid(r *http.Request, scope, value string) bool {
	if value == "" {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return hmac.Equal([]byte(got), []byte(c.token(scope, value)))
}

// loginNonce returns the sign-in form's nonce, setting its cookie when r has none.
func (c csrf) loginNonce(w http.ResponseWriter, r *http.Request) (string, error) {
	if ck, err := r.Cookie(loginCookie); err == nil && len(ck.Value) >= 22 {
		return ck.Value, nil
	}
	nonce, err := randomString(16)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: nonce, Path: cookiePath, //nolint:gosec // G124: Secure follows overTLS
		MaxAge: int(loginMaxAge / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: overTLS(r)})
	return nonce, nil
}

// loginValid checks the sign-in form's token against its cookie.
func (c csrf) loginValid(r *http.Request) bool {
	ck, err := r.Cookie(loginCookie)
	return err == nil && c.valid(r, "login", ck.Value)
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
