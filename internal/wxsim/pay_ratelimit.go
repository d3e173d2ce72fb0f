package wxsim

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WeChat Pay limits how often one merchant (mchid) may call some APIs and answers the excess
// with HTTP 429 {"code":"FREQUENCY_LIMITED","message":…}, as its profit-sharing documents say
// ("如果超过频率限制,会报错FREQUENCY_LIMITED,请降低频率请求"). wechatpay-go's generated error
// tables for the same v3 APIs name RATELIMIT_EXCEED (also 429) instead; the simulator answers
// what WeChat's API pages say, and a client should treat the two codes alike.

// rateWindow is the span a limit counts in: WeChat states its limits as QPS.
const rateWindow = time.Second

// WeChatPayRateLimits returns WeChat Pay's documented per-merchant limits, in requests a
// second, of the profit-sharing APIs the service calls:
//
//   - 请求分账 (POST /v3/profitsharing/orders): 300. The v3 page for ordinary merchants
//     (pay.weixin.qq.com/docs/merchant/apis/profit-sharing/orders/create-order.html) states no
//     figure; the v3 page of the same API for platforms says "单个交易收款商户(请求分账)
//     300QPS" (https://pay.weixin.qq.com/doc/v3/partner/4012691594), which is the figure the
//     service's settlement is built for. The older v2 document
//     (https://pay.weixin.qq.com/wiki/doc/api/allocation.php?chapter=27_1&index=1) gave a
//     receiving merchant 30 QPS: set the limit lower to rehearse it.
//   - 查询分账结果 (GET /v3/profitsharing/orders/{out_order_no}): 80, "接口频率:80QPS"
//     (https://pay.weixin.qq.com/wiki/doc/api/allocation.php?chapter=27_2&index=3; the v3 page
//     states none).
//   - 解冻剩余资金 (POST /v3/profitsharing/orders/unfreeze): 60, "单个分账接收方商户(分账完结)
//     60QPS" (https://pay.weixin.qq.com/docs/partner/apis/ecommerce-profit-sharing/orders/finish-order.html).
//     WeChat words it per receiving merchant; for an ordinary merchant, which unfreezes to
//     itself, that is the calling mchid the simulator counts by.
//   - 请求分账回退 (POST /v3/profitsharing/return-orders): 30, "接口频率:30QPS"
//     (https://pay.weixin.qq.com/doc/v2/merchant/4011984166; the v3 page states none).
func WeChatPayRateLimits() map[string]int {
	return map[string]int{
		OpSharingCreateOrder:  300,
		OpSharingQueryOrder:   80,
		OpSharingUnfreeze:     60,
		OpSharingCreateReturn: 30,
	}
}

// ErrInvalidRateLimit reports a rate limit on something that is not a WeChat Pay operation, or
// a negative one.
var ErrInvalidRateLimit = errors.New("wxsim: invalid rate limit")

// checkRateLimit checks one operation's limit; 0 means none.
func checkRateLimit(op string, perSecond int) error {
	if !payOperations[op] {
		return fmt.Errorf("%w: %q is not a WeChat Pay operation", ErrInvalidRateLimit, op)
	}
	if perSecond < 0 {
		return fmt.Errorf("%w: %s: %d requests a second", ErrInvalidRateLimit, op, perSecond)
	}
	return nil
}

// LimitedCalls is what one operation's limit refused: how many calls were answered
// FREQUENCY_LIMITED, and when the first and the last were (simulator time).
type LimitedCalls struct {
	Count int64     `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// rateKey is one merchant's use of one operation.
type rateKey struct{ op, mchid string }

// rateLimiter enforces the per-merchant limits. One lock covers all of it: a check is a map
// look-up and a few comparisons, far cheaper than the request around it.
type rateLimiter struct {
	mu      sync.Mutex
	limits  map[string]int // operation → requests a second per merchant
	windows map[rateKey]*slidingWindow
	limited map[string]*LimitedCalls
}

func newRateLimiter(limits map[string]int) *rateLimiter {
	l := &rateLimiter{limits: map[string]int{}, windows: map[rateKey]*slidingWindow{},
		limited: map[string]*LimitedCalls{}}
	for op, n := range limits {
		if n > 0 {
			l.limits[op] = n
		}
	}
	return l
}

// refuse admits a call of op by mchid at now and returns 0, or records it as refused and
// returns the limit it broke.
func (l *rateLimiter) refuse(op, mchid string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limits[op]
	if limit == 0 {
		return 0
	}
	k := rateKey{op, mchid}
	w := l.windows[k]
	if w == nil {
		w = newSlidingWindow(limit)
		l.windows[k] = w
	}
	if w.admit(now) {
		return 0
	}
	l.record(op, now)
	return limit
}

func (l *rateLimiter) record(op string, now time.Time) {
	c := l.limited[op]
	if c == nil {
		c = &LimitedCalls{First: now}
		l.limited[op] = c
	}
	c.Count++
	c.Last = now
}

// set changes op's limit (0 removes it). Every merchant's window of op starts afresh, since
// the calls it holds were admitted under the old limit.
func (l *rateLimiter) set(op string, perSecond int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond == 0 {
		delete(l.limits, op)
	} else {
		l.limits[op] = perSecond
	}
	for k := range l.windows {
		if k.op == op {
			delete(l.windows, k)
		}
	}
}

func (l *rateLimiter) snapshot() (map[string]int, map[string]LimitedCalls) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limited := make(map[string]LimitedCalls, len(l.limited))
	for op, c := range l.limited {
		limited[op] = *c
	}
	return maps.Clone(l.limits), limited
}

func (l *rateLimiter) resetLimited() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, c := range l.limited {
		n += c.Count
	}
	clear(l.limited)
	return n
}

// slidingWindow holds the times of the last calls it admitted, at most its limit of them, in
// a ring whose oldest entry is at next once full. It admits a call when fewer than limit calls
// were admitted in the second before it: the strictest reading of "N QPS", so a client that
// never meets it here meets neither a calendar-second window nor a token bucket of N a second
// at WeChat. Refused calls are not recorded, so a client retrying too fast is still served at
// the limit, never locked out.
type slidingWindow struct {
	times []time.Time
	next  int
}

func newSlidingWindow(limit int) *slidingWindow {
	return &slidingWindow{times: make([]time.Time, 0, limit)}
}

func (w *slidingWindow) admit(now time.Time) bool {
	if len(w.times) < cap(w.times) {
		w.times = append(w.times, now)
		return true
	}
	if now.Sub(w.times[w.next]) < rateWindow {
		return false
	}
	w.times[w.next] = now
	w.next = (w.next + 1) % len(w.times)
	return true
}

// frequencyLimited is the answer to a refused call.
func frequencyLimited(perSecond int) *payError {
	return newPayError(PayCodeFrequencyLimited, fmt.Sprintf("商户请求频率超过限制(每秒%d次)，请降低频率后重试", perSecond))
}

// checkRate applies op's limit to a call by mchid; nil admits it.
func (s *Simulator) checkRate(op, mchid string) *payError {
	if limit := s.pay.limiter.refuse(op, mchid, s.now()); limit > 0 {
		return frequencyLimited(limit)
	}
	return nil
}

// PayRateLimits returns the per-merchant limits in force: operation → requests a second.
func (s *Simulator) PayRateLimits() map[string]int {
	limits, _ := s.pay.limiter.snapshot()
	return limits
}

// SetPayRateLimit sets how many calls of op one merchant may make in any second; 0 removes the
// limit. The merchants' windows of op start afresh.
func (s *Simulator) SetPayRateLimit(op string, perSecond int) error {
	if err := checkRateLimit(op, perSecond); err != nil {
		return err
	}
	s.pay.limiter.set(op, perSecond)
	return nil
}

// FrequencyLimited returns, per operation, the calls answered FREQUENCY_LIMITED by the rate
// limits since the simulator started or ResetFrequencyLimited (injected PayFaults are not
// counted).
func (s *Simulator) FrequencyLimited() map[string]LimitedCalls {
	_, limited := s.pay.limiter.snapshot()
	return limited
}

// ResetFrequencyLimited forgets the refused calls and says how many there were.
func (s *Simulator) ResetFrequencyLimited() int64 { return s.pay.limiter.resetLimited() }

// ParseRateLimits reads the simulator command's -rate-limits flag: "wechat" for
// WeChatPayRateLimits, "off" or "" for none, or "operation=n,..." for exactly those.
func ParseRateLimits(spec string) (map[string]int, error) {
	switch strings.TrimSpace(spec) {
	case "wechat":
		return WeChatPayRateLimits(), nil
	case "off", "":
		return map[string]int{}, nil
	}
	limits := map[string]int{}
	for item := range strings.SplitSeq(spec, ",") {
		op, n, ok := strings.Cut(strings.TrimSpace(item), "=")
		perSecond, err := strconv.Atoi(n)
		if !ok || err != nil {
			return nil, fmt.Errorf("%w: %q is not operation=requests-a-second", ErrInvalidRateLimit, item)
		}
		if _, dup := limits[op]; dup {
			return nil, fmt.Errorf("%w: %s given twice", ErrInvalidRateLimit, op)
		}
		if err := checkRateLimit(op, perSecond); err != nil {
			return nil, err
		}
		limits[op] = perSecond
	}
	return limits, nil
}
