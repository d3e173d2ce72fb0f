package wxsim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestControlLoginCodes(t *testing.T) {
	h := newHarness(t)
	var issued struct {
		Code   string `json:"code"`
		OpenID string `json:"openid"`
	}
	h.controlOK(http.MethodPost, "/sim/v1/login-codes", `{"appid":"wxtestapp000002","openid":"oAlice","unionid":"uAlice"}`, &issued)
	if issued.OpenID != "oAlice" || issued.Code == "" {
		t.Fatalf("issued %+v", issued)
	}
	r := h.code2Session(otherApp, otherSecret, issued.Code)
	if r.OpenID != "oAlice" || r.UnionID != "uAlice" {
		t.Fatalf("code2Session: %+v", r.raw)
	}

	h.controlOK(http.MethodPost, "/sim/v1/login-codes", `{"appid":"wxtestapp000001"}`, &issued)
	if len(issued.OpenID) != 28 || !strings.HasPrefix(issued.OpenID, "o") {
		t.Fatalf("generated openid %q", issued.OpenID)
	}
	if r := h.code2Session(testApp, testSecret, issued.Code); r.OpenID != issued.OpenID || h.has(r, "unionid") {
		t.Fatalf("code2Session: %+v", r.raw)
	}
}

func TestControlLoginCodeAsPlainText(t *testing.T) {
	h := newHarness(t)
	status, header, body := h.control(http.MethodGet, "/sim/v1/login-code?openid=demo&appid="+testApp, "")
	if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
		t.Fatalf("HTTP %d %s: %s", status, header.Get("Content-Type"), body)
	}
	if r := h.code2Session(testApp, testSecret, string(body)); r.OpenID != "demo" {
		t.Fatalf("code %q: %+v", body, r.raw)
	}
}

func TestControlPhoneCodes(t *testing.T) {
	h := newHarness(t)
	var issued struct {
		Code string `json:"code"`
	}
	h.controlOK(http.MethodPost, "/sim/v1/phone-codes", `{"appid":"wxtestapp000001","phone":"13812341234"}`, &issued)
	r := h.phoneNumber(h.token(testApp, testSecret), issued.Code)
	if r.Errcode != 0 || r.PhoneInfo.PhoneNumber != "13812341234" {
		t.Fatalf("getuserphonenumber: %+v", r.raw)
	}
}

func TestControlCalls(t *testing.T) {
	h := newHarness(t)
	h.token(testApp, testSecret)
	h.token(testApp, testSecret)
	h.legacyToken(testApp, "wrong")

	var all struct {
		Calls map[string]int `json:"calls"`
	}
	h.controlOK(http.MethodGet, "/sim/v1/calls", "", &all)
	want := map[string]int{
		wxsim.OpJSCode2Session: 0, wxsim.OpStableToken: 2, wxsim.OpToken: 1, wxsim.OpGetUserPhoneNumber: 0,
		wxsim.OpSubscribeSend: 0, wxsim.OpUploadShippingInfo: 0, wxsim.OpGetShippingOrder: 0,
		wxsim.OpNotifyConfirmReceive: 0, wxsim.OpSpecialOrder: 0,
	}
	if len(all.Calls) != len(want) {
		t.Fatalf("calls = %v, want %v", all.Calls, want)
	}
	for op, n := range want {
		if all.Calls[op] != n || h.sim.Calls(op) != n {
			t.Errorf("%s: control %d, Go %d, want %d", op, all.Calls[op], h.sim.Calls(op), n)
		}
	}

	var one struct {
		Calls map[string]int `json:"calls"`
	}
	h.controlOK(http.MethodGet, "/sim/v1/calls?operation=stable_token", "", &one)
	if len(one.Calls) != 1 || one.Calls[wxsim.OpStableToken] != 2 {
		t.Fatalf("calls?operation=stable_token = %v", one.Calls)
	}
	if h.sim.Calls("nosuchop") != 0 {
		t.Error("Calls of an unknown operation is not 0")
	}
}

func TestControlValidation(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		errorHas                 string
	}{
		{"login-codes: unknown app", "POST", "/sim/v1/login-codes", `{"appid":"wxnosuchapp"}`, 400, "unknown appid"},
		{"login-codes: appid needed with two apps", "POST", "/sim/v1/login-codes", `{}`, 400, "appid is required"},
		{"login-codes: misspelt field", "POST", "/sim/v1/login-codes", `{"appid":"wxtestapp000001","open_id":"o1"}`, 400, "open_id"},
		{"login-codes: not JSON", "POST", "/sim/v1/login-codes", `appid=wxtestapp000001`, 400, "decode"},
		{"login-codes: trailing data", "POST", "/sim/v1/login-codes", `{"appid":"wxtestapp000001"} {}`, 400, "after the JSON"},
		{"login-codes: bad openid", "POST", "/sim/v1/login-codes", `{"appid":"wxtestapp000001","openid":"o 1"}`, 400, "openid"},
		{"login-codes: GET", "GET", "/sim/v1/login-codes", ``, 405, "use POST"},
		{"login-code: unknown app", "GET", "/sim/v1/login-code?openid=demo&appid=wxnosuchapp", ``, 400, "unknown appid"},
		{"login-code: POST", "POST", "/sim/v1/login-code", ``, 405, "use GET"},
		{"phone-codes: short phone", "POST", "/sim/v1/phone-codes", `{"appid":"wxtestapp000001","phone":"1381234"}`, 400, "11 digits"},
		{"phone-codes: landline", "POST", "/sim/v1/phone-codes", `{"appid":"wxtestapp000001","phone":"02112345678"}`, 400, "11 digits"},
		{"phone-codes: no phone", "POST", "/sim/v1/phone-codes", `{"appid":"wxtestapp000001"}`, 400, "11 digits"},
		{"phone-codes: unknown app", "POST", "/sim/v1/phone-codes", `{"appid":"wxnosuchapp","phone":"13812341234"}`, 400, "unknown appid"},
		{"faults: unknown operation", "POST", "/sim/v1/faults", `{"operation":"refund","errcode":-1}`, 400, "unknown operation"},
		{"faults: nothing to inject", "POST", "/sim/v1/faults", `{"operation":"token"}`, 400, "neither"},
		{"faults: negative count", "POST", "/sim/v1/faults", `{"operation":"token","errcode":-1,"count":-2}`, 400, "count"},
		{"faults: negative latency", "POST", "/sim/v1/faults", `{"operation":"token","latency_ms":-1}`, 400, "latency"},
		{"faults: latency too long", "POST", "/sim/v1/faults", `{"operation":"token","latency_ms":600000}`, 400, "latency"},
		{"faults: errcode as string", "POST", "/sim/v1/faults", `{"operation":"token","errcode":"45011"}`, 400, "decode"},
		{"faults: GET", "GET", "/sim/v1/faults", ``, 405, "DELETE or POST"},
		{"calls: unknown operation", "GET", "/sim/v1/calls?operation=refund", ``, 400, "unknown operation"},
		{"expire: GET", "GET", "/sim/v1/access-tokens/expire", ``, 405, "use POST"},
		{"unknown control path", "GET", "/sim/v1/users", ``, 404, "/sim/v1/users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			status, header, body := h.control(tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", status, tt.status, body)
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var got struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &got); err != nil || !strings.Contains(got.Error, tt.errorHas) {
				t.Fatalf("body %s (decode error %v), want an error mentioning %q", body, err, tt.errorHas)
			}
			if status == http.StatusMethodNotAllowed && header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}
