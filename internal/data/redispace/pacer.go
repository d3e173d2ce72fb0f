// Package redispace implements pace.Pacer with a token bucket per merchant and operation in
// Redis, shared by every replica, so the merchant's calls together keep within WeChat Pay's
// per-merchant limits. When Redis does not answer, each replica paces itself alone at the
// rate divided by the most replicas there may be: slower than the shared pace, never faster.
package redispace

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// Config is the merchant's pace.
type Config struct {
	// MchID is the merchant WeChat counts the calls of.
	MchID string
	// Rates are calls a second for the whole merchant, per operation; an operation without a
	// positive rate is not paced.
	Rates map[pace.Op]float64
	// Backoff is how long a FREQUENCY_LIMITED answer slows the operation down.
	Backoff time.Duration
	// MaxReplicas is the most replicas that call WeChat at once: without Redis each one paces
	// itself at rate / MaxReplicas.
	MaxReplicas int
}

const (
	// redisTimeout bounds one script call: a Redis that hangs makes a caller wait this long,
	// then fall back (slower, never faster).
	redisTimeout = 500 * time.Millisecond
	// downFor is how long after a failed script call the local pace is used without asking
	// Redis again, so a Redis that is down costs one failed call a second, not one a permit.
	downFor = time.Second
	// minSlow is the least fraction of the rate repeated FREQUENCY_LIMITED answers go down to.
	minSlow = 0.125
	// warnEvery spaces out the warnings of a Redis that does not answer.
	warnEvery = 10 * time.Second
)

// Pacer paces the merchant's calls; it is safe for concurrent use.
type Pacer struct {
	rdb     redis.UniversalClient
	buckets map[pace.Op]*bucket
	backoff time.Duration
	log     *log.Helper
	// downUntil (unix ns) is when Redis is asked again after a failure.
	downUntil atomic.Int64
	lastWarn  atomic.Int64
}

// bucket is one operation's pace: the shared bucket's key and rate, and the local fallback.
type bucket struct {
	key   string
	rate  float64
	burst int
	ttl   time.Duration
	local *localPace
}

// New builds the merchant's pacer on rdb, its keys under prefix.
func New(rdb redis.UniversalClient, prefix redisdb.KeyPrefix, cfg Config, logger log.Logger) (*Pacer, error) {
	if cfg.MaxReplicas < 1 || cfg.Backoff < 0 {
		return nil, fmt.Errorf("wechat pace: max_replicas %d, backoff %s: %w", cfg.MaxReplicas, cfg.Backoff, errInvalid)
	}
	p := &Pacer{rdb: rdb, buckets: map[pace.Op]*bucket{}, backoff: cfg.Backoff, log: log.NewHelper(logger)}
	for op, r := range cfg.Rates {
		if r <= 0 {
			continue
		}
		p.buckets[op] = &bucket{
			// One hash tag per merchant and operation: each bucket is one key in one slot.
			key:   prefix.Key("pace", "{"+cfg.MchID+":"+string(op)+"}"),
			rate:  r,
			burst: Burst(r),
			// An idle bucket is full: the key may go once it would have refilled.
			ttl:   time.Duration(float64(Burst(r))/r*float64(time.Second)) + cfg.Backoff + time.Minute,
			local: newLocalPace(r / float64(cfg.MaxReplicas)),
		}
	}
	return p, nil
}

var errInvalid = errors.New("invalid configuration")

// Burst is how many calls a full bucket of rate lets through at once: a tenth of a second's
// worth (at least one), so any one second sees at most 1.1 × rate calls.
func Burst(rate float64) int { return max(1, int(rate/10)) }

// Wait blocks until a call of op may be made, or ctx ends.
func (p *Pacer) Wait(ctx context.Context, op pace.Op) error {
	b := p.buckets[op]
	if b == nil {
		return nil
	}
	if time.Now().UnixNano() >= p.downUntil.Load() {
		wait, err := p.reserve(ctx, b)
		if err == nil {
			return sleep(ctx, wait)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.down(op, err)
	}
	return b.local.wait(ctx)
}

// reserve takes a permit of the shared bucket and says how long to wait for it.
func (p *Pacer) reserve(ctx context.Context, b *bucket) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	us, err := reserveScript.Run(ctx, p.rdb, []string{b.key},
		strconv.FormatFloat(b.rate, 'f', -1, 64), b.burst, b.ttl.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("reserve %s: %w", b.key, err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Limited slows op down for every replica (and this one's local pace, in case Redis is down
// now or later within the back-off).
func (p *Pacer) Limited(ctx context.Context, op pace.Op) {
	b := p.buckets[op]
	if b == nil {
		return
	}
	b.local.slow(p.backoff)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	err := limitedScript.Run(ctx, p.rdb, []string{b.key}, p.backoff.Microseconds(),
		strconv.FormatFloat(minSlow, 'f', -1, 64), b.ttl.Milliseconds()).Err()
	if err != nil {
		p.down(op, fmt.Errorf("slow down %s: %w", b.key, err))
	}
}

// down switches to the local pace for a while after Redis failed, with a warning now and then.
func (p *Pacer) down(op pace.Op, err error) {
	now := time.Now()
	p.downUntil.Store(now.Add(downFor).UnixNano())
	if last := p.lastWarn.Load(); now.UnixNano()-last >= int64(warnEvery) && p.lastWarn.CompareAndSwap(last, now.UnixNano()) {
		p.log.Warnw("msg", "WeChat Pay pace: Redis does not answer; this replica paces itself alone, slower",
			"op", string(op), "error", err)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// localPace is one replica's own pace when Redis does not answer: its share of the merchant's
// rate, halved for the back-off after a FREQUENCY_LIMITED answer.
type localPace struct {
	lim       *rate.Limiter
	base      rate.Limit
	mu        sync.Mutex
	slowUntil time.Time
}

func newLocalPace(perSecond float64) *localPace {
	return &localPace{lim: rate.NewLimiter(rate.Limit(perSecond), 1), base: rate.Limit(perSecond)}
}

func (l *localPace) wait(ctx context.Context) error {
	l.mu.Lock()
	if !l.slowUntil.IsZero() && time.Now().After(l.slowUntil) {
		l.slowUntil = time.Time{}
		l.lim.SetLimit(l.base)
	}
	l.mu.Unlock()
	return l.lim.Wait(ctx)
}

func (l *localPace) slow(backoff time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slowUntil = time.Now().Add(backoff)
	l.lim.SetLimit(max(l.lim.Limit()/2, l.base*minSlow))
}
