package wxsim

import (
	"net/http"
	"sync"
	"time"
)

const (
	// accessTokenTTL is the lifetime WeChat gives access tokens.
	accessTokenTTL = 7200 * time.Second
	// tokenHandover is WeChat's overlap when a token is replaced: stable_token hands out a new
	// token once the current one has less than this left, and the legacy /cgi-bin/token keeps
	// the previous token valid this much longer. Either way old and new work side by side.
	tokenHandover = 5 * time.Minute
)

// issuedToken is a valid access token: which app it is for and until when.
type issuedToken struct {
	appid   string
	expires time.Time
}

// tokenState holds the access tokens. The stable and legacy APIs keep separate current tokens
// per app because WeChat keeps them apart ("互相隔离"): refreshing one never touches the other.
type tokenState struct {
	mu     sync.Mutex
	valid  map[string]issuedToken // every token that still works
	stable map[string]string      // appid → current stable_token token
	legacy map[string]string      // appid → latest /cgi-bin/token token
}

func newTokenState() *tokenState {
	return &tokenState{
		valid:  make(map[string]issuedToken),
		stable: make(map[string]string),
		legacy: make(map[string]string),
	}
}

func (s *Simulator) tokenRoutes() {
	s.handleWeChat("/cgi-bin/stable_token", OpStableToken, http.MethodPost, s.stableToken)
	s.handleWeChat("/cgi-bin/token", OpToken, http.MethodGet, s.legacyToken)
}

// ExpireAccessTokens invalidates every access token issued so far, as if WeChat had rotated
// them, so tests can check that the service notices 40001 and fetches a new one.
func (s *Simulator) ExpireAccessTokens() { s.tokens.expireAll() }

// tokenResponse is the success body of both token APIs. expires_in is what is left of the
// token's life, as on WeChat, which is 7200 only for a fresh token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// stableToken is POST /cgi-bin/stable_token.
func (s *Simulator) stableToken(r *http.Request) (any, *wxError) {
	var req stableTokenRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	if e := s.checkClientCredential(req.AppID, req.Secret, req.GrantType); e != nil {
		return nil, e
	}
	return s.tokens.stableToken(req.AppID, req.ForceRefresh, s.now()), nil
}

// legacyToken is GET /cgi-bin/token.
func (s *Simulator) legacyToken(r *http.Request) (any, *wxError) {
	q := r.URL.Query()
	if e := s.checkClientCredential(q.Get("appid"), q.Get("secret"), q.Get("grant_type")); e != nil {
		return nil, e
	}
	return s.tokens.legacyToken(q.Get("appid"), s.now()), nil
}

func (s *Simulator) checkClientCredential(appid, secret, grantType string) *wxError {
	if e := s.authenticate(appid, secret); e != nil {
		return e
	}
	if grantType != "client_credential" {
		return newWXError(ErrcodeInvalidGrantType)
	}
	return nil
}

// check returns the app token is valid for, if it is valid at now.
func (t *tokenState) check(token string, now time.Time) (appid string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	it, ok := t.valid[token]
	if !ok || !now.Before(it.expires) {
		return "", false
	}
	return it.appid, true
}

// stableToken returns the app's current stable token while it has more than tokenHandover
// left; otherwise, or when forced, a new one. Forcing kills the old token at once, as WeChat's
// force_refresh does; a due renewal leaves it to run out.
func (t *tokenState) stableToken(appid string, force bool, now time.Time) tokenResponse {
	t.mu.Lock()
	defer t.mu.Unlock()
	current := t.stable[appid]
	if it, ok := t.valid[current]; ok && !force && it.expires.Sub(now) > tokenHandover {
		return tokenResponse{AccessToken: current, ExpiresIn: secondsLeft(it.expires, now)}
	}
	if force {
		delete(t.valid, current)
	}
	token := t.issue(appid, now)
	t.stable[appid] = token
	return tokenResponse{AccessToken: token, ExpiresIn: int64(accessTokenTTL / time.Second)}
}

// legacyToken always issues a new token; the app's previous legacy token keeps working for
// tokenHandover at most, as on WeChat.
func (t *tokenState) legacyToken(appid string, now time.Time) tokenResponse {
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.valid[t.legacy[appid]]; ok && prev.expires.After(now.Add(tokenHandover)) {
		prev.expires = now.Add(tokenHandover)
		t.valid[t.legacy[appid]] = prev
	}
	token := t.issue(appid, now)
	t.legacy[appid] = token
	return tokenResponse{AccessToken: token, ExpiresIn: int64(accessTokenTTL / time.Second)}
}

// issue makes a new token valid and drops the dead ones. The caller holds t.mu.
func (t *tokenState) issue(appid string, now time.Time) string {
	for token, it := range t.valid {
		if !now.Before(it.expires) {
			delete(t.valid, token)
		}
	}
	token := newAccessToken()
	t.valid[token] = issuedToken{appid: appid, expires: now.Add(accessTokenTTL)}
	return token
}

// expireAll invalidates every token and says how many there were.
func (t *tokenState) expireAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.valid)
	clear(t.valid)
	clear(t.stable)
	clear(t.legacy)
	return n
}

// secondsLeft is the whole seconds from now to expires.
func secondsLeft(expires, now time.Time) int64 {
	return int64(expires.Sub(now) / time.Second)
}
