package main

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// servedLimits opens the simulator the command line configures and reads its rate limits back
// through the control API, as a test driving the binary would.
func servedLimits(t *testing.T, args ...string) map[string]int {
	t.Helper()
	cfg, _, err := parseConfig(append([]string{"-pay-dir", t.TempDir(), "-pay-persist=false"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := wxsim.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/sim/v1/pay/rate-limits")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Limits map[string]int `json:"limits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /sim/v1/pay/rate-limits: %d %v", resp.StatusCode, err)
	}
	return view.Limits
}

// The command serves WeChat's documented limits unless told otherwise.
func TestRateLimitsFlag(t *testing.T) {
	if got := servedLimits(t); !maps.Equal(got, wxsim.WeChatPayRateLimits()) {
		t.Errorf("default limits %v, want WeChat's %v", got, wxsim.WeChatPayRateLimits())
	}
	if got := servedLimits(t, "-rate-limits=off"); len(got) != 0 {
		t.Errorf("-rate-limits=off serves %v", got)
	}
	if got := servedLimits(t, "-rate-limits", wxsim.OpSharingCreateOrder+"=30"); len(got) != 1 || got[wxsim.OpSharingCreateOrder] != 30 {
		t.Errorf("-rate-limits %s=30 serves %v", wxsim.OpSharingCreateOrder, got)
	}
	if _, _, err := parseConfig([]string{"-rate-limits", "fast"}); !errors.Is(err, wxsim.ErrInvalidRateLimit) {
		t.Errorf("-rate-limits fast: %v", err)
	}
}
