package wxsim

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxSubscribeMessages bounds the messages the simulator remembers, so a long `make run` does
// not grow without bound; the oldest are dropped first.
const maxSubscribeMessages = 1000

// ErrInvalidSubscribeTemplate reports a template AddSubscribeTemplate cannot add.
var ErrInvalidSubscribeTemplate = errors.New("wxsim: a template needs an id of 1-64 of A-Z a-z 0-9 - _ and keywords like thing1")

// SentSubscribeMessage is one subscription message the simulator accepted, as the service sent
// it: Page, MiniprogramState and Lang are empty when the request left them out (WeChat then
// uses no page, "formal" and "zh_CN"). Data maps each keyword to its value.
type SentSubscribeMessage struct {
	MsgID            int64             `json:"msgid"`
	AppID            string            `json:"appid"`
	ToUser           string            `json:"touser"`
	TemplateID       string            `json:"template_id"`
	Page             string            `json:"page,omitempty"`
	MiniprogramState string            `json:"miniprogram_state,omitempty"`
	Lang             string            `json:"lang,omitempty"`
	Data             map[string]string `json:"data"`
	SentAt           time.Time         `json:"sent_at"`
}

// subscriber is one user of one app: openids are per app.
type subscriber struct{ appid, openid string }

// subscribeState holds what subscribeMessage.send works with: the templates each app added
// in the mini-program console, the users who refused, and the messages sent. Like the rest of
// the mini-program half it lives in memory only; PayConfig.DataDir does not keep it.
type subscribeState struct {
	mu sync.Mutex
	// templates maps appid → template id → its keywords. An app without templates accepts
	// any template id (so `make run` and tests that do not care need no setup); once it has
	// one, an unknown id is 40037 and a missing keyword 47003.
	templates map[string]map[string][]string
	refused   map[subscriber]bool
	sent      []SentSubscribeMessage
	seq       int64
}

func newSubscribeState() *subscribeState {
	return &subscribeState{templates: make(map[string]map[string][]string), refused: make(map[subscriber]bool)}
}

func (s *Simulator) subscribeRoutes() {
	s.handleWeChat("/cgi-bin/message/subscribe/send", OpSubscribeSend, http.MethodPost, s.subscribeSend)
	s.mux.Handle("/sim/v1/subscribe-templates", methods{http.MethodPost: s.postSubscribeTemplate})
	s.mux.Handle("/sim/v1/subscribe-refusals", methods{http.MethodPost: s.postSubscribeRefusal, http.MethodDelete: s.deleteSubscribeRefusal})
	s.mux.Handle("/sim/v1/subscribe-messages", methods{http.MethodGet: s.getSubscribeMessages})
}

// AddSubscribeTemplate plays adding a template to the mini-program in WeChat's console: sends
// with templateID must then carry every one of keys (WeChat's keywords, such as "thing1" or
// "time2"), and sends with a template id the app has not added fail with 40037. An app that
// has no template at all accepts any template id. Adding an id again replaces its keys. appid
// may be empty when the simulator serves exactly one app.
func (s *Simulator) AddSubscribeTemplate(appid, templateID string, keys ...string) error {
	appid, err := s.resolveApp(appid)
	if err != nil {
		return err
	}
	if !validID(templateID) || len(keys) == 0 {
		return fmt.Errorf("%w: %q %q", ErrInvalidSubscribeTemplate, templateID, keys)
	}
	for _, k := range keys {
		if !keywordRE.MatchString(k) {
			return fmt.Errorf("%w: keyword %q", ErrInvalidSubscribeTemplate, k)
		}
	}
	st := s.subscribe
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.templates[appid] == nil {
		st.templates[appid] = make(map[string][]string)
	}
	st.templates[appid][templateID] = slices.Clone(keys)
	return nil
}

// RefuseSubscribeMessages plays the user turning subscription messages off (or never accepting
// them): every send to openid then answers 43101 until AllowSubscribeMessages. appid may be
// empty when the simulator serves exactly one app.
func (s *Simulator) RefuseSubscribeMessages(appid, openid string) error {
	return s.setRefusal(appid, openid, true)
}

// AllowSubscribeMessages undoes RefuseSubscribeMessages.
func (s *Simulator) AllowSubscribeMessages(appid, openid string) error {
	return s.setRefusal(appid, openid, false)
}

func (s *Simulator) setRefusal(appid, openid string, refuse bool) error {
	appid, err := s.resolveApp(appid)
	if err != nil {
		return err
	}
	if !validID(openid) {
		return fmt.Errorf("%w: %q", ErrInvalidOpenID, openid)
	}
	st := s.subscribe
	st.mu.Lock()
	defer st.mu.Unlock()
	if refuse {
		st.refused[subscriber{appid, openid}] = true
	} else {
		delete(st.refused, subscriber{appid, openid})
	}
	return nil
}

// SubscribeMessages returns the subscription messages accepted for openid (every message when
// openid is empty), oldest first. Only the last 1000 messages are kept.
func (s *Simulator) SubscribeMessages(openid string) []SentSubscribeMessage {
	st := s.subscribe
	st.mu.Lock()
	defer st.mu.Unlock()
	out := []SentSubscribeMessage{}
	for _, m := range st.sent {
		if openid == "" || m.ToUser == openid {
			m.Data = maps.Clone(m.Data)
			out = append(out, m)
		}
	}
	return out
}

// subscribeValue is one keyword's value on the wire: {"value": "..."}.
type subscribeValue struct {
	Value *string `json:"value"`
}

type subscribeRequest struct {
	ToUser           string                    `json:"touser"`
	TemplateID       string                    `json:"template_id"`
	Page             string                    `json:"page"`
	MiniprogramState string                    `json:"miniprogram_state"`
	Lang             string                    `json:"lang"`
	Data             map[string]subscribeValue `json:"data"`
}

type subscribeResponse struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
	MsgID   int64  `json:"msgid"`
}

// subscribeSend is POST /cgi-bin/message/subscribe/send?access_token=. The checks run in this
// order: the token (40001), the body (47001), touser (40003), template_id (40037), the other
// arguments and the data (47003), and last the user's subscription (43101).
func (s *Simulator) subscribeSend(r *http.Request) (any, *wxError) {
	now := s.now()
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), now)
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req subscribeRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	if !validID(req.ToUser) {
		return nil, newWXError(ErrcodeInvalidOpenID)
	}
	st := s.subscribe
	st.mu.Lock()
	defer st.mu.Unlock()
	keys, e := st.templateKeys(appid, req.TemplateID)
	if e != nil {
		return nil, e
	}
	if e := checkSubscribeArgs(&req, keys); e != nil {
		return nil, e
	}
	if st.refused[subscriber{appid, req.ToUser}] {
		return nil, newWXError(ErrcodeUserRefused)
	}
	data := make(map[string]string, len(req.Data))
	for k, v := range req.Data {
		data[k] = *v.Value
	}
	st.seq++
	st.sent = append(st.sent, SentSubscribeMessage{
		MsgID: st.seq, AppID: appid, ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
		MiniprogramState: req.MiniprogramState, Lang: req.Lang, Data: data, SentAt: now,
	})
	if over := len(st.sent) - maxSubscribeMessages; over > 0 {
		st.sent = slices.Delete(st.sent, 0, over)
	}
	return subscribeResponse{Errmsg: "ok", MsgID: st.seq}, nil
}

// templateKeys returns the keywords of the app's template id: nil when the app has no
// templates (anything goes), 40037 for an id the app has not added. The caller holds st.mu.
func (st *subscribeState) templateKeys(appid, id string) ([]string, *wxError) {
	tpls := st.templates[appid]
	if id == "" {
		return nil, newWXError(ErrcodeInvalidTemplate)
	}
	if len(tpls) == 0 {
		return nil, nil
	}
	keys, ok := tpls[id]
	if !ok {
		return nil, newWXError(ErrcodeInvalidTemplate)
	}
	return keys, nil
}

var (
	miniprogramStates = map[string]bool{"": true, "developer": true, "trial": true, "formal": true}
	subscribeLangs    = map[string]bool{"": true, "zh_CN": true, "en_US": true, "zh_HK": true, "zh_TW": true}
)

// checkSubscribeArgs checks miniprogram_state, lang and data against WeChat's rules, and, with
// a template's keys, that each of them has a value. WeChat ignores keywords the template does
// not have, and so does the simulator; without a template, every keyword must at least look like
// one.
func checkSubscribeArgs(req *subscribeRequest, keys []string) *wxError {
	if !miniprogramStates[req.MiniprogramState] {
		return argumentInvalid("miniprogram_state invalid")
	}
	if !subscribeLangs[req.Lang] {
		return argumentInvalid("lang invalid")
	}
	if len(req.Data) == 0 {
		return argumentInvalid("data is empty")
	}
	for _, k := range keys {
		if v, ok := req.Data[k]; !ok || v.Value == nil {
			return argumentInvalid("data." + k + ".value is empty")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(req.Data)) {
		v := req.Data[k].Value
		switch {
		case !keywordRE.MatchString(k):
			return argumentInvalid("data." + k + " is not a keyword")
		case v == nil || *v == "":
			return argumentInvalid("data." + k + ".value is empty")
		}
		if reason := checkKeywordValue(keywordType(k), *v); reason != "" {
			return argumentInvalid("data." + k + ".value " + reason)
		}
	}
	return nil
}

// argumentInvalid is WeChat's 47003 with the detail it adds to the message.
func argumentInvalid(detail string) *wxError {
	return &wxError{Errcode: ErrcodeArgumentInvalid, Errmsg: errmsgFor(ErrcodeArgumentInvalid) + " " + detail}
}

// keywordRE is the shape of a template keyword: its type and its position, as "thing1".
var keywordRE = regexp.MustCompile(`^[a-z]+(_[a-z]+)*[0-9]+$`)

// keywordType is the keyword without its position: "character_string" of "character_string2".
func keywordType(key string) string { return strings.TrimRight(key, "0123456789") }

var (
	numberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	letterRE = regexp.MustCompile(`^[A-Za-z]+$`)
	amountRE = regexp.MustCompile(`^[^0-9]?[0-9]{1,10}(\.[0-9]+)?元?$`)
)

// checkKeywordValue checks a non-empty value against WeChat's rules for its keyword type
// (订阅消息参数值内容限制说明) and says what is wrong, or "". Dates and times are not parsed;
// types the simulator does not know pass.
func checkKeywordValue(typ, v string) string {
	n := utf8.RuneCountInString(v)
	limit := func(maxRunes int, ok bool) string {
		switch {
		case n > maxRunes:
			return "exceeds limit"
		case !ok:
			return "invalid"
		}
		return ""
	}
	switch typ {
	case "thing":
		return limit(20, true)
	case "number":
		return limit(32, numberRE.MatchString(v))
	case "letter":
		return limit(32, letterRE.MatchString(v))
	case "symbol":
		return limit(5, allRunes(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	case "character_string":
		return limit(32, allRunes(v, func(r rune) bool { return r > ' ' && r <= '~' }))
	case "phone_number":
		return limit(17, allRunes(v, func(r rune) bool { return r < utf8.RuneSelf && !unicode.IsLetter(r) }))
	case "car_number":
		return limit(8, true)
	case "name":
		if allRunes(v, func(r rune) bool { return r < utf8.RuneSelf }) {
			return limit(20, true)
		}
		return limit(10, true)
	case "phrase":
		return limit(5, allRunes(v, func(r rune) bool { return unicode.Is(unicode.Han, r) }))
	case "amount":
		return limit(20, amountRE.MatchString(v))
	}
	return ""
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

type subscribeTemplateBody struct {
	AppID      string   `json:"appid"`
	TemplateID string   `json:"template_id"`
	Keys       []string `json:"keys"`
}

// postSubscribeTemplate is POST /sim/v1/subscribe-templates {"appid","template_id","keys"}.
func (s *Simulator) postSubscribeTemplate(w http.ResponseWriter, r *http.Request) {
	var req subscribeTemplateBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.AddSubscribeTemplate(req.AppID, req.TemplateID, req.Keys...); err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, req)
}

type subscribeRefusalBody struct {
	AppID  string `json:"appid"`
	ToUser string `json:"touser"`
}

// postSubscribeRefusal is POST /sim/v1/subscribe-refusals {"appid","touser"}: the user refuses
// subscription messages.
func (s *Simulator) postSubscribeRefusal(w http.ResponseWriter, r *http.Request) {
	s.controlRefusal(w, r, true)
}

// deleteSubscribeRefusal is DELETE /sim/v1/subscribe-refusals {"appid","touser"}: the user
// accepts them again.
func (s *Simulator) deleteSubscribeRefusal(w http.ResponseWriter, r *http.Request) {
	s.controlRefusal(w, r, false)
}

func (s *Simulator) controlRefusal(w http.ResponseWriter, r *http.Request, refuse bool) {
	var req subscribeRefusalBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.setRefusal(req.AppID, req.ToUser, refuse); err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, map[string]any{"touser": req.ToUser, "refused": refuse})
}

// getSubscribeMessages is GET /sim/v1/subscribe-messages[?touser=]: {"messages":[...]}, oldest
// first, of one user or of all.
func (s *Simulator) getSubscribeMessages(w http.ResponseWriter, r *http.Request) {
	writeControl(w, http.StatusOK, map[string][]SentSubscribeMessage{
		"messages": s.SubscribeMessages(r.URL.Query().Get("touser")),
	})
}
