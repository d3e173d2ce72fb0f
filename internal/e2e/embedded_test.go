package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The embedded default of `make run` works on its own: a SQLite file, the in-process Redis
// stand-in and WeChat simulator, demo accounts, and the login the banner suggests.
func TestEmbeddedDefault(t *testing.T) {
	dir := t.TempDir()
	httpAddr, grpcAddr, simAddr, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	s := &stack{t: t, api: "http://" + httpAddr, grpc: grpcAddr, metrics: "http://" + metricsAddr,
		conf: configFile(t, "groupbuy.yaml")}
	s.env = append(os.Environ(),
		"GROUPBUY_DB_SOURCE="+filepath.Join(dir, "groupbuy.db"),
		"GROUPBUY_HTTP_ADDR="+httpAddr,
		"GROUPBUY_GRPC_ADDR="+grpcAddr,
		"GROUPBUY_METRICS_ADDR="+metricsAddr,
		"GROUPBUY_WECHAT_SIM_ADDR="+simAddr,
		"GROUPBUY_WECHAT_PAY_KEYS_DIR="+filepath.Join(dir, "wxpay"),
	)
	if out := s.run("migrate"); !strings.Contains(out, "applied ") {
		t.Fatalf("migrate said: %s", out)
	}
	s.serve()

	// What the printed curl does: the simulator hands out a wx.login code, the API redeems it.
	resp, err := http.Get("http://" + simAddr + "/sim/v1/login-code?openid=demo-shopper")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	login := s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": string(code)})
	expect(t, login, 200, "")
	expect(t, s.call("GET", "/v1/me", login.str("accessToken"), nil), 200, "")
	// Events are limited per shopper in the in-process Redis and stored once in SQLite.
	share := map[string]any{"events": []map[string]any{{"clientEventId": "share-1", "kind": "share", "shareKey": "sk-1"}}}
	for i, want := range []string{"accepted", "duplicates"} {
		r := s.call("POST", "/v1/shop/events", login.str("accessToken"), share)
		expect(t, r, 200, "")
		if r.body[want] != float64(1) {
			t.Errorf("post %d of the same event: %s, want it %s", i+1, r.raw, want)
		}
	}

	// WeChat Pay's notification route is public (no token) but refuses what is not signed.
	unsigned := s.call("POST", "/wechatpay/notify/payment", "", map[string]string{"id": "forged"})
	if unsigned.status != http.StatusUnauthorized || unsigned.str("code") != "FAIL" {
		t.Errorf("unsigned notification: %d %s", unsigned.status, unsigned.raw)
	}
	if _, err := os.Stat(filepath.Join(dir, "wxpay", "apiclient_key.pem")); err != nil {
		t.Errorf("development pay keys not generated: %v", err)
	}

	for _, a := range []struct{ user, pass string }{
		{"ops", "ops-demo-password"}, {"finance", "finance-demo-password"}, {"admin", "admin-demo-password"},
	} {
		r := s.call("POST", "/v1/console/login", "", map[string]string{"username": a.user, "password": a.pass})
		expect(t, r, 200, "")
	}

	// The banner's console address serves its pages on the embedded default too.
	cookie := consoleSignIn(t, s, "finance", "finance-demo-password")
	if r := consoleRequest(t, s, "GET", "/console/finance/ledger", cookie, nil, ""); r.StatusCode != http.StatusOK {
		t.Errorf("the demo finance account's ledger page: %d", r.StatusCode)
	}
}
