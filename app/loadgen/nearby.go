package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/groupbuy/groupbuy/internal/data/seedcity"
)

// Bounds of one run, whatever the flags say.
const (
	maxClients  = 1024
	maxDuration = 10 * time.Minute
	maxWarmup   = time.Minute
	maxRequests = 50_000_000
)

const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// nearbyCmd loads GET /v1/pickup-points:nearby from -c clients, each with its own keep-alive
// connection and its own share of the query points, first for -warmup (not measured), then for
// -d or -n requests, whichever comes first.
func nearbyCmd(args []string) error {
	fs, a := apiFlagSet("nearby")
	clients := fs.Int("c", 64, "concurrent clients, each with one keep-alive connection")
	duration := fs.Duration("d", 10*time.Second, "measured duration (at most 10m)")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured load before the measurement (at most 1m)")
	limit := fs.Int("n", 0, "stop the measurement after this many requests (0: only -d)")
	seed := fs.Int64("seed", seedcity.DefaultSeed, "seed of the synthetic query points (as loadgen seed -seed)")
	queries := fs.Int("queries", 1<<14, "distinct query points, shared round robin among clients")
	radius := fs.Float64("radius", 3000, "radius_m of every request")
	pageSize := fs.Int("page-size", 10, "page_size of every request (k)")
	serverPID := fs.Int("server-pid", 0, "pid of the server on this machine, to report its CPU use (Linux)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkRun("-c", *clients, *duration, *warmup); err != nil {
		return err
	}
	switch {
	case *limit < 0 || *limit > maxRequests:
		return fmt.Errorf("-n %d: want 0 to %d", *limit, maxRequests)
	case *queries < 1 || *queries > 1<<20:
		return fmt.Errorf("-queries %d: want 1 to %d", *queries, 1<<20)
	}
	maxReq := *limit
	if maxReq == 0 {
		maxReq = maxRequests
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	token, err := a.bearer()
	if err != nil {
		return err
	}

	var dials atomic.Int64
	client := newClient(*clients, a.timeout, &dials)
	qs := seedcity.Queries(*queries, *seed)
	// One decoded request first: a wrong token or route fails here, with the server's answer.
	first, err := getNearby(context.Background(), client, nearbyURL(base, qs[0], *radius, *pageSize), token)
	if err != nil {
		return fmt.Errorf("first request: %w", err)
	}
	fmt.Printf("nearby: %d clients, %v warm-up then %v, %d query points (seed %d), page_size %d within %g m, %s\n",
		*clients, *warmup, *duration, len(qs), *seed, *pageSize, *radius, base)
	fmt.Printf("  first reply: %d points\n", len(first))

	// Each client gets its own prepared requests (reused one at a time, as net/http allows once
	// the body is closed), so the hot loop builds nothing.
	reqs := make([][]*http.Request, *clients)
	for i, q := range qs {
		req, err := http.NewRequest(http.MethodGet, nearbyURL(base, q, *radius, *pageSize), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		reqs[i%*clients] = append(reqs[i%*clients], req)
	}
	for i := range reqs {
		if len(reqs[i]) == 0 { // more clients than query points
			reqs[i] = reqs[i%len(qs)]
		}
	}

	var (
		phase    atomic.Int32
		measured atomic.Int64
		stopOnce sync.Once
		stopped  = make(chan struct{})
		end      time.Time
	)
	stop := func() {
		stopOnce.Do(func() {
			end = time.Now()
			phase.Store(phaseStop)
			close(stopped)
		})
	}
	workers := make([]worker, *clients)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, 1<<14)
		wg.Go(func() {
			w.run(client, reqs[i], &phase, func() bool { return measured.Add(1) >= int64(maxReq) }, stop)
		})
	}

	time.Sleep(*warmup)
	before := sample(*serverPID)
	start := time.Now()
	phase.Store(phaseMeasure)
	select {
	case <-time.After(*duration):
		stop()
	case <-stopped: // -n reached
	}
	after := sample(*serverPID)
	// Requests still in flight finish within the request timeout; they are not counted.
	awaitClients(&wg, a.timeout+time.Second)
	return report(workers, end.Sub(start), dials.Load(), *clients, before, after, *serverPID)
}

// worker is one client: its latencies (measured phase only) and outcomes.
type worker struct {
	lat      []time.Duration
	non200   int
	errs     int
	status   map[int]int
	firstErr string
	mu       sync.Mutex // guards the fields above against a late report
}

func (w *worker) run(c *http.Client, reqs []*http.Request, phase *atomic.Int32, full func() bool, stop func()) {
	for i := 0; ; i++ {
		started := phase.Load()
		if started == phaseStop {
			return
		}
		t0 := time.Now()
		resp, err := c.Do(reqs[i%len(reqs)])
		code := 0
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			code = resp.StatusCode
		}
		elapsed := time.Since(t0)
		// Counted only when it started and ended inside the measurement.
		if started != phaseMeasure || phase.Load() != phaseMeasure {
			if err != nil && started == phaseWarmup {
				time.Sleep(10 * time.Millisecond) // do not spin on a dead server
			}
			continue
		}
		w.mu.Lock()
		w.lat = append(w.lat, elapsed)
		switch {
		case err != nil:
			w.errs++
			if w.firstErr == "" {
				w.firstErr = err.Error()
			}
		case code != http.StatusOK:
			w.non200++
			if w.status == nil {
				w.status = map[int]int{}
			}
			w.status[code]++
		}
		w.mu.Unlock()
		if full() {
			stop()
			return
		}
	}
}

// cpuSample is CPU time so far: this process, the server, and the whole machine.
type cpuSample struct {
	self, server     time.Duration
	busy, total      uint64 // jiffies of all CPUs, from /proc/stat
	serverOK, procOK bool
}

func sample(serverPID int) cpuSample {
	var s cpuSample
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if serverPID > 0 {
		s.server, s.serverOK = processCPU(serverPID)
	}
	s.busy, s.total, s.procOK = machineCPU()
	return s
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports in practice.
const clockTick = 10 * time.Millisecond

// processCPU reads utime+stime (all threads) of pid from /proc/PID/stat.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat") //nolint:gosec // a number in a fixed path
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: the fields after it start past the last ')'.
	rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * clockTick, true
}

// machineCPU is busy and total jiffies over all CPUs (busy excludes idle and iowait).
func machineCPU() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, false
	}
	var idle uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i < 8 { // user nice system idle iowait irq softirq steal; guest is inside user
			total += n
		}
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total - idle, total, true
}

func report(workers []worker, window time.Duration, dials int64, clients int, before, after cpuSample, serverPID int) error {
	var lat latencies
	non200, errs := 0, 0
	status := map[int]int{}
	firstErr := ""
	for i := range workers {
		w := &workers[i]
		w.mu.Lock()
		lat = append(lat, w.lat...)
		non200 += w.non200
		errs += w.errs
		for k, v := range w.status {
			status[k] += v
		}
		if firstErr == "" {
			firstErr = w.firstErr
		}
		w.mu.Unlock()
	}
	if len(lat) == 0 {
		return errors.New("no request completed during the measurement")
	}
	slices.Sort(lat)
	pct := lat.pct
	rps := float64(len(lat)) / window.Seconds()
	fmt.Printf("  requests     %d in %v: %.0f req/s\n", len(lat), window.Round(time.Millisecond), rps)
	lat.print()
	fmt.Printf("  non-200      %d %v   transport errors %d %s\n", non200, status, errs, firstErr)
	fmt.Printf("  connections  %d dialled for %d clients\n", dials, clients)
	// CPU in "% of one CPU", like top: the machine has 100% × NumCPU. "other" is whatever else ran
	// (PostgreSQL, Redis, kernel networking not charged to either process, other jobs): a busy
	// neighbour makes the figures unrepresentative.
	secs := window.Seconds()
	self := 100 * (after.self - before.self).Seconds() / secs
	line := fmt.Sprintf("  cpu          loadgen %.0f%% (%.0f µs/request, GOMAXPROCS %d)", self,
		float64((after.self-before.self).Microseconds())/float64(len(lat)), runtime.GOMAXPROCS(0))
	server := 0.0
	if serverPID > 0 && before.serverOK && after.serverOK {
		d := after.server - before.server
		server = 100 * d.Seconds() / secs
		line += fmt.Sprintf("   server %.0f%% (%.0f µs/request)", server, float64(d.Microseconds())/float64(len(lat)))
	}
	if before.procOK && after.procOK && after.total > before.total {
		busy := 100 * float64(runtime.NumCPU()) * float64(after.busy-before.busy) / float64(after.total-before.total)
		line += fmt.Sprintf("   machine %.0f%% of %d%% (other %.0f%%)", busy, 100*runtime.NumCPU(), max(0, busy-self-server))
	}
	fmt.Println(line)
	fmt.Printf("RESULT rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non200=%d errors=%d clients=%d\n",
		rps, msf(pct(0.50)), msf(pct(0.90)), msf(pct(0.99)), msf(lat[len(lat)-1]), non200, errs, clients)
	if non200 > 0 || errs > 0 {
		return fmt.Errorf("%d non-200 replies and %d transport errors", non200, errs)
	}
	return nil
}

// checkRun bounds the clients (flag name cFlag), the measured duration and the warm-up of a run.
func checkRun(cFlag string, clients int, duration, warmup time.Duration) error {
	switch {
	case clients < 1 || clients > maxClients:
		return fmt.Errorf("%s %d: want 1 to %d", cFlag, clients, maxClients)
	case duration <= 0 || duration > maxDuration:
		return fmt.Errorf("-d %v: want more than 0 and at most %v", duration, maxDuration)
	case warmup < 0 || warmup > maxWarmup:
		return fmt.Errorf("-warmup %v: want 0 to %v", warmup, maxWarmup)
	}
	return nil
}

// awaitClients waits for the clients' last requests, at most limit; it reports whether all ended.
func awaitClients(wg *sync.WaitGroup, limit time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		fmt.Fprintln(os.Stderr, "loadgen: some clients did not finish their last request; reporting without them")
		return false
	}
}

// latencies of the measured requests; pct and print want them sorted and not empty.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration { return l[min(len(l)-1, int(float64(len(l))*p))] }

func (l latencies) print() {
	fmt.Printf("  latency      p50 %v  p90 %v  p99 %v  max %v\n", ms(l.pct(0.50)), ms(l.pct(0.90)), ms(l.pct(0.99)), ms(l[len(l)-1]))
}

func ms(d time.Duration) string { return strconv.FormatFloat(msf(d), 'f', 2, 64) + "ms" }

func msf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
