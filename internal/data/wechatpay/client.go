// Package wechatpay implements the payment ports (payment.Gateway, payment.ProfitSharing,
// payment.Bills) on the official wechatpay-go SDK, and the verification and decryption of WeChat
// Pay's notifications (payment.NotificationDecoder; the endpoints are internal/server's).
//
// Production talks to api.mch.weixin.qq.com; tests and `make run` talk to the simulator
// (internal/wxsim) through an http.RoundTripper that rewrites scheme and host: the SDK has no
// base-URL option, and its request signatures cover method, path and body but not the host.
// Responses are verified offline with the WeChat Pay public key (or a platform certificate).
//
// Every call retries transient failures (SYSTEM_ERROR, 5xx, FREQUENCY_LIMITED, timeouts and
// connection errors, mapped into bizerr's classification; the rule is internal/biz/wxretry's)
// with capped exponential back-off and full jitter, bounded in attempts and
// by the caller's context, sending the same idempotency key and the same body each time. A 4xx
// business error is never retried. Errors come back as the typed errors of internal/biz/payment.
package wechatpay

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// Retry is the back-off of transient failures.
type Retry struct {
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
}

// DefaultRetry is four attempts, 200 ms doubling up to 2 s, with full jitter: at most about
// 3.4 s of waiting, well inside a shopper's patience and WeChat's 5-minute signature window.
var DefaultRetry = Retry{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second}

// Config is what the adapter needs, with the keys already parsed.
type Config struct {
	AppID          string
	MchID          string
	MerchantSerial string
	MerchantKey    *rsa.PrivateKey
	APIv3Key       string
	// PublicKeyID and PublicKey are the WeChat Pay public key; or Certificate, a platform
	// certificate, whose serial is then the expected Wechatpay-Serial.
	PublicKeyID   string
	PublicKey     *rsa.PublicKey
	Certificate   *x509.Certificate
	NotifyBaseURL string
	// APIBaseURL overrides WeChat Pay's host (the simulator); empty in production.
	APIBaseURL string
	Timeout    time.Duration
	Retry      Retry
}

// ConfigFrom reads the wechat section: the mini-program's app id and the pay keys, from PEM
// text or files. It returns nil, nil when no merchant is configured (payments off).
func ConfigFrom(c *conf.Wechat) (*Config, error) {
	p := c.GetPay()
	if p.GetMchId() == "" {
		return nil, nil
	}
	cfg := &Config{
		AppID: c.GetMiniProgram().GetAppId(), MchID: p.GetMchId(), MerchantSerial: p.GetMerchantSerial(),
		APIv3Key: p.GetApiv3Key(), PublicKeyID: p.GetPlatformPublicKeyId(),
		NotifyBaseURL: strings.TrimSuffix(p.GetNotifyBaseUrl(), "/"), APIBaseURL: p.GetApiBaseUrl(),
		Timeout: p.GetTimeout().AsDuration(), Retry: DefaultRetry,
	}
	if r := p.GetRetry(); r != nil {
		if n := r.GetMaxAttempts(); n > 0 {
			cfg.Retry.MaxAttempts = int(n)
		}
		if d := r.GetBaseDelay().AsDuration(); d > 0 {
			cfg.Retry.BaseDelay = d
		}
		if d := r.GetMaxDelay().AsDuration(); d > 0 {
			cfg.Retry.MaxDelay = d
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	keyPEM, err := pemOrFile(p.GetMerchantPrivateKey(), "wechat.pay.merchant_private_key")
	if err != nil {
		return nil, err
	}
	if cfg.MerchantKey, err = utils.LoadPrivateKey(keyPEM); err != nil {
		return nil, fmt.Errorf("wechat.pay.merchant_private_key: %w", err)
	}
	pubPEM, err := pemOrFile(p.GetPlatformPublicKey(), "wechat.pay.platform_public_key")
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode([]byte(pubPEM)); block != nil && block.Type == "CERTIFICATE" {
		if cfg.Certificate, err = utils.LoadCertificate(pubPEM); err != nil {
			return nil, fmt.Errorf("wechat.pay.platform_public_key: %w", err)
		}
		cfg.PublicKeyID = utils.GetCertificateSerialNumber(*cfg.Certificate)
	} else if cfg.PublicKey, err = utils.LoadPublicKey(pubPEM); err != nil {
		return nil, fmt.Errorf("wechat.pay.platform_public_key: %w", err)
	}
	return cfg, cfg.validate()
}

func (c *Config) validate() error {
	var missing []string
	for name, v := range map[string]string{
		"mini_program.app_id": c.AppID, "pay.merchant_serial": c.MerchantSerial,
		"pay.platform_public_key_id": c.PublicKeyID, "pay.notify_base_url": c.NotifyBaseURL,
	} {
		if v == "" {
			missing = append(missing, "wechat."+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("wechat pay: %s not configured", strings.Join(missing, ", "))
	}
	if len(c.APIv3Key) != 32 {
		return fmt.Errorf("wechat.pay.apiv3_key must be 32 bytes, not %d", len(c.APIv3Key))
	}
	if c.APIBaseURL != "" {
		if u, err := url.Parse(c.APIBaseURL); err != nil || u.Host == "" {
			return fmt.Errorf("wechat.pay.api_base_url %q is not a URL", c.APIBaseURL)
		}
	}
	return nil
}

// pemOrFile is s when it is PEM text, else the content of the file s names (~/ is home).
func pemOrFile(s, name string) (string, error) {
	if strings.Contains(s, "-----BEGIN") {
		return s, nil
	}
	if s == "" {
		return "", fmt.Errorf("%s is not configured", name)
	}
	path := s
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		path = filepath.Join(home, rest)
	}
	data, err := os.ReadFile(path) //nolint:gosec // G304: a file the operator configured
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return string(data), nil
}

// Client is the WeChat Pay client of one merchant. A Client built without configuration
// answers payment.ErrNotConfigured to everything.
type Client struct {
	cfg      *Config
	api      *core.Client
	download *core.Client // bill files are served unsigned: no response validation
	verifier auth.Verifier
	notify   *notify.Handler
	sleep    func(context.Context, time.Duration) error
}

// New builds the client; cfg nil gives the unconfigured one.
func New(ctx context.Context, cfg *Config) (*Client, error) {
	if cfg == nil {
		return &Client{}, nil
	}
	base := transport()
	hc := &http.Client{Timeout: cfg.Timeout, Transport: base}
	if cfg.APIBaseURL != "" {
		target, err := url.Parse(cfg.APIBaseURL)
		if err != nil {
			return nil, fmt.Errorf("wechat pay api base: %w", err)
		}
		hc.Transport = rewriteHost{target: target, base: base}
	}
	var authOpt core.ClientOption
	var verifier auth.Verifier
	if cfg.Certificate != nil {
		authOpt = option.WithWechatPayAuthCipher(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey, []*x509.Certificate{cfg.Certificate})
		verifier = verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList([]*x509.Certificate{cfg.Certificate}))
	} else {
		authOpt = option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey, cfg.PublicKeyID, cfg.PublicKey)
		verifier = verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *cfg.PublicKey)
	}
	api, err := core.NewClient(ctx, authOpt, option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("wechat pay client: %w", err)
	}
	download, err := core.NewClient(ctx, option.WithMerchantCredential(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey),
		option.WithoutValidator(), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("wechat pay download client: %w", err)
	}
	handler, err := notify.NewRSANotifyHandler(cfg.APIv3Key, verifier)
	if err != nil {
		return nil, fmt.Errorf("wechat pay notify handler: %w", err)
	}
	return &Client{cfg: cfg, api: api, download: download, verifier: verifier, notify: handler, sleep: sleepCtx}, nil
}

// maxIdlePerHost keeps as many connections to WeChat Pay open as calls run at once (settlement
// keeps 16 in flight per replica): http.DefaultTransport keeps 2, so every other call paid for a
// new TCP and TLS handshake and left a socket in TIME_WAIT.
const maxIdlePerHost = 64

// transport is the HTTP transport of one client: the default one's settings, more idle
// connections per host.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 2*maxIdlePerHost, maxIdlePerHost
	return t
}

// NewFromConf is New on the configuration file's wechat section.
func NewFromConf(c *conf.Wechat) (*Client, error) {
	cfg, err := ConfigFrom(c)
	if err != nil {
		return nil, err
	}
	return New(context.Background(), cfg)
}

// Configured reports whether a merchant is configured.
func (c *Client) Configured() bool { return c.cfg != nil }

// rewriteHost sends every request to the configured host (the simulator).
type rewriteHost struct {
	target *url.URL
	base   http.RoundTripper
}

func (rt rewriteHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.target.Scheme, rt.target.Host, ""
	return rt.base.RoundTrip(r2)
}

// call runs one WeChat Pay operation with the retry policy. fn must send the same request every
// time. The error is mapped by kind (see mapErr).
func (c *Client) call(ctx context.Context, op string, kind errKind, fn func(ctx context.Context) error) error {
	if c.cfg == nil {
		return payment.ErrNotConfigured
	}
	r := c.cfg.Retry
	attempts := max(r.MaxAttempts, 1)
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(ctx)
		if err == nil {
			return nil
		}
		if !wxretry.RetryWithinCall(mapErr(err, kind)) || attempt >= attempts || ctx.Err() != nil {
			break
		}
		if serr := c.sleep(ctx, backoff(r, attempt)); serr != nil {
			break
		}
	}
	return fmt.Errorf("wechat pay %s: %w", op, mapErr(err, kind))
}

// backoff is the full-jitter wait after attempt n (1-based): uniform in [0, min(max, base·2ⁿ⁻¹)].
func backoff(r Retry, n int) time.Duration {
	return wxretry.Backoff{Base: r.BaseDelay, Max: r.MaxDelay}.Jittered(n)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transient tells the SDK errors that mapErr files under bizerr.ErrUnavailable or
// bizerr.ErrRateLimited, which wxretry.Transient then retries: WeChat's SYSTEM_ERROR and rate
// limits, any 5xx, and failures to get an answer at all.
func transient(err error) bool {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case codeSystemError, codeFrequencyLimited, codeRateLimitExceed, codeBankError:
			return true
		}
		return apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr) || errors.Is(err, context.DeadlineExceeded)
}
