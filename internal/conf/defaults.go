package conf

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
)

// ApplyDefaults fills every unset setting of bc with its default: this file is where a
// setting's default is found. Load calls it, so the rest of the program reads settled values
// and keeps only the checks that refuse nonsense.
//
// "Unset" is what the program has always taken it to be; the helper of each line says which:
//   - pos, durPos: absent, zero or negative;
//   - zero, durZero: absent or zero (a negative value is kept for the check that refuses it);
//   - durAbsent: only absent ("0s" in the file means none);
//   - str: empty.
//
// A setting missing here has no default: empty means off or none, as conf.proto says.
func ApplyDefaults(bc *Bootstrap) {
	defaultServer(ensure(&bc.Server))
	defaultData(ensure(&bc.Data))
	defaultAuth(ensure(&bc.Auth))
	defaultWechat(ensure(&bc.Wechat))
	defaultGeo(ensure(&bc.Geo))
	defaultLeaders(ensure(&bc.Leaders))
	defaultCommission(ensure(&bc.Commission))
	defaultSettlement(ensure(&bc.Settlement), bc.Commission) // after commission: max_ratio_bp follows cap_bp
	defaultCheckout(ensure(&bc.Checkout))
	str(&ensure(&bc.Promotions).CouponCounter, "redis")
	defaultShipping(ensure(&bc.Shipping))
	defaultDemo(ensure(&bc.Demo))
	defaultEvents(ensure(&bc.Events))
	defaultDailyJobs(ensure(&bc.DailyJobs))
	defaultLayers(ensure(&bc.Layers))
	// catalog.banned_words: empty is the built-in list, catalog.DefaultBannedWords (the
	// advertising-law list is domain knowledge and stays with the check that uses it).
}

// defaultLayers are the founding document's layers and RFM cut points for a neighbourhood
// group-buy (layer.DefaultRules holds the same numbers for the domain's tests).
func defaultLayers(l *Layers) {
	zero(&l.NewDays, 30)
	zero(&l.ActiveDays, 30) // "a month"
	zero(&l.ActiveMin, 3)
	zero(&l.ActiveMax, 5)
	zero(&l.LoyalDays, 90) // "a quarter"
	zero(&l.LoyalMin, 5)
	zero(&l.DormantDays, 180) // "six months"
	zero(&l.RfmDays, 365)
	if len(l.RecencyDays) == 0 {
		l.RecencyDays = []int32{7, 30, 90, 180}
	}
	if len(l.FrequencyOrders) == 0 {
		l.FrequencyOrders = []int32{2, 3, 5, 10}
	}
	if len(l.MonetaryFen) == 0 {
		l.MonetaryFen = []int64{5_000, 20_000, 50_000, 100_000}
	}
}

func defaultServer(s *Server) {
	pos(&ensure(&s.Http).MaxBodyBytes, 1<<20) // far above any request of this API, far below what could hurt the server
	durAbsent(&s.Drain, 5*time.Second)        // long enough for a load balancer's health check to see /readyz fail
}

func defaultEvents(e *Events) {
	pos(&e.RateLimit, 600) // ten a second on average: far above a browsing shopper, far below a script
	durPos(&e.RateWindow, time.Minute)
}

func defaultData(d *Data) {
	r := ensure(&d.Redis)
	durPos(&r.DialTimeout, 5*time.Second)
	durPos(&r.ReadTimeout, 3*time.Second)
	durPos(&r.WriteTimeout, 3*time.Second)
}

func defaultAuth(a *Auth) {
	durPos(&a.AccessTtl, 2*time.Hour)
	durPos(&a.RefreshTtl, 30*24*time.Hour)
	c := ensure(&a.Console)
	pos(&c.MaxFailedAttempts, 5)
	durPos(&c.Lockout, 15*time.Minute)
	pos(&c.MaxPasswordChecks, 2) // argon2id holds 64 MiB a check: logins stay under 128 MiB, both cores busy
}

func defaultWechat(w *Wechat) {
	durPos(&w.Timeout, 5*time.Second) // the mini-program server API
	p := ensure(&w.Pay)
	durPos(&p.Timeout, 10*time.Second) // one HTTP attempt
	r := ensure(&p.Retry)
	pos(&r.MaxAttempts, 4) // with the delays below: at most about 3.4 s of back-off a call
	durPos(&r.BaseDelay, 200*time.Millisecond)
	durPos(&r.MaxDelay, 2*time.Second)
}

func defaultGeo(g *Geo) {
	zero(&g.GridRes, 7)                  // H3 hexagons of about 5 km²: an operations grid (geo.DefaultGridRes)
	zero(&g.PickupRes, 9)                // about 0.1 km²: a pickup point (geo.DefaultPickupRes)
	zero(&g.MaxRadiusM, 3000)            // metres: a walk to a pickup point
	durPos(&g.IndexRefresh, time.Second) // bounds how long an approval takes to show in nearby searches
}

func defaultLeaders(l *Leaders) {
	durPos(&l.RebindInterval, 24*time.Hour)
	zero(&l.CommissionLevels, 2) // level 0 and one recruiting level
	durPos(&l.FirstChoiceGrace, 30*time.Minute)
}

func defaultCommission(c *Commission) {
	zero(&c.CapBp, 3000) // WeChat Pay's default maximum profit-sharing ratio of a merchant, 30%
}

func defaultSettlement(s *Settlement, c *Commission) {
	durZero(&s.FreezeWindow, 30*24*time.Hour) // an ordinary merchant; 180 days on the platform modes
	durZero(&s.WarnBefore, 5*24*time.Hour)
	zero(&s.MaxRatioBp, c.GetCapBp()) // both are WeChat's maximum profit-sharing ratio of the merchant
	// fee_bp 0: no fee.
	zero(&s.Concurrency, 16)
	zero(&s.ClaimBatch, 4*s.GetConcurrency()) // enough queued for every call in flight
	durZero(&s.Lease, time.Minute)
	durZero(&s.PollAfter, 2*time.Second)
	durZero(&s.RetryAfter, time.Second)
	durZero(&s.RetryMax, 5*time.Minute)
	zero(&s.SelectBatch, 500)
	zero(&s.FinishBatch, 64) // one commit and one clearing-balance update for this many payouts
	durPos(&s.WorkerIdle, time.Second)
	durPos(&s.SettleMargin, 2*24*time.Hour) // time for settlement runs and their retries
	defaultWeChatPace(ensure(&s.WechatPace))
}

// defaultWeChatPace is 90% of WeChat Pay's per-merchant limits (internal/wxsim's
// WeChatPayRateLimits lists their sources): the tenth kept in hand absorbs the jitter of the
// calls' way to WeChat, which counts them as they arrive.
func defaultWeChatPace(p *Settlement_WeChatPace) {
	pos(&p.CreateOrder, 270) // 请求分账: 300
	pos(&p.QueryOrder, 72)   // 查询分账结果: 80
	pos(&p.Unfreeze, 54)     // 解冻剩余资金: 60
	pos(&p.CreateReturn, 27) // 请求分账回退: 30
	durPos(&p.Backoff, 5*time.Second)
	pos(&p.MaxReplicas, 4)
}

func defaultCheckout(c *Checkout) {
	durPos(&c.OrderTtl, 15*time.Minute) // WeChat's time_expire too
	str(&c.StockCounter, "redis")
	durPos(&c.AfterSalesWindow, 48*time.Hour)
	durPos(&c.PickupOverdueAfter, 72*time.Hour)
	durPos(&c.Tick, time.Second)
	durPos(&c.CheckoutDeadline, 3*time.Second) // a stock rebuild pauses the sale this long
}

func defaultShipping(s *Shipping) {
	durPos(&s.UndeclaredAfter, 48*time.Hour)
	durPos(&s.RetryMaxDelay, time.Hour) // the wait doubles from 10 s up to it
	durPos(&s.Tick, 2*time.Second)
	durPos(&s.UndeclaredLookback, 90*24*time.Hour)
}

func defaultDemo(d *Demo) {
	durPos(&d.BatchWindow, 48*time.Hour) // `make run QUICK=1` sets minutes
}

// ensure is *p, made first when absent.
func ensure[T any](p **T) *T {
	if *p == nil {
		*p = new(T)
	}
	return *p
}

type number interface{ ~int32 | ~int64 | ~float64 }

// pos sets v unless *p is positive.
func pos[T number](p *T, v T) {
	if *p <= 0 {
		*p = v
	}
}

// zero sets v when *p is zero.
func zero[T number](p *T, v T) {
	if *p == 0 {
		*p = v
	}
}

func str(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// durPos sets d unless *p is a positive duration.
func durPos(p **durationpb.Duration, d time.Duration) {
	if (*p).AsDuration() <= 0 {
		*p = durationpb.New(d)
	}
}

// durZero sets d when *p is absent or zero.
func durZero(p **durationpb.Duration, d time.Duration) {
	if (*p).AsDuration() == 0 {
		*p = durationpb.New(d)
	}
}

// durAbsent sets d when *p is absent.
func durAbsent(p **durationpb.Duration, d time.Duration) {
	if *p == nil {
		*p = durationpb.New(d)
	}
}

func defaultDailyJobs(d *DailyJobs) {
	str(&d.At, "02:00")                   // after midnight's stragglers, before ops look at yesterday
	pos(&d.CatchUpDays, 7)                // a week of outage is made up on its own
	durPos(&d.Poll, time.Minute)          // a due day starts within a minute
	durPos(&d.Lease, 30*time.Minute)      // far above a rollup of a million orders
	durPos(&d.RetryAfter, 15*time.Minute) // a failing day does not hammer the database
}
