package wxsim

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

const (
	// loginCodeTTL is how long a wx.login code can be redeemed, as on WeChat.
	loginCodeTTL = 5 * time.Minute
	// loginsPerMinute is how many code2Session calls one user may make per minute before
	// WeChat answers 45011.
	loginsPerMinute = 100
	// sweepEvery is how often (in simulated time) dead codes and rate windows are dropped, so a
	// long `make run` does not grow without bound.
	sweepEvery = time.Minute
	// maxIDLength bounds the openids and unionids tests choose; WeChat's own are 28 long.
	maxIDLength = 64
)

// Errors of IssueLoginCode, for errors.Is.
var (
	ErrInvalidOpenID  = errors.New("wxsim: openid must be 1-64 of A-Z a-z 0-9 - _")
	ErrInvalidUnionID = errors.New("wxsim: unionid must be 1-64 of A-Z a-z 0-9 - _")
)

// loginCode is what wx.login handed a phone: a code bound to one app and one user.
type loginCode struct {
	appid, openid, unionid string
	expires                time.Time
	// used is kept (rather than the code deleted) so a second redemption is told 40163, not
	// 40029, as WeChat tells it.
	used bool
}

// quotaKey identifies one user of one app for the per-minute login quota.
type quotaKey struct{ appid, openid string }

// minuteQuota counts a user's logins in one calendar minute; WeChat's message says to retry
// "next minute", so the window is fixed, not sliding.
type minuteQuota struct {
	minute time.Time
	logins int
}

// loginState holds the wx.login codes and the login quotas. One lock covers both so that
// checking a code, checking the quota and using the code is one step.
type loginState struct {
	mu     sync.Mutex
	codes  map[string]*loginCode
	quotas map[quotaKey]*minuteQuota
	swept  time.Time
}

func newLoginState() *loginState {
	return &loginState{codes: make(map[string]*loginCode), quotas: make(map[quotaKey]*minuteQuota)}
}

func (s *Simulator) loginRoutes() {
	s.handleWeChat("/sns/jscode2session", OpJSCode2Session, http.MethodGet, s.code2Session)
}

// IssueLoginCode plays wx.login on a user's phone: it returns a code the service can redeem
// with code2Session for openid (a new random one when empty) and, when not empty, unionid.
// appid may be empty when the simulator serves exactly one app.
func (s *Simulator) IssueLoginCode(appid, openid, unionid string) (string, error) {
	code, _, err := s.issueLoginCode(appid, openid, unionid)
	return code, err
}

// issueLoginCode is IssueLoginCode that also returns the openid, which the caller may not have
// chosen.
func (s *Simulator) issueLoginCode(appid, openid, unionid string) (code, uid string, err error) {
	if appid, err = s.resolveApp(appid); err != nil {
		return "", "", err
	}
	if openid == "" {
		openid = newOpenID()
	} else if !validID(openid) {
		return "", "", fmt.Errorf("%w: %q", ErrInvalidOpenID, openid)
	}
	if unionid != "" && !validID(unionid) {
		return "", "", fmt.Errorf("%w: %q", ErrInvalidUnionID, unionid)
	}
	now := s.now()
	code = newLoginCode()
	s.login.add(code, &loginCode{appid: appid, openid: openid, unionid: unionid, expires: now.Add(loginCodeTTL)}, now)
	return code, openid, nil
}

// validID reports whether id looks like a WeChat openid or unionid. Keeping to WeChat's
// alphabet means ids are safe in URLs, logs and the demo's shell commands.
func validID(id string) bool {
	if len(id) == 0 || len(id) > maxIDLength {
		return false
	}
	for i := range len(id) {
		if !isURLSafe(id[i]) {
			return false
		}
	}
	return true
}

func isURLSafe(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// sessionResponse is code2Session's success body. unionid is present only when the user has
// one, as on WeChat.
type sessionResponse struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid,omitempty"`
}

// code2Session is GET /sns/jscode2session.
func (s *Simulator) code2Session(r *http.Request) (any, *wxError) {
	q := r.URL.Query()
	appid := q.Get("appid")
	if e := s.authenticate(appid, q.Get("secret")); e != nil {
		return nil, e
	}
	if q.Get("grant_type") != "authorization_code" {
		return nil, newWXError(ErrcodeInvalidGrantType)
	}
	lc, e := s.login.redeem(appid, q.Get("js_code"), s.now())
	if e != nil {
		return nil, e
	}
	return sessionResponse{OpenID: lc.openid, SessionKey: newSessionKey(), UnionID: lc.unionid}, nil
}

func (l *loginState) add(code string, lc *loginCode, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.codes[code] = lc
}

// redeem uses code for appid. A code of another app is as unknown as a made-up one (40029);
// the quota is checked before the code is used, so a throttled user can retry with it.
func (l *loginState) redeem(appid, code string, now time.Time) (loginCode, *wxError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lc, ok := l.codes[code]
	switch {
	case !ok || lc.appid != appid || !now.Before(lc.expires):
		return loginCode{}, newWXError(ErrcodeInvalidCode)
	case lc.used:
		return loginCode{}, newWXError(ErrcodeCodeUsed)
	case !l.allowLogin(quotaKey{appid: appid, openid: lc.openid}, now):
		return loginCode{}, newWXError(ErrcodeMinuteQuota)
	}
	lc.used = true
	return *lc, nil
}

// allowLogin counts one login of key in now's minute and reports whether it is within quota.
// The caller holds l.mu.
func (l *loginState) allowLogin(key quotaKey, now time.Time) bool {
	minute := now.Truncate(time.Minute)
	q, ok := l.quotas[key]
	if !ok || !q.minute.Equal(minute) {
		q = &minuteQuota{minute: minute}
		l.quotas[key] = q
	}
	if q.logins >= loginsPerMinute {
		return false
	}
	q.logins++
	return true
}

// sweep drops expired codes and past quota windows, at most once per sweepEvery. The caller
// holds l.mu.
func (l *loginState) sweep(now time.Time) {
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	l.swept = now
	for code, lc := range l.codes {
		if !now.Before(lc.expires) {
			delete(l.codes, code)
		}
	}
	minute := now.Truncate(time.Minute)
	for key, q := range l.quotas {
		if !q.minute.Equal(minute) {
			delete(l.quotas, key)
		}
	}
}
