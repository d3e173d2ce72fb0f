package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/seedcity"
)

// Targets of the events ingest on this machine, reported as met or NOT met.
const (
	eventsTargetRate = 20_000 // events/s over HTTP
	eventsTargetP99  = 5 * time.Millisecond
)

// eventsCmd measures POST /v1/shop/events from outside: it seeds one leader and its bound
// shoppers in the server's fresh database, posts requests of -per events from -c concurrent
// clients (each request for the next shopper, round robin, with its own token), resends a share
// of the acknowledged requests as a mini-program resends an unanswered one, and reports events/s
// and request latency. Then it checks in PostgreSQL that every acknowledged event is stored
// exactly once and that nothing else is stored beyond requests whose outcome is unknown.
func eventsCmd(args []string) error {
	fs, a := apiFlagSet("events")
	confPath := confFlag(fs)
	shoppers := fs.Int("shoppers", 2000, "shoppers to seed (users 2..n+1), bound to one leader")
	clients := fs.Int("c", 8, "concurrent clients, each with one keep-alive connection")
	per := fs.Int("per", 100, "events a request (1 to 100)")
	duration := fs.Duration("d", 10*time.Second, "measured duration (at most 10m)")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured load before the measurement (at most 1m)")
	resend := fs.Int("resend-every", 20, "resend every n-th acknowledged request (0: never)")
	rate := fs.Int("rate", 0, "events/s offered on a fixed schedule, whatever the replies (0: each client sends as soon as answered)")
	serverPID := fs.Int("server-pid", 0, "pid of the server on this machine, to report its CPU use (Linux)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkRun("-c", *clients, *duration, *warmup); err != nil {
		return err
	}
	switch {
	case *shoppers < 1 || *shoppers > 100_000:
		return fmt.Errorf("-shoppers %d: want 1 to 100,000", *shoppers)
	case *per < 1 || *per > 100:
		return fmt.Errorf("-per %d: want 1 to 100", *per)
	case *resend < 0:
		return fmt.Errorf("-resend-every %d: want 0 or more", *resend)
	case *rate < 0 || *rate > 1_000_000:
		return fmt.Errorf("-rate %d: want 0 to 1,000,000", *rate)
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	ctx := context.Background()
	var dials atomic.Int64
	client := newClient(*clients, a.timeout, &dials)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := poll(wctx, "/readyz", func() error {
		code, _, err := call(wctx, client, http.MethodGet, base.String()+"/readyz", "", nil, 1<<10)
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("readyz: %s", status(code))
		}
		return err
	}); err != nil {
		return err
	}
	t, err := openSeedTarget(*confPath)
	if err != nil {
		return err
	}
	defer t.close()
	pts := seedcity.Points(1, seedcity.DefaultSeed)
	if _, err := seedcity.Seed(ctx, t.db, t.keys, pts, seedcity.Options{
		GridRes: int(t.bc.GetGeo().GetGridRes()), PickupRes: int(t.bc.GetGeo().GetPickupRes()),
	}); err != nil {
		return err
	}
	if err := seedShoppers(ctx, t.db, pts[0].ID, *shoppers); err != nil {
		return err
	}
	tokens := make([]string, *shoppers)
	for i := range tokens {
		if tokens[i], err = a.mint(identity.SubjectUser, int64(i+2), identity.RoleShopper); err != nil {
			return err
		}
	}
	pace := "as fast as answered"
	if *rate > 0 {
		pace = fmt.Sprintf("%d events/s offered on a fixed schedule", *rate)
	}
	fmt.Printf("events: %d shoppers bound to leader %d, %d clients × %d events a request, %s, every %d-th resent, %v warm-up then %v\n",
		*shoppers, pts[0].ID, *clients, *per, pace, *resend, *warmup, *duration)

	dials.Store(0)
	load := &eventsLoad{base: base.String() + "/v1/shop/events", per: *per, resend: *resend, tokens: tokens,
		clients: *clients, http: client, rate: *rate, origin: time.Now()}
	workers := make([]eventsWorker, *clients)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.id, w.lat = i, make([]time.Duration, 0, 1<<14)
		wg.Go(func() { load.run(w) })
	}
	time.Sleep(*warmup)
	before := sample(*serverPID)
	start := time.Now()
	load.phase.Store(phaseMeasure)
	time.Sleep(*duration)
	load.phase.Store(phaseStop)
	window := time.Since(start)
	after := sample(*serverPID)
	if !awaitClients(&wg, a.timeout+time.Second) {
		return fmt.Errorf("clients did not finish: cannot check what was acknowledged")
	}
	r := load.report(workers, window)
	r.print(before, after, *serverPID, dials.Load())
	if err := r.verify(ctx, t.db.SQL, workers); err != nil {
		return err
	}
	return commitFloor(ctx, t.db.SQL)
}

// commitFloor measures what no ingest answered after its commit can beat: one-row INSERTs into
// shopper_events, each committed (a WAL flush) before the next, from this process straight to
// PostgreSQL. Its rows are deleted after.
func commitFloor(ctx context.Context, db *sql.DB) error {
	const n = 200
	lat := make(latencies, 0, n)
	for i := range n {
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, `INSERT INTO shopper_events (user_id, client_event_id, kind, at, day)
			VALUES (0, $1, 'page_view', now(), '2000-01-01')`, "floor-"+strconv.Itoa(i)); err != nil {
			return fmt.Errorf("commit floor: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM shopper_events WHERE user_id = 0`); err != nil {
		return fmt.Errorf("commit floor: %w", err)
	}
	slices.Sort(lat)
	fmt.Printf("  commit floor one-row INSERT and commit, %d in turn: p50 %s  p99 %s  max %s\n", n, ms(lat.pct(0.5)),
		ms(lat.pct(0.99)), ms(lat[len(lat)-1]))
	fmt.Printf("RESULT commit_floor_p50_ms=%.3f commit_floor_p99_ms=%.3f\n", msf(lat.pct(0.5)), msf(lat.pct(0.99)))
	return nil
}

// eventsLoad is what every client shares.
type eventsLoad struct {
	base    string
	per     int
	resend  int
	tokens  []string
	clients int
	http    *http.Client
	phase   atomic.Int32
	// rate, when above zero, is the offered events/s: client c's i-th request is due at
	// origin + (c + i × clients) × per / rate, and its latency counts from then, so a reply that
	// holds up the next request is charged to that request too (no coordinated omission).
	rate   int
	origin time.Time
}

// due is when client c's i-th request is to be sent on the fixed schedule (zero: at once).
func (l *eventsLoad) due(c, i int) time.Time {
	if l.rate <= 0 {
		return time.Time{}
	}
	slot := int64(c) + int64(i)*int64(l.clients)
	return l.origin.Add(time.Duration(slot * int64(l.per) * int64(time.Second) / int64(l.rate)))
}

// eventsWorker is one client: its requests' latencies (measured phase) and outcomes. Its i-th
// request posts events "c<id>-<i>-<k>" for shopper tokens[(id + i × clients) mod len]: an
// acknowledged request is known by (id, i) alone.
type eventsWorker struct {
	id                 int
	lat                []time.Duration
	acked              []int // request numbers answered 200
	measuredEvents     int   // events accepted by requests that started and ended in the measurement
	unknown, refused   int   // transport errors and 5xx; other refusals (4xx)
	wrongReceipt       int   // a first send not all accepted, or a resend not all duplicates
	firstErr, firstBad string
}

func (l *eventsLoad) run(w *eventsWorker) {
	body := make([]byte, 0, 256*l.per)
	for i := 0; ; i++ {
		due := l.due(w.id, i)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		started := l.phase.Load()
		if started == phaseStop {
			return
		}
		token := l.tokens[(w.id+i*l.clients)%len(l.tokens)]
		body = l.body(body[:0], w.id, i)
		sends := 1
		if l.resend > 0 && i%l.resend == l.resend-1 {
			sends = 2
		}
		for s := range sends {
			t0 := time.Now()
			if s == 0 && !due.IsZero() {
				t0 = due // a late send waited in the client: that wait is latency too
			}
			code, reply, err := call(context.Background(), l.http, http.MethodPost, l.base, token, body, 1<<16)
			elapsed := time.Since(t0)
			measured := started == phaseMeasure && l.phase.Load() == phaseMeasure
			if measured {
				w.lat = append(w.lat, elapsed)
			}
			if !w.outcome(code, reply, err, s == 1, l.per, i, measured) {
				break
			}
		}
	}
}

// outcome records one reply; it reports whether the request was acknowledged.
func (w *eventsWorker) outcome(code int, reply []byte, err error, resend bool, per, i int, measured bool) bool {
	switch {
	case err != nil || code >= 500:
		w.unknown++
		if w.firstErr == "" {
			w.firstErr = fmt.Sprintf("%v %s", err, strings.TrimSpace(string(reply)))
		}
		time.Sleep(10 * time.Millisecond) // do not spin on a dead server
		return false
	case code != http.StatusOK:
		w.refused++
		if w.firstBad == "" {
			w.firstBad = status(code) + ": " + strings.TrimSpace(string(reply))
		}
		return false
	}
	var r struct{ Accepted, Duplicates int }
	if json.Unmarshal(reply, &r) != nil || (!resend && r.Accepted != per) || (resend && r.Duplicates != per) {
		w.wrongReceipt++
		if w.firstBad == "" {
			w.firstBad = "receipt " + string(reply)
		}
	}
	if !resend {
		w.acked = append(w.acked, i)
		if measured {
			w.measuredEvents += r.Accepted
		}
	}
	return true
}

// kinds are the events of a request in turn: mostly page views, as a mini-program sends them.
var kinds = []string{"page_view", "page_view", "page_view", "page_view", "page_view", "page_view",
	"add_to_cart", "page_view", "share", "share_open"}

// body is the JSON of request i of client c.
func (l *eventsLoad) body(b []byte, c, i int) []byte {
	b = append(b, `{"events":[`...)
	for k := range l.per {
		if k > 0 {
			b = append(b, ',')
		}
		id := "c" + strconv.Itoa(c) + "-" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
		b = append(b, `{"clientEventId":"`+id+`","kind":"`+kinds[k%len(kinds)]+`","session":"s`+strconv.Itoa(c)+`-`+
			strconv.Itoa(i)+`","batchId":"1","itemId":"`+strconv.Itoa(1+k%7)+`","shareKey":"sk-`+strconv.Itoa(c)+`"}`...)
	}
	return append(b, "]}"...)
}

// eventsResult is a run's figures.
type eventsResult struct {
	window                                 time.Duration
	lat                                    latencies
	events, acked, unknown, refused, wrong int
	firstErr, firstBad                     string
	per, clients, shoppers                 int
	offered                                int // events/s on the fixed schedule; 0: closed loop
}

func (l *eventsLoad) report(workers []eventsWorker, window time.Duration) eventsResult {
	r := eventsResult{window: window, per: l.per, clients: l.clients, shoppers: len(l.tokens), offered: l.rate}
	for i := range workers {
		w := &workers[i]
		r.lat = append(r.lat, w.lat...)
		r.events += w.measuredEvents
		r.acked += len(w.acked) * l.per
		r.unknown += w.unknown
		r.refused += w.refused
		r.wrong += w.wrongReceipt
		r.firstErr = cmpOr(r.firstErr, w.firstErr)
		r.firstBad = cmpOr(r.firstBad, w.firstBad)
	}
	slices.Sort(r.lat)
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r eventsResult) print(before, after cpuSample, serverPID int, dials int64) {
	if len(r.lat) == 0 {
		fmt.Println("  no request completed during the measurement")
		return
	}
	rate := float64(r.events) / r.window.Seconds()
	fmt.Printf("  events       %d accepted in %v: %.0f events/s (%.0f requests/s)\n", r.events, r.window.Round(time.Millisecond),
		rate, float64(len(r.lat))/r.window.Seconds())
	r.lat.print()
	fmt.Printf("  outcomes     unknown (transport errors, 5xx) %d %s  refused %d  wrong receipts %d %s\n",
		r.unknown, r.firstErr, r.refused, r.wrong, r.firstBad)
	fmt.Printf("  connections  %d dialled for %d clients\n", dials, r.clients)
	secs := r.window.Seconds()
	if serverPID > 0 && before.serverOK && after.serverOK {
		fmt.Printf("  cpu          server %.0f%% of one CPU (%.1f µs/event)\n", 100*(after.server-before.server).Seconds()/secs,
			float64((after.server-before.server).Microseconds())/float64(max(r.events, 1)))
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	p99 := r.lat.pct(0.99)
	if r.offered > 0 {
		// The schedule, not the server, sets the rate: the verdict is the latency at that rate
		// and whether the server kept up with it (within the window's edges).
		fmt.Printf("  targets      p99 < %v at %d events/s offered: %s   kept up (≥ 98%% of offered): %s\n", eventsTargetP99,
			r.offered, verdict(p99 < eventsTargetP99), verdict(rate >= 0.98*float64(r.offered)))
	} else {
		fmt.Printf("  targets      ≥ %d events/s: %s   p99 < %v: %s (at saturation; see the fixed-rate run)\n", eventsTargetRate,
			verdict(rate >= eventsTargetRate), eventsTargetP99, verdict(p99 < eventsTargetP99))
	}
	fmt.Printf("RESULT events_per_s=%.0f offered=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f per=%d clients=%d\n", rate,
		r.offered, float64(len(r.lat))/secs, msf(r.lat.pct(0.5)), msf(p99), msf(r.lat[len(r.lat)-1]), r.per, r.clients)
}

// verify checks in PostgreSQL that each acknowledged event is stored, once, and that at most the
// events of requests with an unknown outcome are stored beyond them.
func (r eventsResult) verify(ctx context.Context, db *sql.DB, workers []eventsWorker) error {
	var prefixes []string
	var users []int64
	for _, w := range workers {
		for _, i := range w.acked {
			prefixes = append(prefixes, "c"+strconv.Itoa(w.id)+"-"+strconv.Itoa(i)+"-")
			users = append(users, int64((w.id+i*r.clients)%r.shoppers+2))
		}
	}
	var found, stored, distinct int
	// An acknowledged request's events: its shopper's, named by its prefix and a number.
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM shopper_events e
		JOIN unnest($1::text[], $2::bigint[]) p(prefix, user_id)
		ON e.user_id = p.user_id AND regexp_replace(e.client_event_id, '[0-9]+$', '') = p.prefix`, prefixes, users).Scan(&found)
	if err != nil {
		return fmt.Errorf("count acknowledged events: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT (user_id, client_event_id)) FROM shopper_events`).
		Scan(&stored, &distinct); err != nil {
		return fmt.Errorf("count stored events: %w", err)
	}
	fmt.Printf("  stored       %d acknowledged, %d found, %d stored (%d distinct), %d requests of unknown outcome\n",
		r.acked, found, stored, distinct, r.unknown)
	var problems []string
	if found != r.acked {
		problems = append(problems, fmt.Sprintf("%d acknowledged events stored, want %d", found, r.acked))
	}
	if stored != distinct {
		problems = append(problems, fmt.Sprintf("%d events stored more than once", stored-distinct))
	}
	if stored > r.acked+r.unknown*r.per {
		problems = append(problems, fmt.Sprintf("%d events stored that no request may have sent", stored-r.acked-r.unknown*r.per))
	}
	if r.wrong > 0 || r.refused > 0 {
		problems = append(problems, fmt.Sprintf("%d wrong receipts, %d refusals: %s", r.wrong, r.refused, r.firstBad))
	}
	if len(problems) > 0 {
		return fmt.Errorf("events check failed: %s", strings.Join(problems, "; "))
	}
	fmt.Println("  check        every acknowledged event stored exactly once")
	return nil
}
