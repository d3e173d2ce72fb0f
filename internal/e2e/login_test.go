package e2e

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A shopper signs in with a wx.login code, binds a phone, and sees it masked; the database holds
// only the sealed number.
func TestShopperLoginAndPhoneBinding(t *testing.T) {
	s := start(t)
	login := s.login("o-e2e-shopper-1")
	access := login.str("accessToken")
	if access == "" || login.str("tokenType") != "Bearer" || login.str("refreshToken") == "" {
		t.Fatalf("login reply: %s", login.raw)
	}
	if roles, _ := login.body["roles"].([]any); len(roles) != 1 || roles[0] != "ROLE_SHOPPER" {
		t.Fatalf("roles = %v, want [ROLE_SHOPPER]", login.body["roles"])
	}

	me := s.call("GET", "/v1/me", access, nil)
	expect(t, me, 200, "")
	if me.str("phoneMasked") != "" {
		t.Fatalf("phone before binding: %s", me.raw)
	}

	code, err := s.sim.IssuePhoneCode(appID, "13812341234")
	if err != nil {
		t.Fatal(err)
	}
	bound := s.call("POST", "/v1/me/phone", access, map[string]string{"code": code})
	expect(t, bound, 200, "")
	if got := bound.str("phoneMasked"); got != "138****1234" {
		t.Fatalf("phoneMasked = %q, want 138****1234", got)
	}
	if got := s.call("GET", "/v1/me", access, nil).str("phoneMasked"); got != "138****1234" {
		t.Fatalf("GET /v1/me phoneMasked = %q", got)
	}

	var sealed, keyID string
	err = s.db.QueryRow(`SELECT phone_sealed, phone_key_id FROM users WHERE openid = $1`, "o-e2e-shopper-1").
		Scan(&sealed, &keyID)
	if err != nil {
		t.Fatal(err)
	}
	if sealed == "" || strings.Contains(sealed, "13812341234") || strings.Contains(sealed, "1234") && len(sealed) < 30 {
		t.Fatalf("phone column is not sealed: %q", sealed)
	}
	if keyID != "k1" || !strings.Contains(sealed, "k1") {
		t.Fatalf("sealed with key %q (%q), want k1", keyID, sealed)
	}

	// A second login of the same openid finds the same user.
	again := s.login("o-e2e-shopper-1")
	if got := s.call("GET", "/v1/me", again.str("accessToken"), nil).str("id"); got != me.str("id") {
		t.Fatalf("second login is user %q, first was %q", got, me.str("id"))
	}
	if n := s.count("users"); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

// WeChat's login and phone errors reach the client with their own reasons and change nothing.
func TestWechatCodeErrors(t *testing.T) {
	s := start(t)
	code, err := s.sim.IssueLoginCode(appID, "o-e2e-codes", "")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": code}), 200, "")
	expect(t, s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": code}), 401, "LOGIN_CODE_USED")
	expect(t, s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": "no-such-code"}), 401, "LOGIN_CODE_INVALID")

	s.sim.FailNext("jscode2session", 45011, "", 1)
	fresh, _ := s.sim.IssueLoginCode(appID, "o-e2e-codes-2", "")
	expect(t, s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": fresh}), 429, "RATE_LIMITED")
	s.sim.FailNext("jscode2session", -1, "system error", 1)
	fresh, _ = s.sim.IssueLoginCode(appID, "o-e2e-codes-2", "")
	expect(t, s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": fresh}), 503, "WECHAT_UNAVAILABLE")
	if n := s.count("users"); n != 1 {
		t.Fatalf("%d users after failed logins, want 1", n)
	}

	access := s.login("o-e2e-codes").str("accessToken")
	expect(t, s.call("POST", "/v1/me/phone", access, map[string]string{"code": "bad"}), 400, "PHONE_CODE_INVALID")
	var sealed *string
	_ = s.db.QueryRow(`SELECT phone_sealed FROM users WHERE openid = 'o-e2e-codes'`).Scan(&sealed)
	if sealed != nil && *sealed != "" {
		t.Fatalf("a failed binding stored a phone")
	}
}

// An expired WeChat access token is renewed and the phone call repeated once.
func TestPhoneBindingRenewsExpiredAccessToken(t *testing.T) {
	s := start(t)
	access := s.login("o-e2e-token").str("accessToken")
	code, _ := s.sim.IssuePhoneCode(appID, "13900001111")
	expect(t, s.call("POST", "/v1/me/phone", access, map[string]string{"code": code}), 200, "")

	s.sim.ExpireAccessTokens()
	code, _ = s.sim.IssuePhoneCode(appID, "13900002222")
	r := s.call("POST", "/v1/me/phone", access, map[string]string{"code": code})
	expect(t, r, 200, "")
	if r.str("phoneMasked") != "139****2222" {
		t.Fatalf("phoneMasked = %q", r.str("phoneMasked"))
	}
}

// A refresh token works once; a reused one revokes the whole session, including the token that
// replaced it.
func TestRefreshRotationAndReuse(t *testing.T) {
	s := start(t)
	first := s.login("o-e2e-refresh")
	r1 := first.str("refreshToken")

	second := s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": r1})
	expect(t, second, 200, "")
	r2 := second.str("refreshToken")
	expect(t, s.call("GET", "/v1/me", second.str("accessToken"), nil), 200, "")

	expect(t, s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": r1}), 401, "REFRESH_TOKEN_REUSED")
	expect(t, s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": r2}), 401, "REFRESH_TOKEN_INVALID")

	third := s.login("o-e2e-refresh")
	expect(t, s.call("POST", "/v1/auth/logout", "", map[string]string{"refreshToken": third.str("refreshToken")}), 200, "")
	expect(t, s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": third.str("refreshToken")}), 401, "REFRESH_TOKEN_INVALID")
}

// Of many concurrent refreshes with one token exactly one succeeds.
func TestConcurrentRefreshHasOneWinner(t *testing.T) {
	s := start(t)
	token := s.login("o-e2e-race").str("refreshToken")
	var wins, reused atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": token})
			switch {
			case r.status == 200:
				wins.Add(1)
			case r.reason() == "REFRESH_TOKEN_REUSED":
				reused.Add(1)
			default:
				t.Errorf("unexpected reply %d %s", r.status, r.raw)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || reused.Load() != 19 {
		t.Fatalf("%d refreshes won and %d were refused as reused; want 1 and 19", wins.Load(), reused.Load())
	}
}
