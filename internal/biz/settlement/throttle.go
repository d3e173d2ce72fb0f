package settlement

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// throttle paces 请求分账 calls under WeChat's per-merchant limit. FREQUENCY_LIMITED halves the
// pace (other replicas share the limit, so WeChat's answer is the only global signal); every
// 100 calls answered without it win a tenth back, up to the configured rate.
type throttle struct {
	mu      sync.Mutex
	lim     *rate.Limiter
	ceiling rate.Limit
	good    int
}

func newThrottle(qps float64) *throttle {
	if qps <= 0 {
		return &throttle{}
	}
	return &throttle{lim: rate.NewLimiter(rate.Limit(qps), max(1, int(qps/10))), ceiling: rate.Limit(qps)}
}

func (t *throttle) wait(ctx context.Context) error {
	if t.lim == nil {
		return nil
	}
	return t.lim.Wait(ctx)
}

func (t *throttle) limited() {
	if t.lim == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.good = 0
	t.lim.SetLimit(max(t.lim.Limit()/2, 1))
}

func (t *throttle) ok() {
	if t.lim == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.good++; t.good >= 100 && t.lim.Limit() < t.ceiling {
		t.good = 0
		t.lim.SetLimit(min(t.lim.Limit()*1.1, t.ceiling))
	}
}
