package wxsim_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestGetUserPhoneNumberSuccess(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	r := h.phoneNumber(token, h.phoneCode(testApp, "13812341234"))

	if r.Errcode != 0 || r.Errmsg != "ok" || !h.has(r, "errcode") {
		t.Fatalf("want errcode 0 and errmsg ok, got %+v", r.raw)
	}
	info := r.PhoneInfo
	if info == nil {
		t.Fatalf("no phone_info: %+v", r.raw)
	}
	if info.PhoneNumber != "13812341234" || info.PurePhoneNumber != "13812341234" || info.CountryCode != "86" {
		t.Errorf("phone_info = %+v", *info)
	}
	if info.Watermark.AppID != testApp || info.Watermark.Timestamp != h.clock.Now().Unix() {
		t.Errorf("watermark = %+v, want appid %s at %d", info.Watermark, testApp, h.clock.Now().Unix())
	}
}

func TestGetUserPhoneNumberErrors(t *testing.T) {
	tests := []struct {
		name string
		// call makes the request; token is a valid token of testApp, code a fresh phone code
		// of testApp.
		call    func(h *harness, token, code string) wxReply
		errcode int
		errmsg  string
	}{
		{
			name:    "missing access_token",
			call:    func(h *harness, _, code string) wxReply { return h.phoneNumber("", code) },
			errcode: 40001, errmsg: msgInvalidToken,
		},
		{
			name:    "unknown access_token",
			call:    func(h *harness, _, code string) wxReply { return h.phoneNumber("not-a-token", code) },
			errcode: 40001, errmsg: msgInvalidToken,
		},
		{
			name: "expired access_token",
			call: func(h *harness, token, _ string) wxReply {
				h.clock.Advance(7200 * time.Second)
				return h.phoneNumber(token, h.phoneCode(testApp, "13812341234"))
			},
			errcode: 40001, errmsg: msgInvalidToken,
		},
		{
			name: "access token expired by the control API",
			call: func(h *harness, token, code string) wxReply {
				h.sim.ExpireAccessTokens()
				return h.phoneNumber(token, code)
			},
			errcode: 40001, errmsg: msgInvalidToken,
		},
		{
			name:    "empty code",
			call:    func(h *harness, token, _ string) wxReply { return h.phoneNumber(token, "") },
			errcode: 40029, errmsg: msgCode,
		},
		{
			name:    "unknown code",
			call:    func(h *harness, token, _ string) wxReply { return h.phoneNumber(token, "deadbeef") },
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "used code",
			call: func(h *harness, token, code string) wxReply {
				if r := h.phoneNumber(token, code); r.Errcode != 0 {
					h.t.Fatalf("first use: %+v", r.raw)
				}
				return h.phoneNumber(token, code)
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "expired code",
			call: func(h *harness, token, code string) wxReply {
				h.clock.Advance(5 * time.Minute)
				return h.phoneNumber(token, code)
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "code of another app",
			call: func(h *harness, token, _ string) wxReply {
				return h.phoneNumber(token, h.phoneCode(otherApp, "13812341234"))
			},
			errcode: 40029, errmsg: msgCode,
		},
		{
			name: "body not JSON",
			call: func(h *harness, token, _ string) wxReply {
				return h.do(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}}, "code=1")
			},
			errcode: 47001, errmsg: msgDataFormat,
		},
		{
			name: "GET",
			call: func(h *harness, token, _ string) wxReply {
				return h.do(http.MethodGet, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}}, "")
			},
			errcode: 43002, errmsg: msgRequirePOST,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := tt.call(h, h.token(testApp, testSecret), h.phoneCode(testApp, "13812341234"))
			wantWXError(t, r, tt.errcode, tt.errmsg)
			if h.has(r, "phone_info") {
				t.Errorf("error reply carries phone_info: %+v", r.raw)
			}
		})
	}
}

func TestPhoneCodeLivesFiveMinutes(t *testing.T) {
	h := newHarness(t)
	code := h.phoneCode(testApp, "13900000000")
	h.clock.Advance(5*time.Minute - time.Second)
	if r := h.phoneNumber(h.token(testApp, testSecret), code); r.Errcode != 0 || r.PhoneInfo.PurePhoneNumber != "13900000000" {
		t.Fatalf("code 1s before expiry: %+v", r.raw)
	}
}

func TestIssuePhoneCodeValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		appid, phone string
		want         error
	}{
		{testApp, "13812341234", nil},
		{testApp, "19999999999", nil},
		{testApp, "1381234123", wxsim.ErrInvalidPhone},
		{testApp, "138123412345", wxsim.ErrInvalidPhone},
		{testApp, "23812341234", wxsim.ErrInvalidPhone},
		{testApp, "1381234123a", wxsim.ErrInvalidPhone},
		{testApp, "+8613812341", wxsim.ErrInvalidPhone},
		{testApp, "", wxsim.ErrInvalidPhone},
		{"wxnosuchapp", "13812341234", wxsim.ErrUnknownApp},
		{"", "13812341234", wxsim.ErrAppRequired},
	}
	for _, tt := range tests {
		t.Run(tt.appid+"/"+tt.phone, func(t *testing.T) {
			code, err := h.sim.IssuePhoneCode(tt.appid, tt.phone)
			if !errors.Is(err, tt.want) || (err == nil) != (code != "") {
				t.Fatalf("IssuePhoneCode = %q, %v; want error %v", code, err, tt.want)
			}
		})
	}
}
