package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// WeChat counts 请求分账 per merchant, whatever the number of servers calling it. Two server
// processes on one database, Redis and simulator settle one run of paceOrders transactions
// with the simulator's limit lowered to paceLimit a second (WeChat: 300) and the servers'
// merchant-wide pace at 90% of it. Both work the run, and together they stay within the
// limit: no FREQUENCY_LIMITED answer after the run's first second, and no second, measured at
// the simulator, with more calls than the limit.
func TestSettlementPaceAcrossTwoServers(t *testing.T) {
	const (
		paceLimit  = 30  // the simulator's 请求分账 limit, calls a second per merchant
		pace       = 27  // the servers' pace: 90% of it (a second may see 1.1 × the pace)
		paceOrders = 150 // about 5.5 s of 请求分账 at that pace
		afterSales = 8 * time.Second
	)
	// Each server reaches the simulator through a proxy of its own that counts its 请求分账
	// calls: both servers must have worked the run.
	viaA, viaB := newCountingProxy(t), newCountingProxy(t)
	s := startWith(t, options{payKeys: lcPayKeys(t), payConfig: func(c *wxsim.PayConfig) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
		c.RateLimits = map[string]int{wxsim.OpSharingCreateOrder: paceLimit}
	}, env: []string{
		"GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=" + afterSales.String(),
		fmt.Sprintf("GROUPBUY_SETTLEMENT_PACE_CREATE_ORDER=%d", pace),
		"GROUPBUY_WECHAT_PAY_API_BASE=" + viaA.url,
	}})
	viaA.to(s.simURL)
	viaB.to(s.simURL)
	other := *s
	other.env = append(slices.Clone(s.env), "GROUPBUY_WECHAT_PAY_API_BASE="+viaB.url)
	other.moveTo(freeAddr(t), freeAddr(t), freeAddr(t))
	other.serve()
	w := &lcWorld{stack: s, cell: s.serveGrid(square, "人民广场")}
	leaderTok, profile := s.becomeLeader("o-e2e-pace-leader", offset(square, 100, 100), "")
	w.leaderTok, w.leaderID = leaderTok, fmt.Sprint(profile.body["id"])
	w.skus[0], w.skus[1] = s.coSKU("阳山水蜜桃"), s.coSKU("土鸡蛋")

	// paceOrders orders of one unit at 1000 fen, 10% commission each: one transaction each.
	const window = 30 * time.Second
	batchID, items := w.batch("周日鲜果", time.Second, window, lcItem{0, 1000, paceOrders})
	type placed struct{ tok, id string }
	var orders []placed
	var toks []string
	for i := range 5 {
		toks = append(toks, w.shopper(fmt.Sprintf("o-e2e-pace-shopper-%d", i)))
	}
	for i := range paceOrders {
		tok := toks[i%len(toks)]
		o := w.place(tok, fmt.Sprintf("pace-order-%d", i), batchID, items, []int{1000}, 1)
		id := fmt.Sprint(o.body["id"])
		w.payParams(tok, id)
		w.payAtSim(id)
		orders = append(orders, placed{tok, id})
	}
	lcWait(t, "every order paid", 60*time.Second, func() (bool, string) {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM orders WHERE status = 'paid'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == paceOrders, fmt.Sprintf("%d paid", n)
	})

	// Cut-off, dispatch, arrival, every bag handed out, and the after-sales window passes.
	w.batchStatus(batchID, "closed", window+15*time.Second)
	s.call("POST", "/v1/ops/batches/"+batchID+"/dispatch", s.ops(), "{}").must(t)
	s.call("POST", "/v1/leader/batches/"+batchID+"/arrival", leaderTok, "{}").must(t)
	for _, o := range orders {
		code := w.order(o.tok, o.id).str("pickupCode")
		s.call("POST", "/v1/leader/pickups", leaderTok, map[string]string{"code": code}).must(t)
	}
	lcWait(t, "the commission settleable", afterSales+60*time.Second, func() (bool, string) {
		bal := s.call("GET", "/v1/leader/commission/balance", leaderTok, nil).must(t)
		return coInt(bal.body["pendingFen"]) == 0 && coInt(bal.body["settleableFen"]) == 100*paceOrders, string(bal.raw)
	})

	// Finance starts the run on one server; the other's worker finds it within worker_idle.
	s.sim.ResetFrequencyLimited()
	meter := startCallMeter(s.sim, wxsim.OpSharingCreateOrder)
	finance := s.token(identity.SubjectConsole, 2, time.Hour, identity.RoleFinance)
	run := s.call("POST", "/v1/finance/settlement/runs", finance, `{"idempotencyKey":"pace-run-1"}`).must(t)
	runID := fmt.Sprint(run.body["id"])
	lcWait(t, "the settlement run done", 120*time.Second, func() (bool, string) {
		r := s.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
		return r.str("state") == "done", string(r.raw)
	})
	samples := meter.stop()
	r := other.call("GET", "/v1/finance/settlement/runs/"+runID, finance, nil).must(t)
	if sum, _ := r.body["summary"].(map[string]any); coInt(sum["sharedFen"]) != 100*paceOrders {
		t.Errorf("run summary: %s, want %d fen shared", r.raw, 100*paceOrders)
	}

	a, b := viaA.creates.Load(), viaB.creates.Load()
	if a == 0 || b == 0 {
		t.Errorf("请求分账 calls: %d from one server, %d from the other; want both working the run", a, b)
	}

	first, last, total := samples.span()
	if total < paceOrders {
		t.Fatalf("%d 请求分账 calls seen, want at least %d", total, paceOrders)
	}
	limited := s.sim.FrequencyLimited()[wxsim.OpSharingCreateOrder]
	if limited.Count > 0 && limited.Last.Sub(first) > time.Second {
		t.Errorf("%d calls answered FREQUENCY_LIMITED, the last %s after the first call (want none after 1 s)",
			limited.Count, limited.Last.Sub(first))
	}
	busiest := samples.busiest(time.Second)
	if busiest > paceLimit {
		t.Errorf("%d 请求分账 calls within one second, want at most %d", busiest, paceLimit)
	}
	rate := float64(total-1) / last.Sub(first).Seconds()
	if rate > paceLimit {
		t.Errorf("merchant-wide rate %.1f calls a second, over the limit %d", rate, paceLimit)
	}
	t.Logf("%d 请求分账 calls (%d + %d) in %s from two servers: %.1f a second on average, %d in the busiest second; limit %d, pace %d; %d FREQUENCY_LIMITED",
		total, a, b, last.Sub(first).Round(time.Millisecond), rate, busiest, paceLimit, pace, limited.Count)
}

// countingProxy forwards a server's WeChat Pay calls to the simulator, counting its 请求分账.
type countingProxy struct {
	url     string
	target  atomic.Pointer[url.URL]
	creates atomic.Int64
}

func newCountingProxy(t *testing.T) *countingProxy {
	p := &countingProxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(p.target.Load())
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v3/profitsharing/orders" {
			p.creates.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// to points the proxy at the simulator (known once the stack started; no call is made before).
func (p *countingProxy) to(target string) {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	p.target.Store(u)
}

// callMeter samples how many calls of one operation the simulator received, every 10 ms.
type callMeter struct {
	done    chan struct{}
	wg      sync.WaitGroup
	samples callSamples
}

type callSample struct {
	at    time.Time
	calls int
}

type callSamples []callSample

func startCallMeter(sim *wxsim.Simulator, op string) *callMeter {
	m := &callMeter{done: make(chan struct{})}
	m.wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			m.samples = append(m.samples, callSample{time.Now(), sim.Calls(op)})
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	})
	return m
}

func (m *callMeter) stop() callSamples {
	close(m.done)
	m.wg.Wait()
	return m.samples
}

// span is when the first and the last call were seen (to within a sample) and how many there
// were.
func (s callSamples) span() (first, last time.Time, total int) {
	base := s[0].calls
	for i, c := range s {
		if c.calls > base && first.IsZero() {
			first = s[i-1].at // the call came after the sample before
		}
		if c.calls > s[max(i-1, 0)].calls {
			last = c.at
		}
	}
	return first, last, s[len(s)-1].calls - base
}

// busiest is the most calls seen between two samples at most w apart: calls within a span no
// longer than w, so never more than the simulator's sliding window could count.
func (s callSamples) busiest(w time.Duration) int {
	most, j := 0, 0
	for i := range s {
		for s[i].at.Sub(s[j].at) > w {
			j++
		}
		most = max(most, s[i].calls-s[j].calls)
	}
	return most
}
