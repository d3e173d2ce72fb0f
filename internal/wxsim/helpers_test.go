package wxsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	testApp     = "wxtestapp000001"
	testSecret  = "testsecret"
	otherApp    = "wxtestapp000002"
	otherSecret = "othersecret"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a simulator with two apps and a fake clock, served over real HTTP.
type harness struct {
	t     *testing.T
	sim   *wxsim.Simulator
	clock *fakeClock
	base  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	// Half past the minute, so a test that stays within one minute never crosses into the
	// next quota window.
	clock := &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)}
	sim := wxsim.New(wxsim.Config{
		Apps: map[string]string{testApp: testSecret, otherApp: otherSecret},
		Now:  clock.Now,
	})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, clock: clock, base: srv.URL}
}

// wxReply is the union of every WeChat body the simulator sends; raw keeps which keys were
// present.
type wxReply struct {
	Errcode     int    `json:"errcode"`
	Errmsg      string `json:"errmsg"`
	OpenID      string `json:"openid"`
	SessionKey  string `json:"session_key"`
	UnionID     string `json:"unionid"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	MsgID       int64  `json:"msgid"`
	PhoneInfo   *struct {
		PhoneNumber     string `json:"phoneNumber"`
		PurePhoneNumber string `json:"purePhoneNumber"`
		CountryCode     string `json:"countryCode"`
		Watermark       struct {
			Timestamp int64  `json:"timestamp"`
			AppID     string `json:"appid"`
		} `json:"watermark"`
	} `json:"phone_info"`
	raw map[string]json.RawMessage
}

// do sends a WeChat request and decodes the reply, failing the test on any transport error.
func (h *harness) do(method, path string, query url.Values, body string) wxReply {
	h.t.Helper()
	reply, err := h.try(method, path, query, body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply
}

// try is do for goroutines, which may not call t.Fatal: the reply must be HTTP 200 JSON
// whatever happened, as on WeChat.
func (h *harness) try(method, path string, query url.Values, body string) (wxReply, error) {
	target := h.base + path
	if query != nil {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return wxReply{}, fmt.Errorf("new request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return wxReply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return wxReply{}, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return wxReply{}, fmt.Errorf("%s %s: HTTP %d, WeChat always answers 200: %s", method, path, resp.StatusCode, data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return wxReply{}, fmt.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var reply wxReply
	if err := json.Unmarshal(data, &reply); err != nil {
		return wxReply{}, fmt.Errorf("decode %s: %w", data, err)
	}
	if err := json.Unmarshal(data, &reply.raw); err != nil {
		return wxReply{}, fmt.Errorf("decode %s: %w", data, err)
	}
	return reply, nil
}

func (h *harness) has(r wxReply, key string) bool {
	_, ok := r.raw[key]
	return ok
}

func (h *harness) code2Session(appid, secret, code string) wxReply {
	h.t.Helper()
	return h.do(http.MethodGet, "/sns/jscode2session", url.Values{
		"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"},
	}, "")
}

func (h *harness) stableToken(appid, secret string, force bool) wxReply {
	h.t.Helper()
	return h.do(http.MethodPost, "/cgi-bin/stable_token", nil, mustJSON(h.t, map[string]any{
		"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force,
	}))
}

func (h *harness) legacyToken(appid, secret string) wxReply {
	h.t.Helper()
	return h.do(http.MethodGet, "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {appid}, "secret": {secret},
	}, "")
}

func (h *harness) phoneNumber(token, code string) wxReply {
	h.t.Helper()
	return h.do(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
		mustJSON(h.t, map[string]string{"code": code}))
}

// token gets a fresh access token for app, failing the test otherwise.
func (h *harness) token(appid, secret string) string {
	h.t.Helper()
	r := h.stableToken(appid, secret, false)
	if r.AccessToken == "" {
		h.t.Fatalf("stable_token: %d %s", r.Errcode, r.Errmsg)
	}
	return r.AccessToken
}

// tokenValid asks getuserphonenumber about token: a valid token gets past the token check to
// the empty code (40029), an invalid one is refused with 40001.
func (h *harness) tokenValid(token string) bool {
	h.t.Helper()
	switch r := h.phoneNumber(token, ""); r.Errcode {
	case wxsim.ErrcodeInvalidCode:
		return true
	case wxsim.ErrcodeInvalidToken:
		return false
	default:
		h.t.Fatalf("getuserphonenumber: unexpected %d %s", r.Errcode, r.Errmsg)
		return false
	}
}

func (h *harness) loginCode(appid, openid, unionid string) string {
	h.t.Helper()
	code, err := h.sim.IssueLoginCode(appid, openid, unionid)
	if err != nil {
		h.t.Fatalf("IssueLoginCode: %v", err)
	}
	return code
}

func (h *harness) phoneCode(appid, phone string) string {
	h.t.Helper()
	code, err := h.sim.IssuePhoneCode(appid, phone)
	if err != nil {
		h.t.Fatalf("IssuePhoneCode: %v", err)
	}
	return code
}

// control sends a control API request and returns the status and raw body.
func (h *harness) control(method, path, body string) (int, http.Header, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, resp.Header, data
}

// controlOK sends a control request that must succeed and decodes its JSON answer into out.
func (h *harness) controlOK(method, path, body string, out any) {
	h.t.Helper()
	status, _, data := h.control(method, path, body)
	if status != http.StatusOK {
		h.t.Fatalf("%s %s: HTTP %d %s", method, path, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("decode %s: %v", data, err)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.String()
}

// wantWXError fails unless r is exactly WeChat's error errcode with its own message.
func wantWXError(t *testing.T, r wxReply, errcode int, errmsg string) {
	t.Helper()
	if r.Errcode != errcode || r.Errmsg != errmsg {
		t.Fatalf("got errcode %d %q, want %d %q", r.Errcode, r.Errmsg, errcode, errmsg)
	}
}

// WeChat's messages, spelt out here rather than taken from the package so a typo there fails.
const (
	msgInvalidToken = "invalid credential, access_token is invalid or not latest"
	msgGrantType    = "invalid grant_type"
	msgAppID        = "invalid appid"
	msgCode         = "invalid code"
	msgSecret       = "invalid appsecret"
	msgCodeUsed     = "code been used"
	msgRequireGET   = "require GET method"
	msgRequirePOST  = "require POST method"
	msgMinuteQuota  = "api minute-quota reach limit  mustslower retry next minute"
	msgDataFormat   = "data format error"
)
