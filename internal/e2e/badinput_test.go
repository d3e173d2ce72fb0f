package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// Every bad request gets its reason and status, and changes nothing.
func TestBadInput(t *testing.T) {
	s := start(t)
	login := s.login("o-e2e-bad")
	access := login.str("accessToken")
	users, sessions := s.count("users"), s.count("sessions")

	expired := s.token(identity.SubjectUser, 1, -time.Minute, identity.RoleShopper)
	console := s.token(identity.SubjectConsole, 1, time.Hour, identity.RoleOps)
	forged := access[:len(access)-4] + "AAAA"

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		reason                    string
	}{
		{"malformed JSON", "POST", "/v1/auth/wechat-login", "", `{"code":`, 400, "MALFORMED_REQUEST"},
		{"unknown field", "POST", "/v1/auth/wechat-login", "", `{"code":"x","admin":true}`, 400, "MALFORMED_REQUEST"},
		{"wrong type", "POST", "/v1/auth/wechat-login", "", `{"code":42}`, 400, "MALFORMED_REQUEST"},
		{"missing field", "POST", "/v1/auth/wechat-login", "", `{}`, 400, "INVALID_ARGUMENT"},
		{"empty body", "POST", "/v1/auth/wechat-login", "", nil, 400, "INVALID_ARGUMENT"},
		{"oversized field", "POST", "/v1/auth/wechat-login", "", map[string]string{"code": strings.Repeat("x", 129)}, 400, "INVALID_ARGUMENT"},
		{"oversized body", "POST", "/v1/auth/wechat-login", "", `{"code":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "REQUEST_TOO_LARGE"},
		{"bad pattern", "POST", "/v1/console/login", "", map[string]string{"username": "Robert'); DROP", "password": "x"}, 400, "INVALID_ARGUMENT"},
		{"no token", "GET", "/v1/me", "", nil, 401, "UNAUTHENTICATED"},
		{"garbage token", "GET", "/v1/me", "not-a-jwt", nil, 401, "UNAUTHENTICATED"},
		{"forged signature", "GET", "/v1/me", forged, nil, 401, "UNAUTHENTICATED"},
		{"expired token", "GET", "/v1/me", expired, nil, 401, "TOKEN_EXPIRED"},
		{"wrong role", "GET", "/v1/me", console, nil, 403, "FORBIDDEN"},
		{"shopper on console", "GET", "/v1/console/me", access, nil, 403, "FORBIDDEN"},
		{"invalid input without token", "POST", "/v1/me/phone", "", `{}`, 401, "UNAUTHENTICATED"},
		{"unknown route", "GET", "/v1/nope", access, nil, 404, "NOT_FOUND"},
		{"wrong content type", "POST", "/v1/auth/wechat-login", "", nil, 400, "MALFORMED_REQUEST"},
		{"unknown refresh token", "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": strings.Repeat("a", 43)}, 401, "REFRESH_TOKEN_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reply
			if tt.name == "wrong content type" {
				r = s.raw("POST", tt.path, "text/plain", `code=x`)
			} else {
				r = s.call(tt.method, tt.path, tt.token, tt.body)
			}
			expect(t, r, tt.status, tt.reason)
			if r.str("message") == "" {
				t.Errorf("error without a message: %s", r.raw)
			}
		})
	}
	if u, ss := s.count("users"), s.count("sessions"); u != users || ss != sessions {
		t.Fatalf("bad requests changed the database: users %d→%d, sessions %d→%d", users, u, sessions, ss)
	}
}

// Operational endpoints answer, metrics only on their own address, and every response carries
// a request id.
func TestOperationalEndpoints(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		url    string
		status int
	}{
		{s.api + "/healthz", 200}, {s.api + "/readyz", 200}, {s.api + "/openapi.yaml", 200},
		{s.api + "/metrics", 404}, {s.metrics + "/metrics", 200},
	} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s = %d, want %d", c.url, resp.StatusCode, c.status)
		}
	}
	r := s.call("GET", "/v1/me", "", nil)
	if id := r.header.Get("X-Request-Id"); len(id) < 16 {
		t.Errorf("no generated request id: %q", id)
	}
	req, _ := http.NewRequest("GET", s.api+"/v1/me", nil)
	req.Header.Set("X-Request-Id", "client-chosen-id-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "client-chosen-id-1" {
		t.Errorf("request id not echoed: %q", got)
	}
	resp, err = http.Get(s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var metrics reply
	metrics.raw, _ = io.ReadAll(resp.Body)
	if !strings.Contains(string(metrics.raw), `groupbuy_server_requests_total{code="401",kind="http",operation="/groupbuy.v1.Auth/GetMe",reason="UNAUTHENTICATED"}`) {
		t.Errorf("metrics do not count the refused request:\n%s", metrics.raw)
	}
}

// raw sends a body with a chosen content type.
func (s *stack) raw(method, path, contentType, body string) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return s.do(req)
}
