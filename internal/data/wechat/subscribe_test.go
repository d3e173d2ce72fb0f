package wechat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	arrivedTemplate = "tplGoodsArrived0001"
	shopper         = "oShopperOpenID0001"
)

// arrived is the "goods arrived at the pickup point" message the service sends.
func arrived(openid string) wechat.SubscribeMessage {
	return wechat.SubscribeMessage{
		ToUser:     openid,
		TemplateID: arrivedTemplate,
		Page:       "pages/order/detail?id=42",
		State:      "trial",
		Lang:       "zh_CN",
		Data: map[string]string{
			"thing1":            "有机蔬菜礼盒等3件商品",
			"thing2":            "幸福里小区东门自提点",
			"character_string3": "GB20260101000042",
			"time4":             "2026年1月1日 18:00",
		},
	}
}

// subscribeCalls snapshots the simulator's counters of the two APIs behind SendSubscribeMessage.
func (e *env) subscribeCalls() (stable, send int) {
	return e.sim.Calls(wxsim.OpStableToken), e.sim.Calls(wxsim.OpSubscribeSend)
}

// cachedToken is the access token the client cached in Redis.
func (e *env) cachedToken() string {
	e.t.Helper()
	keys, err := e.rdb.Keys(e.t.Context(), e.prefix+"*access_token:"+appID).Result()
	if err != nil || len(keys) != 1 {
		e.t.Fatalf("cached token keys = %v, %v", keys, err)
	}
	token, err := e.rdb.Get(e.t.Context(), keys[0]).Result()
	if err != nil {
		e.t.Fatalf("cached token: %v", err)
	}
	return token
}

func TestSendSubscribeMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)

	msg := arrived(shopper)
	if err := mp.SendSubscribeMessage(ctx, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := e.sim.SubscribeMessages(shopper)
	if len(got) != 1 {
		t.Fatalf("simulator holds %d messages for %s, want 1: %+v", len(got), shopper, got)
	}
	m := got[0]
	if m.AppID != appID || m.ToUser != shopper || m.TemplateID != arrivedTemplate || m.Page != msg.Page ||
		m.MiniprogramState != "trial" || m.Lang != "zh_CN" || m.MsgID == 0 {
		t.Errorf("message = %+v", m)
	}
	if len(m.Data) != len(msg.Data) {
		t.Errorf("data = %v, want %v", m.Data, msg.Data)
	}
	for k, v := range msg.Data {
		if m.Data[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, m.Data[k], v)
		}
	}
	if stable, send := e.subscribeCalls(); stable != 1 || send != 1 {
		t.Errorf("stable_token calls = %d, send calls = %d; want 1 and 1", stable, send)
	}

	// The optional fields may be left out; WeChat then uses its defaults.
	minimal := wechat.SubscribeMessage{ToUser: "oOtherShopper", TemplateID: arrivedTemplate, Data: map[string]string{"thing1": "到货啦"}}
	if err := mp.SendSubscribeMessage(ctx, minimal); err != nil {
		t.Fatalf("send without the optional fields: %v", err)
	}
	if got := e.sim.SubscribeMessages("oOtherShopper"); len(got) != 1 || got[0].Page != "" || got[0].MiniprogramState != "" ||
		got[0].Lang != "" || got[0].Data["thing1"] != "到货啦" {
		t.Errorf("minimal message = %+v", got)
	}
	if n := len(e.sim.SubscribeMessages(shopper)); n != 1 {
		t.Errorf("messages of %s = %d, want still 1", shopper, n)
	}
}

// A message the client cannot send is refused before WeChat is called.
func TestSendSubscribeMessageValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mp := e.client(appSecret)
	for _, tc := range []struct {
		field string
		edit  func(*wechat.SubscribeMessage)
	}{
		{"to_user", func(m *wechat.SubscribeMessage) { m.ToUser = "" }},
		{"template_id", func(m *wechat.SubscribeMessage) { m.TemplateID = "" }},
		{"data", func(m *wechat.SubscribeMessage) { m.Data = nil }},
		{"data", func(m *wechat.SubscribeMessage) { m.Data = map[string]string{} }},
	} {
		msg := arrived(shopper)
		tc.edit(&msg)
		err := mp.SendSubscribeMessage(t.Context(), msg)
		var inv *bizerr.InvalidError
		if !errors.As(err, &inv) || inv.Field != tc.field {
			t.Errorf("without %s: %v, want an InvalidError of %s", tc.field, err, tc.field)
		}
	}
	if stable, send := e.subscribeCalls(); stable != 0 || send != 0 {
		t.Errorf("stable_token calls = %d, send calls = %d; want none", stable, send)
	}
}

func TestSendSubscribeMessageRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	if err := e.sim.RefuseSubscribeMessages("", shopper); err != nil {
		t.Fatalf("refuse: %v", err)
	}
	err := mp.SendSubscribeMessage(ctx, arrived(shopper))
	checkErr(t, err, wechat.ErrNotSubscribed, e.cachedToken())
	if !errors.Is(err, wechat.ErrNotSubscribed) || errors.Is(err, wechat.ErrBadTemplate) || errors.Is(err, wechat.ErrInvalidOpenID) {
		t.Errorf("refused: %v, want ErrNotSubscribed alone", err)
	}
	if !strings.Contains(err.Error(), "43101") {
		t.Errorf("error %q does not carry WeChat's code 43101", err)
	}
	if _, send := e.subscribeCalls(); send != 1 {
		t.Errorf("send calls = %d, want 1 (a refusal is not retried)", send)
	}
	if got := e.sim.SubscribeMessages(shopper); len(got) != 0 {
		t.Errorf("refused message was kept: %+v", got)
	}
	// Another user is not affected, and the same user is reached again once they accept.
	if err := mp.SendSubscribeMessage(ctx, arrived("oAnotherShopper")); err != nil {
		t.Errorf("send to another user: %v", err)
	}
	if err := e.sim.AllowSubscribeMessages("", shopper); err != nil {
		t.Fatalf("allow: %v", err)
	}
	if err := mp.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
		t.Errorf("send after the user accepted again: %v", err)
	}
}

func TestSendSubscribeMessageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	if err := e.sim.AddSubscribeTemplate("", arrivedTemplate, "thing1", "thing2", "character_string3", "time4"); err != nil {
		t.Fatalf("add template: %v", err)
	}
	if err := mp.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
		t.Fatalf("send with the template: %v", err)
	}
	token := e.cachedToken()

	for _, tc := range []struct {
		name string
		edit func(*wechat.SubscribeMessage)
		want error
		code string
	}{
		{"40037 unknown template", func(m *wechat.SubscribeMessage) { m.TemplateID = "tplNeverAdded" }, wechat.ErrBadTemplate, "40037"},
		{"47003 keyword missing", func(m *wechat.SubscribeMessage) { delete(m.Data, "time4") }, wechat.ErrBadTemplate, "47003"},
		{"47003 thing over 20 characters", func(m *wechat.SubscribeMessage) {
			m.Data["thing1"] = strings.Repeat("菜", 21)
		}, wechat.ErrBadTemplate, "47003"},
		{"47003 unknown state", func(m *wechat.SubscribeMessage) { m.State = "beta" }, wechat.ErrBadTemplate, "47003"},
		{"40003 invalid openid", func(m *wechat.SubscribeMessage) { m.ToUser = "not an openid" }, wechat.ErrInvalidOpenID, "40003"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := arrived(shopper)
			tc.edit(&msg)
			_, before := e.subscribeCalls()
			err := mp.SendSubscribeMessage(ctx, msg)
			checkErr(t, err, tc.want, token)
			for _, kind := range []error{wechat.ErrNotSubscribed, wechat.ErrInvalidOpenID, wechat.ErrBadTemplate} {
				if got := errors.Is(err, kind); got != errors.Is(tc.want, kind) {
					t.Errorf("errors.Is(%q, %q) = %v", err, kind, got)
				}
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("error %q does not carry WeChat's code %s", err, tc.code)
			}
			if _, after := e.subscribeCalls(); after-before != 1 {
				t.Errorf("send calls = %d, want 1", after-before)
			}
		})
	}

	// The codes every API shares go through the package's common mapping; 40029 means nothing
	// here (the call carries no code) and stays unmapped.
	for _, tc := range []struct {
		name    string
		errcode int
		want    error
	}{
		{"45011 rate limited", wxsim.ErrcodeMinuteQuota, bizerr.ErrRateLimited},
		{"-1 system busy", wxsim.ErrcodeSystemError, bizerr.ErrUnavailable},
		{"40029 stays unmapped", wxsim.ErrcodeInvalidCode, nil},
		{"other code stays unmapped", 45009, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.sim.FailNext(wxsim.OpSubscribeSend, tc.errcode, "", 1)
			err := mp.SendSubscribeMessage(ctx, arrived(shopper))
			checkErr(t, err, tc.want, token)
			for _, kind := range []error{wechat.ErrNotSubscribed, wechat.ErrInvalidOpenID, wechat.ErrBadTemplate} {
				if errors.Is(err, kind) {
					t.Errorf("errors.Is(%q, %q) = true", err, kind)
				}
			}
		})
	}
}

// An access token WeChat no longer accepts is renewed, and the message sent once more: once.
func TestSendSubscribeMessageRenewsToken(t *testing.T) {
	t.Parallel()

	t.Run("expired by WeChat", func(t *testing.T) {
		e := newEnv(t)
		ctx := t.Context()
		a, b := e.client(appSecret), e.client(appSecret)
		if err := a.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
			t.Fatalf("warm up: %v", err)
		}
		old := e.cachedToken()
		e.sim.ExpireAccessTokens()
		stable0, send0 := e.subscribeCalls()
		if err := a.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
		stable1, send1 := e.subscribeCalls()
		if send1-send0 != 2 || stable1-stable0 != 1 {
			t.Errorf("after expiry: %d send calls, %d stable_token calls; want 2 (one retry) and 1",
				send1-send0, stable1-stable0)
		}
		if got := e.sim.SubscribeMessages(shopper); len(got) != 2 {
			t.Errorf("simulator holds %d messages, want 2 (the rejected attempt delivered nothing)", len(got))
		}
		if renewed := e.cachedToken(); renewed == old {
			t.Error("the rejected token is still cached")
		}
		// The renewed token is cached for every replica.
		if err := b.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
			t.Fatalf("other replica after renewal: %v", err)
		}
		if stable2, send2 := e.subscribeCalls(); send2-send1 != 1 || stable2 != stable1 {
			t.Errorf("other replica after renewal: %d send calls, %d stable_token calls; want 1 and 0",
				send2-send1, stable2-stable1)
		}
	})

	t.Run("42001 while stable_token still hands it out", func(t *testing.T) {
		e := newEnv(t)
		ctx := t.Context()
		mp := e.client(appSecret)
		if err := mp.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
			t.Fatalf("warm up: %v", err)
		}
		stable0, send0 := e.subscribeCalls()
		e.sim.FailNext(wxsim.OpSubscribeSend, 42001, "access_token expired", 1)
		if err := mp.SendSubscribeMessage(ctx, arrived(shopper)); err != nil {
			t.Fatalf("after a rejected token: %v", err)
		}
		stable1, send1 := e.subscribeCalls()
		if send1-send0 != 2 || stable1-stable0 != 2 {
			t.Errorf("%d send calls, %d stable_token calls; want 2 and 2 (plain, then forced)",
				send1-send0, stable1-stable0)
		}
	})

	t.Run("rejected twice gives up", func(t *testing.T) {
		e := newEnv(t)
		mp := e.client(appSecret)
		e.sim.FailNext(wxsim.OpSubscribeSend, wxsim.ErrcodeInvalidToken, "", 2)
		err := mp.SendSubscribeMessage(t.Context(), arrived(shopper))
		checkErr(t, err, nil, e.cachedToken())
		if _, send := e.subscribeCalls(); send != 2 {
			t.Errorf("send calls = %d, want 2 (one retry, no loop)", send)
		}
		if got := e.sim.SubscribeMessages(shopper); len(got) != 0 {
			t.Errorf("simulator holds %+v, want nothing", got)
		}
	})
}

// As TestTransportErrorsHideURL: a transport failure must not bring the access token back in
// through *url.Error.
func TestSendSubscribeMessageTransportErrorHidesToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mp := e.client(appSecret)
	if err := mp.SendSubscribeMessage(t.Context(), arrived(shopper)); err != nil {
		t.Fatalf("warm up the token cache: %v", err)
	}
	token := e.cachedToken()
	if err := e.stop(t.Context()); err != nil {
		t.Fatalf("stop simulator: %v", err)
	}
	err := mp.SendSubscribeMessage(t.Context(), arrived(shopper))
	checkErr(t, err, bizerr.ErrUnavailable, token)
}
