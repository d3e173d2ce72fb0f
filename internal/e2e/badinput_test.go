package e2e

import (
	"fmt"
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
	// The audit log records the id: only a trusted load balancer may choose it, not a client.
	if got := resp.Header.Get("X-Request-Id"); got == "client-chosen-id-1" || len(got) < 16 {
		t.Errorf("a client chose its request id: %q", got)
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

// Inputs that no field of this service may hold are refused at the edge with the field's JSON
// path and the rule it broke, whatever the endpoint, and nothing is stored.
func TestBadInputNamesTheField(t *testing.T) {
	s := start(t)
	shopper := s.login("o-e2e-bad-fields").str("accessToken")
	ops := s.ops()
	finance := s.token(identity.SubjectConsole, 1, time.Hour, identity.RoleFinance)
	tables := []string{"products", "batches", "commission_plans", "settlement_runs", "orders", "leaders"}
	before := make(map[string]int, len(tables))
	for _, table := range tables {
		before[table] = s.count(table)
	}

	opens := time.Now().Add(time.Hour)
	batch := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"title": "周末水果团", "opensAt": opens.UTC().Format(time.RFC3339),
			"cutoffAt":   opens.Add(24 * time.Hour).UTC().Format(time.RFC3339),
			"pickupDate": opens.Add(72 * time.Hour).Format(time.DateOnly),
			"items":      []map[string]any{{"skuId": 1, "priceFen": 3990, "quota": 100, "commissionBp": 1000}},
			"gridCells":  []string{"8a309a4b0a47fff"}}
		change(b)
		return b
	}
	order := func(qty, price int) map[string]any {
		return map[string]any{"idempotencyKey": "bad-field-order", "batchId": 1,
			"lines": []map[string]any{{"itemId": 1, "quantity": qty, "priceFen": price}}}
	}
	application := map[string]any{"realName": "张三", "phone": "13800138000", "pointName": "张三团点",
		"address": "人民广场1号", "location": map[string]float64{"lat": 91, "lng": 121.47}, "openingHours": "08:00-20:00"}

	tests := []struct {
		name, path, token string
		body              any
		field, rule       string // the rule: a part of it
	}{
		{"quantity 0 in a line", "/v1/shop/orders", shopper, order(0, 3990), "lines[0].quantity", "range"},
		{"price 0 in a line", "/v1/shop/orders", shopper, order(1, 0), "lines[0].priceFen", "greater than 0"},
		{"latitude 91", "/v1/leader-applications", shopper, application, "location.lat", "[-90, 90]"},
		{"NUL in a product name", "/v1/ops/products", ops, map[string]any{"title": "桃\x00子", "category": "水果"}, "title", "control characters"},
		{"white-space batch title", "/v1/ops/batches", ops, batch(func(b map[string]any) { b["title"] = "   " }), "title", "blank"},
		{"pickup in 9999", "/v1/ops/batches", ops, batch(func(b map[string]any) { b["pickupDate"] = "9999-12-31" }), "pickupDate", "between"},
		{"window opening in 1970", "/v1/ops/batches", ops, batch(func(b map[string]any) { b["opensAt"] = "1970-01-01T00:00:00Z" }), "opensAt", "between"},
		{"plan effective from year 1", "/v1/ops/commission/plans", ops, map[string]any{"ratesBp": []int{100}, "effectiveFrom": "0001-01-01T00:00:00Z"}, "effectiveFrom", "between"},
		{"settlement cut-off in year 1", "/v1/finance/settlement/runs", finance, map[string]any{"cutoff": "0001-01-01T00:00:00Z", "idempotencyKey": "settle-bad-1"}, "cutoff", "between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.call("POST", tt.path, tt.token, tt.body)
			expect(t, r, 400, "INVALID_ARGUMENT")
			meta, _ := r.body["metadata"].(map[string]any)
			if meta["field"] != tt.field || !strings.Contains(fmt.Sprint(meta["rule"]), tt.rule) ||
				!strings.Contains(r.str("message"), tt.field+": ") {
				t.Errorf("want field %s breaking a rule with %q; body %s", tt.field, tt.rule, r.raw)
			}
		})
	}
	for _, table := range tables {
		if n := s.count(table); n != before[table] {
			t.Errorf("refused requests changed %s: %d → %d rows", table, before[table], n)
		}
	}
}
