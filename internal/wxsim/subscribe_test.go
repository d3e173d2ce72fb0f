package wxsim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	msgInvalidOpenID   = "invalid openid"
	msgInvalidTemplate = "invalid template_id"
	msgUserRefused     = "user refuse to accept the msg"
)

// subscribeBody is a subscribeMessage.send body in WeChat's shape, data as {"k":{"value":v}}.
func subscribeBody(touser, templateID string, data map[string]string) map[string]any {
	wire := make(map[string]map[string]string, len(data))
	for k, v := range data {
		wire[k] = map[string]string{"value": v}
	}
	return map[string]any{"touser": touser, "template_id": templateID, "data": wire}
}

func (h *harness) subscribeSend(token string, body map[string]any) wxReply {
	h.t.Helper()
	return h.do(http.MethodPost, "/cgi-bin/message/subscribe/send", url.Values{"access_token": {token}}, mustJSON(h.t, body))
}

func TestSubscribeSendSuccess(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	body := subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "蔬菜礼盒", "time2": "2026年1月1日 18:00"})
	body["page"] = "pages/order/detail?id=1"
	body["miniprogram_state"] = "developer"
	body["lang"] = "en_US"

	first := h.subscribeSend(token, body)
	if first.Errcode != 0 || first.Errmsg != "ok" || !h.has(first, "errcode") || first.MsgID == 0 {
		t.Fatalf("want errcode 0, errmsg ok and a msgid, got %+v", first.raw)
	}
	second := h.subscribeSend(token, subscribeBody("oBob", "tplArrived", map[string]string{"thing1": "水果"}))
	if second.Errcode != 0 || second.MsgID == first.MsgID {
		t.Fatalf("second send: %+v, want a msgid other than %d", second.raw, first.MsgID)
	}

	got := h.sim.SubscribeMessages("oAlice")
	want := wxsim.SentSubscribeMessage{
		MsgID: first.MsgID, AppID: testApp, ToUser: "oAlice", TemplateID: "tplArrived",
		Page: "pages/order/detail?id=1", MiniprogramState: "developer", Lang: "en_US",
		Data:   map[string]string{"thing1": "蔬菜礼盒", "time2": "2026年1月1日 18:00"},
		SentAt: h.clock.Now(),
	}
	if len(got) != 1 || !sameMessage(got[0], want) {
		t.Fatalf("SubscribeMessages(oAlice) = %+v, want [%+v]", got, want)
	}
	// What the caller gets is a copy.
	got[0].Data["thing1"] = "changed"
	if h.sim.SubscribeMessages("oAlice")[0].Data["thing1"] != "蔬菜礼盒" {
		t.Error("SubscribeMessages hands out the simulator's own map")
	}
	if all := h.sim.SubscribeMessages(""); len(all) != 2 || all[0].ToUser != "oAlice" || all[1].ToUser != "oBob" {
		t.Errorf("SubscribeMessages(\"\") = %+v, want Alice's then Bob's", all)
	}
	if n := h.sim.Calls(wxsim.OpSubscribeSend); n != 2 {
		t.Errorf("Calls = %d, want 2", n)
	}
}

func sameMessage(a, b wxsim.SentSubscribeMessage) bool {
	if len(a.Data) != len(b.Data) {
		return false
	}
	for k, v := range a.Data {
		if b.Data[k] != v {
			return false
		}
	}
	a.Data, b.Data = nil, nil
	return a.SentAt.Equal(b.SentAt) && a.MsgID == b.MsgID && a.AppID == b.AppID && a.ToUser == b.ToUser &&
		a.TemplateID == b.TemplateID && a.Page == b.Page && a.MiniprogramState == b.MiniprogramState && a.Lang == b.Lang
}

func TestSubscribeSendErrors(t *testing.T) {
	ok := func() map[string]any {
		return subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "蔬菜礼盒", "time2": "18:00"})
	}
	with := func(edit func(b map[string]any)) func(h *harness, token string) wxReply {
		return func(h *harness, token string) wxReply {
			b := ok()
			edit(b)
			return h.subscribeSend(token, b)
		}
	}
	data := func(kv ...string) func(b map[string]any) {
		return func(b map[string]any) {
			m := map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			b["data"] = subscribeBody("", "", m)["data"]
		}
	}
	tests := []struct {
		name string
		// setup runs before the call, e.g. to add templates.
		setup   func(h *harness)
		call    func(h *harness, token string) wxReply
		errcode int
		errmsg  string
	}{
		{name: "missing access_token", call: func(h *harness, _ string) wxReply { return h.subscribeSend("", ok()) }, errcode: 40001, errmsg: msgInvalidToken},
		{name: "expired access_token", call: func(h *harness, token string) wxReply {
			h.clock.Advance(7200 * time.Second)
			return h.subscribeSend(token, ok())
		}, errcode: 40001, errmsg: msgInvalidToken},
		{name: "access token expired by the control API", call: func(h *harness, token string) wxReply {
			h.sim.ExpireAccessTokens()
			return h.subscribeSend(token, ok())
		}, errcode: 40001, errmsg: msgInvalidToken},
		{name: "body not JSON", call: func(h *harness, token string) wxReply {
			return h.do(http.MethodPost, "/cgi-bin/message/subscribe/send", url.Values{"access_token": {token}}, "touser=o1")
		}, errcode: 47001, errmsg: msgDataFormat},
		{name: "GET", call: func(h *harness, token string) wxReply {
			return h.do(http.MethodGet, "/cgi-bin/message/subscribe/send", url.Values{"access_token": {token}}, "")
		}, errcode: 43002, errmsg: msgRequirePOST},
		{name: "no touser", call: with(func(b map[string]any) { delete(b, "touser") }), errcode: 40003, errmsg: msgInvalidOpenID},
		{name: "touser not an openid", call: with(func(b map[string]any) { b["touser"] = "o 1" }), errcode: 40003, errmsg: msgInvalidOpenID},
		{name: "no template_id", call: with(func(b map[string]any) { delete(b, "template_id") }), errcode: 40037, errmsg: msgInvalidTemplate},
		{
			name:  "template the app has not added",
			setup: func(h *harness) { mustAddTemplate(h, testApp, "tplOther", "thing1") },
			call:  with(func(map[string]any) {}), errcode: 40037, errmsg: msgInvalidTemplate,
		},
		{
			name: "template of another app",
			setup: func(h *harness) {
				mustAddTemplate(h, testApp, "tplOther", "thing1")
				mustAddTemplate(h, otherApp, "tplArrived", "thing1")
			},
			call: with(func(map[string]any) {}), errcode: 40037, errmsg: msgInvalidTemplate,
		},
		{
			name:  "template keyword missing",
			setup: func(h *harness) { mustAddTemplate(h, testApp, "tplArrived", "thing1", "time2", "amount3") },
			call:  with(func(map[string]any) {}), errcode: 47003, errmsg: "argument invalid! data.amount3.value is empty",
		},
		{name: "no data", call: with(func(b map[string]any) { delete(b, "data") }), errcode: 47003, errmsg: "argument invalid! data is empty"},
		{name: "value missing", call: with(func(b map[string]any) {
			b["data"] = map[string]any{"thing1": map[string]any{}}
		}), errcode: 47003, errmsg: "argument invalid! data.thing1.value is empty"},
		{name: "empty value", call: with(data("thing1", "")), errcode: 47003, errmsg: "argument invalid! data.thing1.value is empty"},
		{name: "not a keyword", call: with(data("Thing", "x")), errcode: 47003, errmsg: "argument invalid! data.Thing is not a keyword"},
		{name: "thing over 20", call: with(data("thing1", strings.Repeat("菜", 21))), errcode: 47003, errmsg: "argument invalid! data.thing1.value exceeds limit"},
		{name: "number with letters", call: with(data("number1", "12a")), errcode: 47003, errmsg: "argument invalid! data.number1.value invalid"},
		{name: "letter with digits", call: with(data("letter1", "ab1")), errcode: 47003, errmsg: "argument invalid! data.letter1.value invalid"},
		{name: "symbol over 5", call: with(data("symbol1", "!!!!!!")), errcode: 47003, errmsg: "argument invalid! data.symbol1.value exceeds limit"},
		{name: "character_string in Chinese", call: with(data("character_string1", "订单")), errcode: 47003, errmsg: "argument invalid! data.character_string1.value invalid"},
		{name: "character_string over 32", call: with(data("character_string1", strings.Repeat("A", 33))), errcode: 47003, errmsg: "argument invalid! data.character_string1.value exceeds limit"},
		{name: "phone_number with letters", call: with(data("phone_number1", "138-ABC")), errcode: 47003, errmsg: "argument invalid! data.phone_number1.value invalid"},
		{name: "phrase not Chinese", call: with(data("phrase1", "done")), errcode: 47003, errmsg: "argument invalid! data.phrase1.value invalid"},
		{name: "phrase over 5", call: with(data("phrase1", "已经送达自提点")), errcode: 47003, errmsg: "argument invalid! data.phrase1.value exceeds limit"},
		{name: "name over 10 Chinese", call: with(data("name1", "欧阳欧阳欧阳欧阳欧阳欧")), errcode: 47003, errmsg: "argument invalid! data.name1.value exceeds limit"},
		{name: "amount without digits", call: with(data("amount1", "¥")), errcode: 47003, errmsg: "argument invalid! data.amount1.value invalid"},
		{name: "unknown miniprogram_state", call: with(func(b map[string]any) { b["miniprogram_state"] = "beta" }), errcode: 47003, errmsg: "argument invalid! miniprogram_state invalid"},
		{name: "unknown lang", call: with(func(b map[string]any) { b["lang"] = "fr_FR" }), errcode: 47003, errmsg: "argument invalid! lang invalid"},
		{
			name:  "user refused",
			setup: func(h *harness) { mustRefuse(h, testApp, "oAlice") },
			call:  with(func(map[string]any) {}), errcode: 43101, errmsg: msgUserRefused,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			token := h.token(testApp, testSecret)
			if tt.setup != nil {
				tt.setup(h)
			}
			r := tt.call(h, token)
			wantWXError(t, r, tt.errcode, tt.errmsg)
			if h.has(r, "msgid") {
				t.Errorf("error reply carries a msgid: %+v", r.raw)
			}
			if got := h.sim.SubscribeMessages(""); len(got) != 0 {
				t.Errorf("a refused send was kept: %+v", got)
			}
		})
	}
}

// Values WeChat accepts for each keyword type pass, so the simulator does not fail the service
// where WeChat would not.
func TestSubscribeSendValidValues(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	for key, value := range map[string]string{
		"thing1":            strings.Repeat("菜", 20),
		"number2":           "3.50",
		"letter3":           "ABCxyz",
		"symbol4":           "+-*/%",
		"character_string5": "GB2026-0101/42",
		"time6":             "2019年10月1日 15:01",
		"date7":             "2019年10月1日~2019年10月2日",
		"amount8":           "¥12.50",
		"amount9":           "12.50元",
		"phone_number10":    "+86-0766-66888866",
		"car_number11":      "粤A8Z888挂",
		"name12":            "欧阳锋",
		"name13":            "Ouyang Feng",
		"phrase14":          "配送中",
		"short_thing15":     "a type the simulator does not know",
	} {
		r := h.subscribeSend(token, subscribeBody("oAlice", "tplAny", map[string]string{key: value}))
		if r.Errcode != 0 {
			t.Errorf("%s = %q: %d %s", key, value, r.Errcode, r.Errmsg)
		}
	}
}

// A template, once added, is what sends must fit: its keywords, and extra ones are ignored as
// WeChat ignores them.
func TestSubscribeTemplates(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	mustAddTemplate(h, testApp, "tplArrived", "thing1", "time2")
	r := h.subscribeSend(token, subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "菜", "time2": "18:00", "thing9": "extra"}))
	if r.Errcode != 0 {
		t.Fatalf("send fitting the template: %+v", r.raw)
	}
	// The other app has no template, so it accepts any.
	if r := h.subscribeSend(h.token(otherApp, otherSecret), subscribeBody("oAlice", "tplWhatever", map[string]string{"thing1": "菜"})); r.Errcode != 0 {
		t.Fatalf("other app without templates: %+v", r.raw)
	}
	if err := h.sim.AddSubscribeTemplate(testApp, "tplArrived", "thing1", "time2", "amount3"); err != nil {
		t.Fatalf("replace template: %v", err)
	}
	wantWXError(t, h.subscribeSend(token, subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "菜", "time2": "18:00"})),
		47003, "argument invalid! data.amount3.value is empty")

	for _, tt := range []struct {
		appid, id string
		keys      []string
		want      error
	}{
		{testApp, "", []string{"thing1"}, wxsim.ErrInvalidSubscribeTemplate},
		{testApp, "tpl 1", []string{"thing1"}, wxsim.ErrInvalidSubscribeTemplate},
		{testApp, "tpl1", nil, wxsim.ErrInvalidSubscribeTemplate},
		{testApp, "tpl1", []string{"thing"}, wxsim.ErrInvalidSubscribeTemplate},
		{testApp, "tpl1", []string{"Thing1"}, wxsim.ErrInvalidSubscribeTemplate},
		{"wxnosuchapp", "tpl1", []string{"thing1"}, wxsim.ErrUnknownApp},
		{"", "tpl1", []string{"thing1"}, wxsim.ErrAppRequired},
	} {
		if err := h.sim.AddSubscribeTemplate(tt.appid, tt.id, tt.keys...); !errors.Is(err, tt.want) {
			t.Errorf("AddSubscribeTemplate(%q, %q, %q) = %v, want %v", tt.appid, tt.id, tt.keys, err, tt.want)
		}
	}
}

// A refusal is one user's of one app, and lasts until they accept again.
func TestSubscribeRefusals(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	send := func(token, openid string) wxReply {
		return h.subscribeSend(token, subscribeBody(openid, "tplArrived", map[string]string{"thing1": "菜"}))
	}
	mustRefuse(h, testApp, "oAlice")
	wantWXError(t, send(token, "oAlice"), 43101, msgUserRefused)
	if r := send(token, "oBob"); r.Errcode != 0 {
		t.Errorf("another user: %+v", r.raw)
	}
	if r := send(h.token(otherApp, otherSecret), "oAlice"); r.Errcode != 0 {
		t.Errorf("the same openid of another app: %+v", r.raw)
	}
	if err := h.sim.AllowSubscribeMessages(testApp, "oAlice"); err != nil {
		t.Fatalf("allow: %v", err)
	}
	if r := send(token, "oAlice"); r.Errcode != 0 {
		t.Errorf("after allowing: %+v", r.raw)
	}
	if err := h.sim.RefuseSubscribeMessages(testApp, "o 1"); !errors.Is(err, wxsim.ErrInvalidOpenID) {
		t.Errorf("refuse a bad openid: %v", err)
	}
	if err := h.sim.RefuseSubscribeMessages("", "oAlice"); !errors.Is(err, wxsim.ErrAppRequired) {
		t.Errorf("refuse without appid on two apps: %v", err)
	}
}

// Only the last 1000 messages are kept.
func TestSubscribeMessagesBounded(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	var last wxReply
	for range 1005 {
		last = h.subscribeSend(token, subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "菜"}))
	}
	got := h.sim.SubscribeMessages("oAlice")
	if len(got) != 1000 || got[len(got)-1].MsgID != last.MsgID || got[0].MsgID != last.MsgID-999 {
		t.Fatalf("kept %d messages, msgids %d..%d; want the last 1000 up to %d", len(got), got[0].MsgID, got[len(got)-1].MsgID, last.MsgID)
	}
}

func TestControlSubscribe(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	h.controlOK(http.MethodPost, "/sim/v1/subscribe-templates", `{"appid":"wxtestapp000001","template_id":"tplArrived","keys":["thing1"]}`, nil)
	wantWXError(t, h.subscribeSend(token, subscribeBody("oAlice", "tplOther", map[string]string{"thing1": "菜"})), 40037, msgInvalidTemplate)

	h.controlOK(http.MethodPost, "/sim/v1/subscribe-refusals", `{"appid":"wxtestapp000001","touser":"oAlice"}`, nil)
	wantWXError(t, h.subscribeSend(token, subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "菜"})), 43101, msgUserRefused)
	h.controlOK(http.MethodDelete, "/sim/v1/subscribe-refusals", `{"appid":"wxtestapp000001","touser":"oAlice"}`, nil)
	sent := h.subscribeSend(token, subscribeBody("oAlice", "tplArrived", map[string]string{"thing1": "菜"}))
	if sent.Errcode != 0 {
		t.Fatalf("after the refusal was lifted: %+v", sent.raw)
	}
	if r := h.subscribeSend(token, subscribeBody("oBob", "tplArrived", map[string]string{"thing1": "果"})); r.Errcode != 0 {
		t.Fatalf("to Bob: %+v", r.raw)
	}

	var alice struct {
		Messages []struct {
			MsgID      int64             `json:"msgid"`
			AppID      string            `json:"appid"`
			ToUser     string            `json:"touser"`
			TemplateID string            `json:"template_id"`
			Data       map[string]string `json:"data"`
			SentAt     time.Time         `json:"sent_at"`
		} `json:"messages"`
	}
	h.controlOK(http.MethodGet, "/sim/v1/subscribe-messages?touser=oAlice", "", &alice)
	if len(alice.Messages) != 1 {
		t.Fatalf("messages of oAlice = %+v, want 1", alice.Messages)
	}
	m := alice.Messages[0]
	if m.MsgID != sent.MsgID || m.AppID != testApp || m.ToUser != "oAlice" || m.TemplateID != "tplArrived" ||
		m.Data["thing1"] != "菜" || !m.SentAt.Equal(h.clock.Now()) {
		t.Errorf("message = %+v", m)
	}
	var all struct {
		Messages []json.RawMessage `json:"messages"`
	}
	h.controlOK(http.MethodGet, "/sim/v1/subscribe-messages", "", &all)
	if len(all.Messages) != 2 {
		t.Errorf("all messages = %d, want 2", len(all.Messages))
	}
	// No messages is an empty list, not null.
	status, _, body := h.control(http.MethodGet, "/sim/v1/subscribe-messages?touser=oNobody", "")
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"messages":[]}` {
		t.Errorf("no messages: HTTP %d %s", status, body)
	}

	var calls struct {
		Calls map[string]int `json:"calls"`
	}
	h.controlOK(http.MethodGet, "/sim/v1/calls?operation=subscribe_send", "", &calls)
	if calls.Calls[wxsim.OpSubscribeSend] != 4 {
		t.Errorf("calls = %v, want 4 subscribe_send", calls.Calls)
	}
}

func TestControlSubscribeValidation(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		errorHas                 string
	}{
		{"templates: unknown app", "POST", "/sim/v1/subscribe-templates", `{"appid":"wxnosuchapp","template_id":"t1","keys":["thing1"]}`, 400, "unknown appid"},
		{"templates: no keys", "POST", "/sim/v1/subscribe-templates", `{"appid":"wxtestapp000001","template_id":"t1"}`, 400, "template"},
		{"templates: misspelt field", "POST", "/sim/v1/subscribe-templates", `{"appid":"wxtestapp000001","templateid":"t1"}`, 400, "templateid"},
		{"templates: GET", "GET", "/sim/v1/subscribe-templates", ``, 405, "use POST"},
		{"refusals: bad openid", "POST", "/sim/v1/subscribe-refusals", `{"appid":"wxtestapp000001","touser":"o 1"}`, 400, "openid"},
		{"refusals: no touser", "DELETE", "/sim/v1/subscribe-refusals", `{"appid":"wxtestapp000001"}`, 400, "openid"},
		{"refusals: appid needed with two apps", "POST", "/sim/v1/subscribe-refusals", `{"touser":"oAlice"}`, 400, "appid is required"},
		{"refusals: misspelt field", "POST", "/sim/v1/subscribe-refusals", `{"appid":"wxtestapp000001","openid":"oAlice"}`, 400, "openid"},
		{"refusals: GET", "GET", "/sim/v1/subscribe-refusals", ``, 405, "DELETE or POST"},
		{"messages: POST", "POST", "/sim/v1/subscribe-messages", ``, 405, "use GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			status, _, body := h.control(tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", status, tt.status, body)
			}
			var got struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &got); err != nil || !strings.Contains(got.Error, tt.errorHas) {
				t.Fatalf("body %s (decode error %v), want an error mentioning %q", body, err, tt.errorHas)
			}
		})
	}
}

func mustAddTemplate(h *harness, appid, id string, keys ...string) {
	h.t.Helper()
	if err := h.sim.AddSubscribeTemplate(appid, id, keys...); err != nil {
		h.t.Fatalf("AddSubscribeTemplate: %v", err)
	}
}

func mustRefuse(h *harness, appid, openid string) {
	h.t.Helper()
	if err := h.sim.RefuseSubscribeMessages(appid, openid); err != nil {
		h.t.Fatalf("RefuseSubscribeMessages: %v", err)
	}
}
