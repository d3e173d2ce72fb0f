package wxsim_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestTokenErrors(t *testing.T) {
	stable := func(body string) func(h *harness) wxReply {
		return func(h *harness) wxReply { return h.do(http.MethodPost, "/cgi-bin/stable_token", nil, body) }
	}
	legacy := func(q url.Values) func(h *harness) wxReply {
		return func(h *harness) wxReply { return h.do(http.MethodGet, "/cgi-bin/token", q, "") }
	}
	tests := []struct {
		name    string
		call    func(h *harness) wxReply
		errcode int
		errmsg  string
	}{
		{"stable: unknown appid", stable(`{"grant_type":"client_credential","appid":"wxnosuchapp","secret":"testsecret"}`), 40013, msgAppID},
		{"stable: wrong secret", stable(`{"grant_type":"client_credential","appid":"wxtestapp000001","secret":"nope"}`), 40125, msgSecret},
		{"stable: wrong grant_type", stable(`{"grant_type":"authorization_code","appid":"wxtestapp000001","secret":"testsecret"}`), 40002, msgGrantType},
		{"stable: missing grant_type", stable(`{"appid":"wxtestapp000001","secret":"testsecret"}`), 40002, msgGrantType},
		{"stable: empty body", stable(``), 40013, msgAppID},
		{"stable: not JSON", stable(`grant_type=client_credential`), 47001, msgDataFormat},
		{"stable: GET", func(h *harness) wxReply { return h.do(http.MethodGet, "/cgi-bin/stable_token", nil, "") }, 43002, msgRequirePOST},
		{"token: unknown appid", legacy(url.Values{"grant_type": {"client_credential"}, "appid": {"wxnosuchapp"}, "secret": {testSecret}}), 40013, msgAppID},
		{"token: wrong secret", legacy(url.Values{"grant_type": {"client_credential"}, "appid": {testApp}, "secret": {"nope"}}), 40125, msgSecret},
		{"token: wrong grant_type", legacy(url.Values{"grant_type": {"password"}, "appid": {testApp}, "secret": {testSecret}}), 40002, msgGrantType},
		{"token: POST", func(h *harness) wxReply { return h.do(http.MethodPost, "/cgi-bin/token", nil, "") }, 43001, msgRequireGET},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := tt.call(h)
			wantWXError(t, r, tt.errcode, tt.errmsg)
			if h.has(r, "access_token") {
				t.Errorf("error reply carries a token: %+v", r.raw)
			}
		})
	}
}

func TestStableTokenIsStableUntilForced(t *testing.T) {
	h := newHarness(t)
	first := h.stableToken(testApp, testSecret, false)
	if first.AccessToken == "" || first.ExpiresIn != 7200 {
		t.Fatalf("first stable_token: %+v", first.raw)
	}

	h.clock.Advance(10 * time.Minute)
	again := h.stableToken(testApp, testSecret, false)
	if again.AccessToken != first.AccessToken || again.ExpiresIn != 7200-600 {
		t.Fatalf("repeat = %q (%ds), want the same token with 6600s left", again.AccessToken, again.ExpiresIn)
	}
	if other := h.token(otherApp, otherSecret); other == first.AccessToken {
		t.Fatal("two apps share a token")
	}

	forced := h.stableToken(testApp, testSecret, true)
	if forced.AccessToken == first.AccessToken || forced.ExpiresIn != 7200 {
		t.Fatalf("force_refresh = %q (%ds), want a new token for 7200s", forced.AccessToken, forced.ExpiresIn)
	}
	if h.tokenValid(first.AccessToken) {
		t.Error("force_refresh left the previous token valid")
	}
	if !h.tokenValid(forced.AccessToken) {
		t.Error("the forced token is not valid")
	}
	if after := h.token(testApp, testSecret); after != forced.AccessToken {
		t.Error("stable_token after a force_refresh does not return the forced token")
	}
}

func TestStableTokenRenewsInItsLastFiveMinutes(t *testing.T) {
	h := newHarness(t)
	old := h.token(testApp, testSecret)

	h.clock.Advance(7200*time.Second - 5*time.Minute)
	renewed := h.stableToken(testApp, testSecret, false)
	if renewed.AccessToken == old || renewed.ExpiresIn != 7200 {
		t.Fatalf("5 minutes before expiry got %q (%ds), want a new token", renewed.AccessToken, renewed.ExpiresIn)
	}
	if !h.tokenValid(old) {
		t.Error("the old token stopped working before its expiry")
	}
	h.clock.Advance(5 * time.Minute)
	if h.tokenValid(old) {
		t.Error("the old token outlived its 7200s")
	}
	if !h.tokenValid(renewed.AccessToken) {
		t.Error("the renewed token is not valid")
	}
}

func TestAccessTokensExpireAfter7200s(t *testing.T) {
	tests := []struct {
		name  string
		issue func(h *harness) string
	}{
		{"stable_token", func(h *harness) string { return h.token(testApp, testSecret) }},
		{"token", func(h *harness) string { return h.legacyToken(testApp, testSecret).AccessToken }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			token := tt.issue(h)
			h.clock.Advance(7200*time.Second - time.Second)
			if !h.tokenValid(token) {
				t.Fatal("token invalid 1s before expiry")
			}
			h.clock.Advance(time.Second)
			if h.tokenValid(token) {
				t.Fatal("token still valid after 7200s")
			}
		})
	}
}

func TestLegacyTokenReplacesThePreviousAfterFiveMinutes(t *testing.T) {
	h := newHarness(t)
	stable := h.token(testApp, testSecret)
	first := h.legacyToken(testApp, testSecret)
	second := h.legacyToken(testApp, testSecret)
	if first.AccessToken == "" || second.AccessToken == first.AccessToken || second.ExpiresIn != 7200 {
		t.Fatalf("legacy tokens %q then %q (%ds), want two different tokens", first.AccessToken, second.AccessToken, second.ExpiresIn)
	}
	h.clock.Advance(5*time.Minute - time.Second)
	if !h.tokenValid(first.AccessToken) {
		t.Fatal("the previous legacy token died within its 5 minutes of grace")
	}
	h.clock.Advance(time.Second)
	if h.tokenValid(first.AccessToken) {
		t.Fatal("the previous legacy token outlived its grace")
	}
	// stable_token and /cgi-bin/token are isolated on WeChat: neither refresh touches the other.
	if !h.tokenValid(second.AccessToken) || !h.tokenValid(stable) || h.token(testApp, testSecret) != stable {
		t.Fatal("the legacy refresh disturbed the stable token, or the latest legacy token is invalid")
	}
}

func TestExpireAccessTokens(t *testing.T) {
	tests := []struct {
		name   string
		expire func(h *harness)
	}{
		{"Go API", func(h *harness) { h.sim.ExpireAccessTokens() }},
		{"control API", func(h *harness) {
			var out struct {
				Expired int `json:"expired"`
			}
			h.controlOK(http.MethodPost, "/sim/v1/access-tokens/expire", "", &out)
			if out.Expired != 3 {
				h.t.Errorf("expired = %d, want 3", out.Expired)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tokens := []string{
				h.token(testApp, testSecret),
				h.token(otherApp, otherSecret),
				h.legacyToken(testApp, testSecret).AccessToken,
			}
			tt.expire(h)
			for _, token := range tokens {
				if h.tokenValid(token) {
					t.Errorf("token %.8s… still valid", token)
				}
			}
			// The service's recovery: a plain stable_token call now yields a new, valid token.
			fresh := h.stableToken(testApp, testSecret, false)
			if fresh.AccessToken == tokens[0] || fresh.ExpiresIn != 7200 || !h.tokenValid(fresh.AccessToken) {
				t.Fatalf("stable_token after expiry: %+v", fresh.raw)
			}
		})
	}
}

func TestTokensAreOpaqueAndDistinct(t *testing.T) {
	h := newHarness(t)
	seen := make(map[string]bool)
	for range 20 {
		token := h.stableToken(testApp, testSecret, true).AccessToken
		if len(token) < 32 || seen[token] {
			t.Fatalf("token %q is short or repeated", token)
		}
		seen[token] = true
	}
	if got := h.sim.Calls(wxsim.OpStableToken); got != 20 {
		t.Errorf("Calls(stable_token) = %d, want 20", got)
	}
}
