package console

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// Every label a template or a page asks for is in the zh-CN file: a missing one would show its
// key to the staff.
func TestEveryLabelIsInTheMessages(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	literal := regexp.MustCompile(`\bt "([a-z_.]+)"`)
	err = fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := templateFiles.ReadFile(path)
		for _, m := range literal.FindAllSubmatch(raw, -1) {
			keys[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pageTable {
		if p.menu != "" {
			keys[p.menu] = true
		}
	}
	// Keys the templates build from values: every value the domain can hold.
	for _, k := range []string{"role.ops", "role.finance", "role.admin", "owner.platform", "owner.leader",
		"purpose.clearing", "purpose.revenue", "purpose.pending", "purpose.settleable", "purpose.settled",
		"trigger.finance", "trigger.schedule", "trigger.command", "state.running", "state.done",
		"error.forbidden_heading", "error.not_found_heading", "error.csrf_heading", "error.internal_heading"} {
		keys[k] = true
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys: the pattern no longer matches the templates", len(keys))
	}
	for k := range keys {
		if _, ok := msg[k]; !ok {
			t.Errorf("label %q is not in messages/%s.json", k, defaultLang)
		}
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", -1: "-0.01", 123456: "1,234.56", -100000000: "-1,000,000.00"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

// fakeMarks revokes the families in revoked and otherwise leaves the principal as it is.
type fakeMarks struct {
	identity.AccessMarks
	revoked map[string]bool
	err     error
}

func (m fakeMarks) Apply(_ context.Context, p identity.Principal) (identity.Principal, error) {
	if m.err != nil {
		return p, m.err
	}
	if m.revoked[p.Session] {
		return p, identity.ErrSessionRevoked
	}
	return p, nil
}

// testSessions are sessions signed by a real issuer, on a clock the test moves.
func testSessions(t *testing.T, marks identity.AccessMarks) (*sessions, *auth.Issuer, *time.Time) {
	t.Helper()
	issuer, err := auth.NewIssuer(&conf.Auth{JwtSecret: "console-test-secret-0123456789abcdef", Issuer: "groupbuy"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := &sessions{key: issuer.DeriveKey("session"), verify: issuer, marks: marks, idle: 30 * time.Minute,
		now: func() time.Time { return now }}
	return s, issuer, &now
}

// cookieOf signs a session for p into a request.
func cookieOf(t *testing.T, s *sessions, issuer *auth.Issuer, p identity.Principal, ttl time.Duration) *http.Request {
	t.Helper()
	tok, err := issuer.IssueAccessToken(p, time.Now().Add(ttl))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := s.write(rec, httptest.NewRequest("GET", "/console/", nil), session{Access: tok, Refresh: "r"}); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/console/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	return req
}

// A session holds only while it is a console account's, signed by us, not revoked, used within
// the idle limit, and its token has not expired.
func TestSessionRules(t *testing.T) {
	finance := identity.Principal{Kind: identity.SubjectConsole, ID: 2, Roles: []identity.Role{identity.RoleFinance}, Session: "fam"}
	leader := identity.Principal{Kind: identity.SubjectUser, ID: 7, Roles: []identity.Role{identity.RoleLeader}, Session: "fam"}
	marks := fakeMarks{revoked: map[string]bool{"gone": true}}
	s, issuer, now := testSessions(t, marks)
	ctx := context.Background()

	if p, _, err := s.load(ctx, cookieOf(t, s, issuer, finance, time.Hour)); err != nil || p.ID != 2 {
		t.Fatalf("a fresh finance session: %v %v", p, err)
	}
	if _, _, err := s.load(ctx, cookieOf(t, s, issuer, leader, time.Hour)); !errors.Is(err, errNotConsole) {
		t.Errorf("a leader's session: %v, want errNotConsole", err)
	}
	revoked := finance
	revoked.Session = "gone"
	if _, _, err := s.load(ctx, cookieOf(t, s, issuer, revoked, time.Hour)); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("a signed-out session: %v", err)
	}
	if _, _, err := s.load(ctx, cookieOf(t, s, issuer, finance, -time.Second)); err == nil {
		t.Error("an expired token was accepted")
	}
	idle := cookieOf(t, s, issuer, finance, 2*time.Hour)
	*now = now.Add(31 * time.Minute)
	if _, _, err := s.load(ctx, idle); !errors.Is(err, errIdle) {
		t.Errorf("after 31 idle minutes: %v, want errIdle", err)
	}

	tampered := cookieOf(t, s, issuer, finance, time.Hour)
	c, _ := tampered.Cookie(sessionCookie)
	body, sig, _ := strings.Cut(c.Value, ".")
	forged := httptest.NewRequest("GET", "/console/", nil)
	forged.AddCookie(&http.Cookie{Name: sessionCookie, Value: body + "x." + sig})
	if _, _, err := s.load(ctx, forged); !errors.Is(err, errBadSignature) {
		t.Errorf("a changed cookie: %v, want errBadSignature", err)
	}

	s.marks = fakeMarks{err: errors.New("redis down")}
	var unavailable *unavailableError
	if _, _, err := s.load(ctx, cookieOf(t, s, issuer, finance, time.Hour)); !errors.As(err, &unavailable) {
		t.Errorf("with Redis down: %v, want unavailableError (not a sign-out)", err)
	}
}

// A CSRF token is valid for its own session family only, from the form or the htmx header.
func TestCSRFTokenIsTiedToTheSession(t *testing.T) {
	c := csrf{key: []byte("k")}
	tok := c.token("session", "family-a")
	post := func(field, header string) *http.Request {
		r := httptest.NewRequest("POST", "/console/x", strings.NewReader(url.Values{csrfField: {field}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			r.Header.Set(csrfHeader, header)
		}
		return r
	}
	if !c.valid(post(tok, ""), "session", "family-a") || !c.valid(post("", tok), "session", "family-a") {
		t.Error("the session's own token was refused")
	}
	if c.valid(post(tok, ""), "session", "family-b") || c.valid(post("", ""), "session", "family-a") ||
		c.valid(post(tok, ""), "login", "family-a") || c.valid(post(tok, ""), "session", "") {
		t.Error("a token was accepted for another session, scope, or none")
	}
}

// The cookie is Secure when the browser came over TLS, directly or through a load balancer.
func TestCookieSecureOverTLS(t *testing.T) {
	s, _, _ := testSessions(t, fakeMarks{})
	plain := httptest.NewRequest("GET", "http://example.test/console/", nil)
	if s.cookie(plain, "v", time.Now()).Secure {
		t.Error("Secure over plain HTTP: the browser would never send it back")
	}
	direct := httptest.NewRequest("GET", "https://example.test/console/", nil)
	proxied := httptest.NewRequest("GET", "http://example.test/console/", nil)
	proxied.Header.Set("X-Forwarded-Proto", "https")
	for name, r := range map[string]*http.Request{"direct TLS": direct, "TLS ended at a load balancer": proxied} {
		c := s.cookie(r, "v", time.Now())
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("%s: %+v", name, c)
		}
	}
}
