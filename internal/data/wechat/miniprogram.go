// Package wechat talks to WeChat's mini-program server API (login, phone number, subscription
// messages and shipping information) over plain HTTPS, and holds the access token every replica
// shares in Redis.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// WeChat's error codes that the service acts on. Source: the mini-program server API reference
// (auth.code2Session, getPhoneNumber, getStableAccessToken) and its global return codes.
const (
	errSystemBusy     = -1
	errInvalidToken   = 40001
	errInvalidCode    = 40029
	errTokenExpired   = 42001
	errCodeUsed       = 40163
	errFrequencyLimit = 45011
)

// MiniProgram is the client of one mini-program (app id and secret).
type MiniProgram struct {
	base   string
	appID  string
	secret string
	http   *http.Client
	tokens *tokenCache
}

// NewMiniProgram builds the client from configuration. keyPrefix starts the Redis keys it uses.
func NewMiniProgram(c *conf.Wechat, rdb redis.UniversalClient, keyPrefix string) *MiniProgram {
	timeout := c.GetTimeout().AsDuration()
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	m := &MiniProgram{
		base:   strings.TrimSuffix(c.GetApiBase(), "/"),
		appID:  c.GetMiniProgram().GetAppId(),
		secret: c.GetMiniProgram().GetAppSecret(),
		http:   &http.Client{Timeout: timeout},
	}
	m.tokens = &tokenCache{rdb: rdb, key: keyPrefix + "{wx}:access_token:" + m.appID, fetch: m.stableToken}
	return m
}

// apiError is WeChat's {"errcode","errmsg"} answer.
type apiError struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func (e *apiError) Error() string { return fmt.Sprintf("wechat errcode %d: %s", e.Code, e.Msg) }

// Code2Session redeems a wx.login code.
func (m *MiniProgram) Code2Session(ctx context.Context, code string) (identity.WechatSession, error) {
	q := url.Values{
		"appid": {m.appID}, "secret": {m.secret}, "js_code": {code}, "grant_type": {"authorization_code"},
	}
	var out struct {
		apiError
		OpenID  string `json:"openid"`
		UnionID string `json:"unionid"`
	}
	if err := m.do(ctx, http.MethodGet, "/sns/jscode2session?"+q.Encode(), nil, &out); err != nil {
		return identity.WechatSession{}, mapErr(err, identity.ErrLoginCodeInvalid, identity.ErrLoginCodeUsed)
	}
	if out.OpenID == "" {
		return identity.WechatSession{}, fmt.Errorf("code2session answered without openid: %w", bizerr.ErrUnavailable)
	}
	return identity.WechatSession{OpenID: out.OpenID, UnionID: out.UnionID}, nil
}

// PhoneNumber redeems a getPhoneNumber code. When WeChat says the access token is no longer
// valid, the token is renewed and the call made once more.
func (m *MiniProgram) PhoneNumber(ctx context.Context, code string) (string, error) {
	phone, err := m.phoneNumber(ctx, code, false)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Code == errInvalidToken || ae.Code == errTokenExpired) {
		phone, err = m.phoneNumber(ctx, code, true)
	}
	if err != nil {
		return "", mapErr(err, identity.ErrPhoneCodeInvalid, identity.ErrPhoneCodeInvalid)
	}
	return phone, nil
}

func (m *MiniProgram) phoneNumber(ctx context.Context, code string, renewToken bool) (string, error) {
	token, err := m.tokens.get(ctx, renewToken)
	if err != nil {
		return "", err
	}
	var out struct {
		apiError
		PhoneInfo struct {
			PurePhoneNumber string `json:"purePhoneNumber"`
		} `json:"phone_info"`
	}
	path := "/wxa/business/getuserphonenumber?access_token=" + url.QueryEscape(token)
	if err := m.do(ctx, http.MethodPost, path, map[string]string{"code": code}, &out); err != nil {
		if renewToken {
			return "", err
		}
		var ae *apiError
		if errors.As(err, &ae) && (ae.Code == errInvalidToken || ae.Code == errTokenExpired) {
			m.tokens.forget(ctx, token)
		}
		return "", err
	}
	return out.PhoneInfo.PurePhoneNumber, nil
}

// stableToken asks for the access token. WeChat returns the same token to every caller while it
// is valid, so replicas that fetch at once agree; force is used only after WeChat rejected it.
func (m *MiniProgram) stableToken(ctx context.Context, force bool) (string, time.Duration, error) {
	body := map[string]any{
		"grant_type": "client_credential", "appid": m.appID, "secret": m.secret, "force_refresh": force,
	}
	var out struct {
		apiError
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := m.do(ctx, http.MethodPost, "/cgi-bin/stable_token", body, &out); err != nil {
		return "", 0, fmt.Errorf("stable_token: %w", err)
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("stable_token answered without a token: %w", bizerr.ErrUnavailable)
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}

// do sends one request and decodes the answer into out, whose embedded apiError is checked.
func (m *MiniProgram) do(ctx context.Context, method, path string, in any, out interface{ err() *apiError }) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.http.Do(req)
	if err != nil {
		// *url.Error repeats the URL, query and all: the app secret, login code, access token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("call wechat %s: %w: %w", opName(path), bizerr.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wechat %s answered HTTP %d: %w", opName(path), resp.StatusCode, bizerr.ErrUnavailable)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("decode wechat %s answer: %w: %w", opName(path), bizerr.ErrUnavailable, err)
	}
	if e := out.err(); e.Code != 0 {
		return fmt.Errorf("wechat %s: %w", opName(path), e)
	}
	return nil
}

func (e *apiError) err() *apiError { return e }

// mapErr turns WeChat's codes into domain errors: invalid and used codes into the caller's kinds
// (nil for a call that sends no code), rate limits and system errors into bizerr's. Anything else
// (a wrong app secret) stays as it is: it is a configuration fault, not the user's.
func mapErr(err error, invalid, used error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Code == errInvalidCode && invalid != nil:
		return fmt.Errorf("%w: %w", invalid, err)
	case ae.Code == errCodeUsed && used != nil:
		return fmt.Errorf("%w: %w", used, err)
	}
	switch ae.Code {
	case errFrequencyLimit:
		return fmt.Errorf("%w: %w", bizerr.ErrRateLimited, err)
	case errSystemBusy:
		return fmt.Errorf("%w: %w", bizerr.ErrUnavailable, err)
	}
	return err
}

// opName is the path without its query, for messages that must not carry codes or tokens.
func opName(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i]
	}
	return path
}
