package wxsim

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// phoneCodeTTL is how long a getPhoneNumber code can be redeemed, as on WeChat.
const phoneCodeTTL = 5 * time.Minute

// ErrInvalidPhone reports a phone number that is not a mainland mobile number.
var ErrInvalidPhone = errors.New("wxsim: phone must be 11 digits starting with 1")

// phoneCode is what getPhoneNumber handed the mini-program: one phone number, for one app.
type phoneCode struct {
	appid, phone string
	expires      time.Time
}

// phoneState holds the getPhoneNumber codes. A used code is deleted, since WeChat answers a
// used phone code exactly like an unknown one (40029).
type phoneState struct {
	mu    sync.Mutex
	codes map[string]phoneCode
	swept time.Time
}

func newPhoneState() *phoneState {
	return &phoneState{codes: make(map[string]phoneCode)}
}

func (s *Simulator) phoneRoutes() {
	s.handleWeChat("/wxa/business/getuserphonenumber", OpGetUserPhoneNumber, http.MethodPost, s.getUserPhoneNumber)
}

// IssuePhoneCode plays the user accepting getPhoneNumber in the mini-program: it returns the
// code the service exchanges for phone. appid may be empty when the simulator serves exactly
// one app.
func (s *Simulator) IssuePhoneCode(appid, phone string) (string, error) {
	appid, err := s.resolveApp(appid)
	if err != nil {
		return "", err
	}
	if !validPhone(phone) {
		return "", fmt.Errorf("%w: %q", ErrInvalidPhone, phone)
	}
	now := s.now()
	code := newPhoneCode()
	s.phones.add(code, phoneCode{appid: appid, phone: phone, expires: now.Add(phoneCodeTTL)}, now)
	return code, nil
}

// validPhone reports whether phone is a mainland China mobile number: 11 digits, leading 1.
func validPhone(phone string) bool {
	if len(phone) != 11 || phone[0] != '1' {
		return false
	}
	for i := range len(phone) {
		if phone[i] < '0' || phone[i] > '9' {
			return false
		}
	}
	return true
}

type phoneRequest struct {
	Code string `json:"code"`
}

// phoneResponse is getuserphonenumber's success body. Unlike code2Session it carries
// errcode 0 and "ok", as WeChat's does.
type phoneResponse struct {
	Errcode   int       `json:"errcode"`
	Errmsg    string    `json:"errmsg"`
	PhoneInfo phoneInfo `json:"phone_info"`
}

type phoneInfo struct {
	PhoneNumber     string    `json:"phoneNumber"`
	PurePhoneNumber string    `json:"purePhoneNumber"`
	CountryCode     string    `json:"countryCode"`
	Watermark       watermark `json:"watermark"`
}

type watermark struct {
	Timestamp int64  `json:"timestamp"`
	AppID     string `json:"appid"`
}

// getUserPhoneNumber is POST /wxa/business/getuserphonenumber?access_token=. The app is the
// access token's, and the code must have been issued for that app.
func (s *Simulator) getUserPhoneNumber(r *http.Request) (any, *wxError) {
	now := s.now()
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), now)
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req phoneRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	phone, ok := s.phones.redeem(appid, req.Code, now)
	if !ok {
		return nil, newWXError(ErrcodeInvalidCode)
	}
	// Only mainland numbers are issued, and for them WeChat's phoneNumber carries no
	// country code, so it equals purePhoneNumber.
	return phoneResponse{Errmsg: "ok", PhoneInfo: phoneInfo{
		PhoneNumber:     phone,
		PurePhoneNumber: phone,
		CountryCode:     "86",
		Watermark:       watermark{Timestamp: now.Unix(), AppID: appid},
	}}, nil
}

func (p *phoneState) add(code string, pc phoneCode, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	p.codes[code] = pc
}

// redeem uses code for appid and returns its phone number; false for a code that is unknown,
// used, expired or another app's.
func (p *phoneState) redeem(appid, code string, now time.Time) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc, ok := p.codes[code]
	if !ok || pc.appid != appid || !now.Before(pc.expires) {
		return "", false
	}
	delete(p.codes, code)
	return pc.phone, true
}

// sweep drops expired codes at most once per sweepEvery. The caller holds p.mu.
func (p *phoneState) sweep(now time.Time) {
	if now.Sub(p.swept) < sweepEvery {
		return
	}
	p.swept = now
	for code, pc := range p.codes {
		if !now.Before(pc.expires) {
			delete(p.codes, code)
		}
	}
}
