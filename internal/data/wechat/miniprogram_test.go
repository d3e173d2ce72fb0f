package wechat_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	appID     = "wxwechattestapp1"
	appSecret = "wechat-test-secret"
	timeout   = 2 * time.Second
)

// env is a simulator on loopback and real Redis under a prefix of the test's own.
type env struct {
	t      *testing.T
	sim    *wxsim.Simulator
	base   string
	stop   func(context.Context) error
	rdb    redis.UniversalClient
	prefix string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvIn(t, testenv.SingleRedis)
}

// newEnvIn is newEnv on the Redis of mode.
func newEnvIn(t *testing.T, mode testenv.RedisMode) *env {
	t.Helper()
	sim := wxsim.New(wxsim.Config{Apps: map[string]string{appID: appSecret}})
	base, stop, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("stop simulator: %v", err)
		}
	})
	rdb, prefix := testenv.RedisIn(t, mode)
	return &env{t: t, sim: sim, base: base, stop: stop, rdb: rdb, prefix: prefix}
}

// eachRedisMode runs fn in parallel subtests, one per Redis deployment (single, cluster).
func eachRedisMode(t *testing.T, fn func(t *testing.T, mode testenv.RedisMode)) {
	for _, mode := range testenv.RedisModes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			fn(t, mode)
		})
	}
}

// keysUnder lists the keys under prefix on every master: KEYS on a cluster client sees one node.
func keysUnder(ctx context.Context, rdb redis.UniversalClient, prefix string) ([]string, error) {
	cluster, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return rdb.Keys(ctx, prefix+"*").Result()
	}
	var mu sync.Mutex
	var keys []string
	err := cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		found, err := node.Keys(ctx, prefix+"*").Result()
		mu.Lock()
		keys = append(keys, found...)
		mu.Unlock()
		return err
	})
	return keys, err
}

// client is one replica of the service: its own HTTP client, the shared Redis.
func (e *env) client(secret string) *wechat.MiniProgram {
	return wechat.NewMiniProgram(&conf.Wechat{
		ApiBase:     e.base,
		MiniProgram: &conf.Wechat_MiniProgram{AppId: appID, AppSecret: secret},
		Timeout:     durationpb.New(timeout),
	}, e.rdb, e.prefix)
}

func (e *env) loginCode(openid, unionid string) string {
	e.t.Helper()
	code, err := e.sim.IssueLoginCode(appID, openid, unionid)
	if err != nil {
		e.t.Fatalf("issue login code: %v", err)
	}
	return code
}

func (e *env) phoneCode(phone string) string {
	e.t.Helper()
	code, err := e.sim.IssuePhoneCode(appID, phone)
	if err != nil {
		e.t.Fatalf("issue phone code: %v", err)
	}
	return code
}

// calls snapshots the simulator's counters of the two APIs behind PhoneNumber.
func (e *env) calls() (stable, phone int) {
	return e.sim.Calls(wxsim.OpStableToken), e.sim.Calls(wxsim.OpGetUserPhoneNumber)
}

// domainErrors are the kinds the client may translate WeChat's codes into.
var domainErrors = []error{
	identity.ErrLoginCodeInvalid, identity.ErrLoginCodeUsed, identity.ErrPhoneCodeInvalid,
	bizerr.ErrRateLimited, bizerr.ErrUnavailable, bizerr.ErrNotFound,
}

// checkErr fails unless err is want (or, with want nil, an error that is none of the domain
// kinds) and its message leaks none of secrets.
func checkErr(t *testing.T, err, want error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	for _, kind := range domainErrors {
		wantIs := want != nil && errors.Is(want, kind)
		if got := errors.Is(err, kind); got != wantIs {
			t.Errorf("errors.Is(%q, %q) = %v, want %v", err, kind, got, wantIs)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks %q", err, s)
		}
	}
}

func TestCode2Session(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)

	t.Run("success", func(t *testing.T) {
		for _, tc := range []struct{ openid, unionid string }{
			{"openid-with-union", "unionid-1"},
			{"openid-no-union", ""},
		} {
			ws, err := mp.Code2Session(ctx, e.loginCode(tc.openid, tc.unionid))
			if err != nil {
				t.Fatalf("code2session: %v", err)
			}
			if ws.OpenID != tc.openid || ws.UnionID != tc.unionid {
				t.Errorf("session = %+v, want openid %s unionid %q", ws, tc.openid, tc.unionid)
			}
		}
	})

	t.Run("real codes", func(t *testing.T) {
		code := e.loginCode("openid-twice", "")
		if _, err := mp.Code2Session(ctx, code); err != nil {
			t.Fatalf("first redemption: %v", err)
		}
		_, err := mp.Code2Session(ctx, code)
		checkErr(t, err, identity.ErrLoginCodeUsed, code, appSecret)
		_, err = mp.Code2Session(ctx, "made-up-code")
		checkErr(t, err, identity.ErrLoginCodeInvalid, "made-up-code", appSecret)
	})

	for _, tc := range []struct {
		name    string
		errcode int
		want    error
	}{
		{"40029 invalid code", wxsim.ErrcodeInvalidCode, identity.ErrLoginCodeInvalid},
		{"40163 code used", wxsim.ErrcodeCodeUsed, identity.ErrLoginCodeUsed},
		{"45011 rate limited", wxsim.ErrcodeMinuteQuota, bizerr.ErrRateLimited},
		{"-1 system busy", wxsim.ErrcodeSystemError, bizerr.ErrUnavailable},
		{"other code stays unmapped", 40226, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := e.loginCode("", "")
			e.sim.FailNext(wxsim.OpJSCode2Session, tc.errcode, "", 1)
			_, err := mp.Code2Session(ctx, code)
			checkErr(t, err, tc.want, code, appSecret)
			// The fault consumed, the same code still works: the client did not burn it.
			if _, err := mp.Code2Session(ctx, code); err != nil {
				t.Errorf("code after the fault: %v", err)
			}
		})
	}

	t.Run("wrong secret", func(t *testing.T) {
		code := e.loginCode("", "")
		_, err := e.client("not-the-secret").Code2Session(ctx, code)
		checkErr(t, err, nil, code, "not-the-secret")
		if !strings.Contains(err.Error(), "40125") {
			t.Errorf("error %q does not carry WeChat's code 40125", err)
		}
	})
}

func TestPhoneNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)

	code := e.phoneCode("13800138000")
	phone, err := mp.PhoneNumber(ctx, code)
	if err != nil || phone != "13800138000" {
		t.Fatalf("PhoneNumber = %q, %v; want 13800138000", phone, err)
	}
	_, err = mp.PhoneNumber(ctx, code)
	checkErr(t, err, identity.ErrPhoneCodeInvalid, code)
	_, err = mp.PhoneNumber(ctx, "made-up-code")
	checkErr(t, err, identity.ErrPhoneCodeInvalid)

	for _, tc := range []struct {
		name    string
		errcode int
		want    error
	}{
		{"40029 invalid code", wxsim.ErrcodeInvalidCode, identity.ErrPhoneCodeInvalid},
		{"45011 rate limited", wxsim.ErrcodeMinuteQuota, bizerr.ErrRateLimited},
		{"-1 system busy", wxsim.ErrcodeSystemError, bizerr.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := e.phoneCode("13900139000")
			e.sim.FailNext(wxsim.OpGetUserPhoneNumber, tc.errcode, "", 1)
			_, err := mp.PhoneNumber(ctx, code)
			checkErr(t, err, tc.want, code)
		})
	}

	t.Run("wrong secret", func(t *testing.T) {
		other := newEnv(t) // a Redis prefix without a cached token
		_, err := other.client("not-the-secret").PhoneNumber(ctx, other.phoneCode("13700137000"))
		checkErr(t, err, nil, "not-the-secret")
	})
}

// Two replicas sharing Redis fetch the access token once between them; the cached token lives
// under the prefix with WeChat's lifetime less the renewal margin. A replica on another prefix
// (another deployment) fetches its own.
func TestAccessTokenSharedThroughRedis(t *testing.T) {
	t.Parallel()
	eachRedisMode(t, testAccessTokenSharedThroughRedis)
}

func testAccessTokenSharedThroughRedis(t *testing.T, mode testenv.RedisMode) {
	e := newEnvIn(t, mode)
	ctx := t.Context()
	a, b := e.client(appSecret), e.client(appSecret)
	for i, mp := range []*wechat.MiniProgram{a, b, a, b} {
		if _, err := mp.PhoneNumber(ctx, e.phoneCode("13800138000")); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if stable, phone := e.calls(); stable != 1 || phone != 4 {
		t.Errorf("stable_token calls = %d, phone calls = %d; want 1 and 4", stable, phone)
	}

	keys, err := keysUnder(ctx, e.rdb, e.prefix)
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	if len(keys) != 1 || !strings.Contains(keys[0], "access_token") || !strings.Contains(keys[0], appID) {
		t.Fatalf("redis keys under the prefix = %v, want one access token key", keys)
	}
	ttl, err := e.rdb.TTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatalf("ttl: %v", err)
	}
	if ttl <= 7200*time.Second-6*time.Minute || ttl > 7200*time.Second-5*time.Minute {
		t.Errorf("cached token TTL = %v, want just under 1h55m (2h less the 5m margin)", ttl)
	}

	other := wechat.NewMiniProgram(&conf.Wechat{
		ApiBase:     e.base,
		MiniProgram: &conf.Wechat_MiniProgram{AppId: appID, AppSecret: appSecret},
		Timeout:     durationpb.New(timeout),
	}, e.rdb, e.prefix+"other:")
	// Its key is under the test's prefix too, so testenv deletes it.
	if _, err := other.PhoneNumber(ctx, e.phoneCode("13800138000")); err != nil {
		t.Fatalf("other deployment: %v", err)
	}
	if stable, _ := e.calls(); stable != 2 {
		t.Errorf("stable_token calls after another prefix = %d, want 2", stable)
	}
}

// When WeChat rejects the cached token the client renews it and retries exactly once.
func TestAccessTokenRenewal(t *testing.T) {
	t.Parallel()
	eachRedisMode(t, testAccessTokenRenewal)
}

func testAccessTokenRenewal(t *testing.T, mode testenv.RedisMode) {

	t.Run("expired by WeChat", func(t *testing.T) {
		e := newEnvIn(t, mode)
		ctx := t.Context()
		a, b := e.client(appSecret), e.client(appSecret)
		if _, err := a.PhoneNumber(ctx, e.phoneCode("13800138000")); err != nil {
			t.Fatalf("warm up: %v", err)
		}
		e.sim.ExpireAccessTokens()
		stable0, phone0 := e.calls()
		phone, err := a.PhoneNumber(ctx, e.phoneCode("13800138001"))
		if err != nil || phone != "13800138001" {
			t.Fatalf("after expiry: %q, %v", phone, err)
		}
		stable1, phone1 := e.calls()
		if phone1-phone0 != 2 || stable1-stable0 != 1 {
			t.Errorf("after expiry: %d phone calls, %d stable_token calls; want 2 (one retry) and 1",
				phone1-phone0, stable1-stable0)
		}
		// The renewed token is cached for every replica.
		if _, err := b.PhoneNumber(ctx, e.phoneCode("13800138002")); err != nil {
			t.Fatalf("other replica after renewal: %v", err)
		}
		if stable2, phone2 := e.calls(); phone2-phone1 != 1 || stable2 != stable1 {
			t.Errorf("other replica after renewal: %d phone calls, %d stable_token calls; want 1 and 0",
				phone2-phone1, stable2-stable1)
		}
	})

	t.Run("rejected while stable_token still hands it out", func(t *testing.T) {
		// WeChat says 40001 for a token stable_token still believes in: the client must force a
		// new one rather than retry with the same.
		e := newEnvIn(t, mode)
		ctx := t.Context()
		mp := e.client(appSecret)
		if _, err := mp.PhoneNumber(ctx, e.phoneCode("13800138000")); err != nil {
			t.Fatalf("warm up: %v", err)
		}
		stable0, phone0 := e.calls()
		e.sim.FailNext(wxsim.OpGetUserPhoneNumber, wxsim.ErrcodeInvalidToken, "", 1)
		if _, err := mp.PhoneNumber(ctx, e.phoneCode("13800138001")); err != nil {
			t.Fatalf("after a rejected token: %v", err)
		}
		stable1, phone1 := e.calls()
		if phone1-phone0 != 2 || stable1-stable0 != 2 {
			t.Errorf("%d phone calls, %d stable_token calls; want 2 and 2 (plain, then forced)",
				phone1-phone0, stable1-stable0)
		}
	})

	t.Run("rejected twice gives up", func(t *testing.T) {
		e := newEnvIn(t, mode)
		ctx := t.Context()
		mp := e.client(appSecret)
		e.sim.FailNext(wxsim.OpGetUserPhoneNumber, wxsim.ErrcodeInvalidToken, "", 2)
		code := e.phoneCode("13800138000")
		_, err := mp.PhoneNumber(ctx, code)
		checkErr(t, err, nil, code)
		if _, phone := e.calls(); phone != 2 {
			t.Errorf("phone calls = %d, want 2 (one retry, no loop)", phone)
		}
	})
}

// An unreachable or hanging WeChat is ErrUnavailable, answered within the client's timeout.
func TestWechatUnavailable(t *testing.T) {
	t.Parallel()

	t.Run("hanging", func(t *testing.T) {
		e := newEnv(t)
		mp := e.client(appSecret)
		// Just over the timeout: the simulator's handler must end before its shutdown in cleanup.
		for _, op := range []string{wxsim.OpJSCode2Session, wxsim.OpStableToken} {
			if err := e.sim.InjectFault(wxsim.Fault{Operation: op, Latency: timeout + 500*time.Millisecond}); err != nil {
				t.Fatalf("inject: %v", err)
			}
		}
		for name, call := range map[string]func(context.Context) error{
			"code2session": func(ctx context.Context) error {
				_, err := mp.Code2Session(ctx, e.loginCode("", ""))
				return err
			},
			"phone": func(ctx context.Context) error {
				_, err := mp.PhoneNumber(ctx, e.phoneCode("13800138000"))
				return err
			},
		} {
			start := time.Now()
			err := call(t.Context())
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("%s took %v, want about the %v timeout", name, took, timeout)
			}
			t.Run(name, func(t *testing.T) { checkErr(t, err, bizerr.ErrUnavailable) })
		}
	})

	t.Run("stopped", func(t *testing.T) {
		e := newEnv(t)
		mp := e.client(appSecret)
		login, phoneCode := e.loginCode("", ""), e.phoneCode("13800138000")
		if err := e.stop(t.Context()); err != nil {
			t.Fatalf("stop simulator: %v", err)
		}
		for name, call := range map[string]func(context.Context) error{
			"code2session": func(ctx context.Context) error { _, err := mp.Code2Session(ctx, login); return err },
			"phone":        func(ctx context.Context) error { _, err := mp.PhoneNumber(ctx, phoneCode); return err },
		} {
			start := time.Now()
			err := call(t.Context())
			if took := time.Since(start); took > timeout {
				t.Errorf("%s took %v, want within the %v timeout", name, took, timeout)
			}
			t.Run(name, func(t *testing.T) { checkErr(t, err, bizerr.ErrUnavailable) })
		}
	})
}

// Errors are logged and wrapped upward, so they must not carry what WeChat's URLs carry in their
// query: the app secret and the wx.login code (code2Session), the access token (phone number).
// WeChat's own errors already pass through opName; a transport failure (refused connection,
// timeout) must not bring the URL back in through *url.Error.
func TestTransportErrorsHideURL(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"stopped", "timeout"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			mp := e.client(appSecret)
			if _, err := mp.PhoneNumber(t.Context(), e.phoneCode("13800138000")); err != nil {
				t.Fatalf("warm up the token cache: %v", err)
			}
			keys, err := e.rdb.Keys(t.Context(), e.prefix+"*access_token*").Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("cached token keys = %v, %v", keys, err)
			}
			token, err := e.rdb.Get(t.Context(), keys[0]).Result()
			if err != nil {
				t.Fatalf("cached token: %v", err)
			}
			login, phoneCode := e.loginCode("", ""), e.phoneCode("13800138001")
			switch mode {
			case "stopped":
				if err := e.stop(t.Context()); err != nil {
					t.Fatalf("stop simulator: %v", err)
				}
			case "timeout":
				// GET, so the simulator notices the client leaving and the handler ends.
				if err := e.sim.InjectFault(wxsim.Fault{Operation: wxsim.OpJSCode2Session, Latency: 10 * timeout}); err != nil {
					t.Fatalf("inject: %v", err)
				}
			}

			_, err = mp.Code2Session(t.Context(), login)
			checkErr(t, err, bizerr.ErrUnavailable, appSecret, login)
			if mode == "stopped" {
				_, err = mp.PhoneNumber(t.Context(), phoneCode)
				checkErr(t, err, bizerr.ErrUnavailable, token)
			}
		})
	}
}
