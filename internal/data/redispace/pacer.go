// Package redispace implements pace.Pacer with a token bucket per merchant and operation in
// Redis, shared by every replica, so the merchant's calls together keep within WeChat Pay's
// per-merchant limits. When Redis does not answer, each replica paces itself alone at the
// rate divided by the most replicas there may be: slower than the shared pace, never faster.
//
// Redis may fail for some replicas only (a partition, one replica's connections). Those pace
// themselves at rate / MaxReplicas while the others still share the bucket, so the bucket must
// leave them their part, though they cannot tell it they are away. Each bucket therefore keeps
// the replicas that took a permit lately, each with the time of its last one:
//
//   - a replica silent for longer than grace is presumed to be on its own pace, and the bucket
//     refills slower by rate / MaxReplicas for each such replica (never below that share);
//   - a replica that loses Redis takes its own pace only from grace after its last permit
//     (until then it waits: the others do not discount it yet), and only until forget − grace
//     after it, when the others forget it; past that it waits for Redis again;
//   - a replica silent for longer than forget is dropped: it stopped, or it waits.
//
// So with at most MaxReplicas replicas the merchant's calls stay within the rate whichever
// replicas can reach Redis: the bucket runs at rate × (1 − away / MaxReplicas) and each away
// replica at rate / MaxReplicas. A replica that has not reached Redis since it started is in no
// bucket's list and waits for Redis (calls nothing); one merely idle is discounted too, for up
// to forget: slower, never faster.
package redispace

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	// grace and forget are defaultGrace and defaultForget unless a test shortens them.
	grace, forget time.Duration
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
	// defaultGrace is how long after its last permit a replica is presumed away (on its own
	// pace): longer than a failed call (redisTimeout) and the wait before the next (downFor).
	defaultGrace = 2 * time.Second
	// defaultForget is how long after its last permit a replica is dropped from a bucket's list.
	defaultForget = 30 * time.Second
)

// Pacer paces the merchant's calls; it is safe for concurrent use.
type Pacer struct {
	rdb     redis.UniversalClient
	buckets map[pace.Op]*bucket
	backoff time.Duration
	log     *log.Helper
	// id names this replica in the buckets' lists of replicas.
	id            string
	maxReplicas   int
	grace, forget time.Duration
	// downUntil (unix ns) is when Redis is asked again after a failure.
	downUntil atomic.Int64
	lastWarn  atomic.Int64
}

// bucket is one operation's pace: the shared bucket's key and rate, its list of replicas, and
// the local fallback.
type bucket struct {
	key      string
	replicas string
	rate     float64
	// ttl is how long the pace's key outlives its next permit: the back-off, and a minute.
	ttl   time.Duration
	local *localPace
	// lastPermit (unix ns) is when Redis last gave this replica a permit; 0: never.
	lastPermit atomic.Int64
}

// New builds the merchant's pacer on rdb, its keys under prefix.
func New(rdb redis.UniversalClient, prefix redisdb.KeyPrefix, cfg Config, logger log.Logger) (*Pacer, error) {
	if cfg.MaxReplicas < 1 || cfg.Backoff < 0 {
		return nil, fmt.Errorf("wechat pace: max_replicas %d, backoff %s: %w", cfg.MaxReplicas, cfg.Backoff, errInvalid)
	}
	if cfg.grace == 0 {
		cfg.grace, cfg.forget = defaultGrace, defaultForget
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	p := &Pacer{rdb: rdb, buckets: map[pace.Op]*bucket{}, backoff: cfg.Backoff, log: log.NewHelper(logger),
		id: hex.EncodeToString(id), maxReplicas: cfg.MaxReplicas, grace: cfg.grace, forget: cfg.forget}
	for op, r := range cfg.Rates {
		if r <= 0 {
			continue
		}
		// One hash tag per merchant and operation: a bucket and its list are in one slot.
		tag := "{" + cfg.MchID + ":" + string(op) + "}"
		p.buckets[op] = &bucket{
			key:      prefix.Key("pace", tag),
			replicas: prefix.Key("pace", tag, "replicas"),
			rate:     r,
			ttl:      cfg.Backoff + time.Minute,
			local:    newLocalPace(r / float64(cfg.MaxReplicas)),
		}
	}
	return p, nil
}

var errInvalid = errors.New("invalid configuration")

// Wait blocks until a call of op may be made, or ctx ends; pace.ErrPastDeadline at once if the
// permit would come after ctx's deadline.
func (p *Pacer) Wait(ctx context.Context, op pace.Op) error {
	b := p.buckets[op]
	if b == nil {
		return nil
	}
	for {
		if time.Now().UnixNano() >= p.downUntil.Load() {
			wait, err := p.reserve(ctx, b)
			if err == nil {
				return sleep(ctx, wait)
			}
			if ctx.Err() != nil || errors.Is(err, pace.ErrPastDeadline) {
				return cmp.Or(ctx.Err(), err)
			}
			p.down(op, err)
		}
		from, until := p.away(b)
		now := time.Now().UnixNano()
		if now >= from && now < until {
			return b.local.wait(ctx)
		}
		// Not counted away by the others (yet, or any more): wait for Redis, or for the grace.
		next := p.downUntil.Load()
		if from > now {
			next = min(next, from)
		}
		if err := sleep(ctx, time.Duration(next-now)); err != nil {
			return err
		}
	}
}

// away is when (unix ns) the other replicas count this one away from b, and when they forget
// it: its own pace is within the merchant's rate only in between. Never given a permit, it is
// not counted at all.
func (p *Pacer) away(b *bucket) (from, until int64) {
	last := b.lastPermit.Load()
	if last == 0 {
		return 0, 0
	}
	return last + int64(p.grace), last + int64(p.forget-p.grace)
}

// reserve takes a permit of the shared bucket and says how long to wait for it; none is taken
// if the wait would outlast ctx (pace.ErrPastDeadline).
func (p *Pacer) reserve(ctx context.Context, b *bucket) (time.Duration, error) {
	bound := int64(-1)
	if deadline, ok := ctx.Deadline(); ok {
		bound = max(time.Until(deadline).Microseconds(), 0)
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	us, err := reserveScript.Run(ctx, p.rdb, []string{b.key, b.replicas},
		strconv.FormatFloat(b.rate, 'f', -1, 64), b.ttl.Milliseconds(),
		p.id, p.maxReplicas, p.grace.Microseconds(), p.forget.Microseconds(), bound).Int64()
	if err != nil {
		return 0, fmt.Errorf("reserve %s: %w", b.key, err)
	}
	if us < 0 {
		return 0, pace.ErrPastDeadline
	}
	// Noted after the answer: at or after the time Redis recorded, so this replica's grace
	// never ends before the others count it away.
	b.lastPermit.Store(time.Now().UnixNano())
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
	if err := l.lim.Wait(ctx); err != nil {
		if ctx.Err() == nil { // rate.Limiter refuses a wait beyond the deadline, taking nothing
			return fmt.Errorf("%w: %w", pace.ErrPastDeadline, err)
		}
		return err
	}
	return nil
}

func (l *localPace) slow(backoff time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slowUntil = time.Now().Add(backoff)
	l.lim.SetLimit(max(l.lim.Limit()/2, l.base*minSlow))
}
