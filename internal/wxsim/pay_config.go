package wxsim

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"
)

// WeChat Pay's defaults, each from its documentation.
const (
	// DemoMchID is the merchant `make run` uses; it is the example mchid of WeChat Pay's
	// documentation.
	DemoMchID = "1900000109"
	// DefaultMaxRatio is an ordinary merchant's maximum profit-sharing ratio in percent
	// (最大分账比例 30%).
	DefaultMaxRatio = 30
	// DefaultSharingWindow is how long a paid transaction's funds stay frozen for profit-sharing
	// before they unfreeze by themselves: 30 days for ordinary merchants (the design's
	// conservative reading; partner modes get 180).
	DefaultSharingWindow = 30 * 24 * time.Hour
	// DefaultNotifyTimeout is how long WeChat waits for the merchant to answer a notification
	// before it counts the attempt as failed (5 s).
	DefaultNotifyTimeout = 5 * time.Second
	// apiV3KeyLength is the APIv3 key's fixed length: 32 bytes, the AES-256 key.
	apiV3KeyLength = 32
)

// Manual, as a delay in PayConfig, means the step waits for its control call
// (CompleteRefund, SettleProfitSharing) instead of happening by itself.
const Manual time.Duration = -1

// DefaultNotifySchedule is WeChat Pay's back-off between notification attempts after the first
// one fails: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, about 24 h in all.
func DefaultNotifySchedule() []time.Duration {
	m, h := time.Minute, time.Hour
	return []time.Duration{
		15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * m, 10 * m, 20 * m, 30 * m,
		30 * m, 30 * m, 60 * m, 3 * h, 3 * h, 3 * h, 6 * h, 6 * h,
	}
}

// PayMerchant is one merchant (商户号) allowed to call the WeChat Pay API.
type PayMerchant struct {
	// PublicKey verifies the merchant's request signatures (the key of its API certificate).
	PublicKey *rsa.PublicKey
	// Serial is the merchant API certificate's serial number, the serial_no of its requests.
	Serial string
	// MaxRatio is the maximum profit-sharing ratio in percent; 0 means DefaultMaxRatio.
	MaxRatio int
	// ProfitSharingNotifyURL receives profit-sharing notifications (分账动账通知), which WeChat
	// sends to the URL set on the merchant platform rather than one given per request. Empty
	// means none are sent.
	ProfitSharingNotifyURL string
}

// PayConfig configures the WeChat Pay v3 half of the simulator. The zero value serves no
// merchant: every /v3/ request is then refused with SIGN_ERROR.
type PayConfig struct {
	// Merchants maps each mchid to its merchant.
	Merchants map[string]PayMerchant
	// APIv3Key is the 32-byte key notifications are encrypted with. Empty means a random one.
	APIv3Key string
	// PlatformKey signs responses and notifications and decrypts sensitive request fields; its
	// public half is the "WeChat Pay public key". Nil means a key generated on first use.
	PlatformKey *rsa.PrivateKey
	// PublicKeyID names PlatformKey in Wechatpay-Serial (PUB_KEY_ID_...). Empty means one
	// derived from the key.
	PublicKeyID string
	// AppIDs are the appids the merchants may pay and share for. Empty means Config.Apps.
	AppIDs []string
	// NotifySchedule is the wait before each retry of a failed notification; nil means
	// DefaultNotifySchedule. Tests shorten it.
	NotifySchedule []time.Duration
	// NotifyTimeout bounds one notification attempt; 0 means DefaultNotifyTimeout.
	NotifyTimeout time.Duration
	// NotifyClient sends notifications; nil means a client with NotifyTimeout.
	NotifyClient *http.Client
	// RefundDelay is how long (simulated time) a refund stays PROCESSING before it succeeds;
	// 0 means at once (still after the answer), Manual means only on CompleteRefund.
	RefundDelay time.Duration
	// SharingDelay is how long (simulated time) a profit-sharing or unfreeze order stays
	// PROCESSING; 0 means at once (after the answer), Manual means only on SettleProfitSharing.
	SharingDelay time.Duration
	// SharingWindow is how long after payment a transaction can be shared; 0 means
	// DefaultSharingWindow.
	SharingWindow time.Duration
	// FeeBasisPoints is WeChat's fee in 1/10000 of the amount (60 is the usual 0.6%); 0 means
	// no fee. Profit-sharing caps and bills are net of it.
	FeeBasisPoints int
	// DataDir, when set, keeps the pay state in DataDir/wxpay-state.json so it survives a
	// restart; pending notifications resume.
	DataDir string
	// BillBaseURL prefixes bill download_urls; empty means WeChat's own host, which the
	// service's host-rewriting transport sends to the simulator like any other call.
	BillBaseURL string
	// RateLimits maps a WeChat Pay operation (OpSharingCreateOrder, ...) to how many calls one
	// merchant may make of it in any second of simulator time; the excess is answered 429
	// FREQUENCY_LIMITED. Nil means WeChat's own figures (WeChatPayRateLimits), so the service
	// meets them in every test as it would in production; an empty map means no limit.
	// SetPayRateLimit changes them at runtime.
	RateLimits map[string]int
}

// ErrInvalidPayConfig reports a PayConfig the simulator cannot serve.
var ErrInvalidPayConfig = errors.New("wxsim: invalid pay config")

// wechatPayHost is where WeChat Pay's API lives (consts.WechatPayAPIServer in the SDK).
const wechatPayHost = "https://api.mch.weixin.qq.com"

// normalized checks c and fills in its defaults, leaving the caller's maps and slices alone.
func (c PayConfig) normalized(apps []string) (PayConfig, error) {
	if c.APIv3Key != "" && len(c.APIv3Key) != apiV3KeyLength {
		return c, fmt.Errorf("%w: the APIv3 key must be %d bytes, not %d", ErrInvalidPayConfig, apiV3KeyLength, len(c.APIv3Key))
	}
	for mchid, m := range c.Merchants {
		if m.PublicKey == nil || m.Serial == "" {
			return c, fmt.Errorf("%w: merchant %s needs a public key and a serial", ErrInvalidPayConfig, mchid)
		}
		if m.MaxRatio < 0 || m.MaxRatio > 100 {
			return c, fmt.Errorf("%w: merchant %s max ratio %d is not a percentage", ErrInvalidPayConfig, mchid, m.MaxRatio)
		}
	}
	if c.FeeBasisPoints < 0 || c.FeeBasisPoints >= 10000 {
		return c, fmt.Errorf("%w: fee %d basis points", ErrInvalidPayConfig, c.FeeBasisPoints)
	}
	for _, d := range c.NotifySchedule {
		if d < 0 {
			return c, fmt.Errorf("%w: negative notify delay %v", ErrInvalidPayConfig, d)
		}
	}
	for op, n := range c.RateLimits {
		if err := checkRateLimit(op, n); err != nil {
			return c, fmt.Errorf("%w: %w", ErrInvalidPayConfig, err)
		}
	}
	c.Merchants = maps.Clone(c.Merchants)
	c.RateLimits = maps.Clone(c.RateLimits)
	c.fillDefaults(apps)
	return c, nil
}

func (c *PayConfig) fillDefaults(apps []string) {
	if len(c.AppIDs) == 0 {
		c.AppIDs = apps
	}
	c.AppIDs = append([]string(nil), c.AppIDs...)
	if c.NotifySchedule == nil {
		c.NotifySchedule = DefaultNotifySchedule()
	}
	c.NotifySchedule = append([]time.Duration(nil), c.NotifySchedule...)
	if c.NotifyTimeout <= 0 {
		c.NotifyTimeout = DefaultNotifyTimeout
	}
	if c.NotifyClient == nil {
		c.NotifyClient = &http.Client{Timeout: c.NotifyTimeout}
	}
	if c.SharingWindow <= 0 {
		c.SharingWindow = DefaultSharingWindow
	}
	if c.BillBaseURL == "" {
		c.BillBaseURL = wechatPayHost
	}
	if c.RateLimits == nil {
		c.RateLimits = WeChatPayRateLimits()
	}
}

// maxRatio is merchant mchid's profit-sharing cap in percent.
func (c *PayConfig) maxRatio(mchid string) int64 {
	if r := c.Merchants[mchid].MaxRatio; r > 0 {
		return int64(r)
	}
	return DefaultMaxRatio
}

// fee is WeChat's fee on amount, rounded half up to the fen as WeChat's bills show it.
func (c *PayConfig) fee(amount int64) int64 {
	return (amount*int64(c.FeeBasisPoints) + 5000) / 10000
}
