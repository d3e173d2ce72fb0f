package wxsim_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestCode2SessionSuccess(t *testing.T) {
	tests := []struct {
		name        string
		openid      string
		unionid     string
		wantUnionID bool
	}{
		{name: "chosen openid, no unionid", openid: "oDemoUser_0000000000000000001"},
		{name: "chosen openid and unionid", openid: "oDemoUser_0000000000000000002", unionid: "uDemoUnion-01", wantUnionID: true},
		{name: "generated openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.code2Session(testApp, testSecret, h.loginCode(testApp, tt.openid, tt.unionid))

			if r.Errcode != 0 || h.has(r, "errcode") {
				t.Fatalf("code2Session failed or carries errcode: %+v", r.raw)
			}
			if tt.openid != "" && r.OpenID != tt.openid {
				t.Errorf("openid = %q, want %q", r.OpenID, tt.openid)
			}
			if tt.openid == "" && (len(r.OpenID) != 28 || !strings.HasPrefix(r.OpenID, "o")) {
				t.Errorf("generated openid %q is not 28 characters starting with o", r.OpenID)
			}
			if key, err := base64.StdEncoding.DecodeString(r.SessionKey); err != nil || len(key) != 16 {
				t.Errorf("session_key %q is not base64 of 16 bytes (err %v)", r.SessionKey, err)
			}
			if h.has(r, "unionid") != tt.wantUnionID || r.UnionID != tt.unionid {
				t.Errorf("unionid present=%v %q, want present=%v %q", h.has(r, "unionid"), r.UnionID, tt.wantUnionID, tt.unionid)
			}
		})
	}
}

func TestCode2SessionErrors(t *testing.T) {
	tests := []struct {
		name string
		// query builds the request's query; code is a fresh code for testApp.
		query   func(h *harness, code string) url.Values
		method  string
		errcode int
		errmsg  string
	}{
		{
			name:    "unknown appid",
			query:   func(_ *harness, code string) url.Values { return sessionQuery("wxnosuchapp", testSecret, code) },
			errcode: 40013, errmsg: msgAppID,
		},
		{
			name:    "missing appid",
			query:   func(_ *harness, code string) url.Values { return sessionQuery("", testSecret, code) },
			errcode: 40013, errmsg: msgAppID,
		},
		{
			name:    "wrong secret",
			query:   func(_ *harness, code string) url.Values { return sessionQuery(testApp, "wrong", code) },
			errcode: 40125, errmsg: msgSecret,
		},
		{
			name:    "another app's secret",
			query:   func(_ *harness, code string) url.Values { return sessionQuery(testApp, otherSecret, code) },
			errcode: 40125, errmsg: msgSecret,
		},
		{
			name: "wrong grant_type",
			query: func(_ *harness, code string) url.Values {
				q := sessionQuery(testApp, testSecret, code)
				q.Set("grant_type", "client_credential")
				return q
			},
			errcode: 40002, errmsg: msgGrantType,
		},
		{
			name: "missing grant_type",
			query: func(_ *harness, code string) url.Values {
				q := sessionQuery(testApp, testSecret, code)
				q.Del("grant_type")
				return q
			},
			errcode: 40002, errmsg: msgGrantType,
		},
		{
			name:    "empty code",
			query:   func(_ *harness, _ string) url.Values { return sessionQuery(testApp, testSecret, "") },
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "unknown code",
			query: func(_ *harness, _ string) url.Values {
				return sessionQuery(testApp, testSecret, "0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p")
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "code of another app",
			query: func(h *harness, _ string) url.Values {
				return sessionQuery(testApp, testSecret, h.loginCode(otherApp, "oOther", ""))
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "expired code",
			query: func(h *harness, code string) url.Values {
				h.clock.Advance(5 * time.Minute)
				return sessionQuery(testApp, testSecret, code)
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "used code",
			query: func(h *harness, code string) url.Values {
				if r := h.code2Session(testApp, testSecret, code); r.OpenID == "" {
					h.t.Fatalf("first redemption failed: %+v", r.raw)
				}
				return sessionQuery(testApp, testSecret, code)
			},
			errcode: 40163, errmsg: msgCodeUsed,
		},
		{
			name:    "POST instead of GET",
			method:  http.MethodPost,
			query:   func(_ *harness, code string) url.Values { return sessionQuery(testApp, testSecret, code) },
			errcode: 43001, errmsg: msgRequireGET,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			code := h.loginCode(testApp, "oUser", "")
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := h.do(method, "/sns/jscode2session", tt.query(h, code), "")
			wantWXError(t, r, tt.errcode, tt.errmsg)
			if h.has(r, "openid") || h.has(r, "session_key") {
				t.Errorf("error reply carries session fields: %+v", r.raw)
			}
		})
	}
}

func sessionQuery(appid, secret, code string) url.Values {
	return url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
}

func TestCode2SessionCodeLivesFiveMinutes(t *testing.T) {
	h := newHarness(t)
	code := h.loginCode(testApp, "oUser", "")
	h.clock.Advance(5*time.Minute - time.Second)
	if r := h.code2Session(testApp, testSecret, code); r.OpenID != "oUser" {
		t.Fatalf("code 1s before expiry: %+v", r.raw)
	}

	late := h.loginCode(testApp, "oUser", "")
	h.clock.Advance(5 * time.Minute)
	wantWXError(t, h.code2Session(testApp, testSecret, late), 40029, msgCode)
}

func TestCode2SessionRedeemsOnceUnderConcurrency(t *testing.T) {
	const racers = 50
	h := newHarness(t)
	code := h.loginCode(testApp, "oRacer", "")

	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		mu      sync.Mutex
		results = make(map[int]int) // errcode → replies
	)
	for range racers {
		wg.Go(func() {
			<-start
			r, err := h.try(http.MethodGet, "/sns/jscode2session", sessionQuery(testApp, testSecret, code), "")
			if err != nil {
				t.Error(err)
				return
			}
			if r.Errcode == 0 && r.OpenID != "oRacer" {
				t.Errorf("success with openid %q", r.OpenID)
			}
			mu.Lock()
			results[r.Errcode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()

	if results[0] != 1 || results[wxsim.ErrcodeCodeUsed] != racers-1 || len(results) != 2 {
		t.Fatalf("results by errcode = %v, want one success and %d × 40163", results, racers-1)
	}
	if got := h.sim.Calls(wxsim.OpJSCode2Session); got != racers {
		t.Errorf("Calls = %d, want %d", got, racers)
	}
}

func TestCode2SessionMinuteQuota(t *testing.T) {
	h := newHarness(t)
	for i := range 100 {
		if r := h.code2Session(testApp, testSecret, h.loginCode(testApp, "oBusy", "")); r.Errcode != 0 {
			t.Fatalf("login %d: %d %s", i+1, r.Errcode, r.Errmsg)
		}
	}
	throttled := h.loginCode(testApp, "oBusy", "")
	wantWXError(t, h.code2Session(testApp, testSecret, throttled), 45011, msgMinuteQuota)

	// The quota is per user: others still log in this minute.
	if r := h.code2Session(testApp, testSecret, h.loginCode(testApp, "oCalm", "")); r.Errcode != 0 {
		t.Fatalf("another user: %d %s", r.Errcode, r.Errmsg)
	}
	// A throttled code was not used up: it works next minute.
	h.clock.Advance(time.Minute)
	if r := h.code2Session(testApp, testSecret, throttled); r.OpenID != "oBusy" {
		t.Fatalf("next minute: %+v", r.raw)
	}
}

func TestIssueLoginCodeValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name                   string
		appid, openid, unionid string
		want                   error
	}{
		{name: "unknown app", appid: "wxnosuchapp", want: wxsim.ErrUnknownApp},
		{name: "no appid with two apps", want: wxsim.ErrAppRequired},
		{name: "openid with a space", appid: testApp, openid: "o user", want: wxsim.ErrInvalidOpenID},
		{name: "openid too long", appid: testApp, openid: strings.Repeat("o", 65), want: wxsim.ErrInvalidOpenID},
		{name: "unionid with a slash", appid: testApp, unionid: "u/1", want: wxsim.ErrInvalidUnionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := h.sim.IssueLoginCode(tt.appid, tt.openid, tt.unionid)
			if !errors.Is(err, tt.want) || code != "" {
				t.Fatalf("IssueLoginCode = %q, %v; want error %v", code, err, tt.want)
			}
		})
	}
}

func TestSingleAppDefaults(t *testing.T) {
	sim := wxsim.New(wxsim.Config{})
	if got := sim.AppIDs(); len(got) != 1 || got[0] != wxsim.DemoAppID {
		t.Fatalf("AppIDs = %v, want the demo app", got)
	}
	base, stop, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop(t.Context()) })
	h := &harness{t: t, sim: sim, base: base}

	code, err := sim.IssueLoginCode("", "oSolo", "")
	if err != nil {
		t.Fatalf("IssueLoginCode without appid: %v", err)
	}
	if r := h.code2Session(wxsim.DemoAppID, wxsim.DemoSecret, code); r.OpenID != "oSolo" {
		t.Fatalf("code2Session: %+v", r.raw)
	}

	var issued struct{ Code, OpenID string }
	h.controlOK(http.MethodPost, "/sim/v1/login-codes", "", &issued)
	if r := h.code2Session(wxsim.DemoAppID, wxsim.DemoSecret, issued.Code); r.OpenID != issued.OpenID || r.OpenID == "" {
		t.Fatalf("code from an empty control request: %+v, issued %+v", r.raw, issued)
	}
	if _, err := sim.IssuePhoneCode("", "13812341234"); err != nil {
		t.Fatalf("IssuePhoneCode without appid: %v", err)
	}
}
