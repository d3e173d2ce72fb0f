package main

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// probe watches where the time goes during the measurement without touching the server:
// CPU of the server, of this generator, of the database's PostgreSQL backends and of Redis;
// PostgreSQL's per-table row counters and transactions; Redis's command counters; and a
// sampling of pg_stat_activity (what the backends of this database are doing, every 20 ms).
type probe struct {
	db        *sql.DB
	rdb       *redis.Client
	serverPID int
	before    probeSnap
	samples   map[string]int
	nSamples  int
	backends  int
	quit      chan struct{}
	done      chan struct{}
}

type probeSnap struct {
	cpu       cpuSample
	pgCPU     time.Duration
	redisCPU  float64
	tables    map[string][4]int64 // ins, upd, seq_scan, idx_scan
	xact      int64
	rollback  int64
	redisCmds map[string][2]float64 // calls, usec
}

func startProbe(ctx context.Context, db *sql.DB, rdb *redis.Client, serverPID int) *probe {
	p := &probe{db: db, rdb: rdb, serverPID: serverPID, samples: map[string]int{}, quit: make(chan struct{}), done: make(chan struct{})}
	p.before = p.snap(ctx)
	go func() {
		defer close(p.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.sampleActivity(ctx)
			}
		}
	}()
	return p
}

func (p *probe) sampleActivity(ctx context.Context) {
	rows, err := p.db.QueryContext(ctx, `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(regexp_replace(query, '\s+', ' ', 'g'), 90)
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
	if err != nil {
		return
	}
	defer rows.Close()
	p.nSamples++
	for rows.Next() {
		var state, wait, q string
		if rows.Scan(&state, &wait, &q) != nil {
			continue
		}
		p.backends++
		if state == "idle" {
			p.samples["idle (pooled, no transaction)"]++
			continue
		}
		if state == "active" {
			p.samples[fmt.Sprintf("active %-24s %s", wait, q)]++
		} else {
			p.samples[fmt.Sprintf("%s, last: %s", state, q)]++
		}
	}
}

func (p *probe) snap(ctx context.Context) probeSnap {
	s := probeSnap{cpu: sample(p.serverPID), tables: map[string][4]int64{}, redisCmds: map[string][2]float64{}}
	if rows, err := p.db.QueryContext(ctx, `SELECT relname, n_tup_ins, n_tup_upd, coalesce(seq_scan, 0), coalesce(idx_scan, 0) FROM pg_stat_user_tables`); err == nil {
		for rows.Next() {
			var n string
			var v [4]int64
			if rows.Scan(&n, &v[0], &v[1], &v[2], &v[3]) == nil {
				s.tables[n] = v
			}
		}
		_ = rows.Close()
	}
	_ = p.db.QueryRowContext(ctx, `SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&s.xact, &s.rollback)
	if rows, err := p.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`); err == nil {
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				if d, ok := processCPU(pid); ok {
					s.pgCPU += d
				}
			}
		}
		_ = rows.Close()
	}
	if p.rdb != nil {
		if info, err := p.rdb.Info(ctx, "commandstats", "cpu").Result(); err == nil {
			for _, line := range strings.Split(info, "\n") {
				line = strings.TrimSpace(line)
				if k, v, ok := strings.Cut(line, ":"); ok {
					switch {
					case k == "used_cpu_sys" || k == "used_cpu_user":
						f, _ := strconv.ParseFloat(v, 64)
						s.redisCPU += f
					case strings.HasPrefix(k, "cmdstat_"):
						var calls, usec float64
						for _, kv := range strings.Split(v, ",") {
							kk, vv, _ := strings.Cut(kv, "=")
							f, _ := strconv.ParseFloat(vv, 64)
							switch kk {
							case "calls":
								calls = f
							case "usec":
								usec = f
							}
						}
						s.redisCmds[strings.TrimPrefix(k, "cmdstat_")] = [2]float64{calls, usec}
					}
				}
			}
		}
	}
	return s
}

type probeReport struct {
	p             *probe
	before, after probeSnap
}

func (p *probe) stop() probeReport {
	after := p.snap(context.Background())
	close(p.quit)
	<-p.done
	return probeReport{p: p, before: p.before, after: after}
}

// print shows the costs per order created (n orders in window). PostgreSQL flushes its
// statistics about once a second, so its counts per order are approximate; they are divided by
// the rows the orders table gained in the same counters, which lag alike.
func (r probeReport) print(n int64, window time.Duration) {
	if n == 0 {
		return
	}
	secs := window.Seconds()
	b, a := r.before, r.after
	perOrder := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	line := fmt.Sprintf("  cpu          loadgen %.0f%% (%.0f µs/order)", 100*(a.cpu.self-b.cpu.self).Seconds()/secs, perOrder(a.cpu.self-b.cpu.self))
	if a.cpu.serverOK && b.cpu.serverOK {
		d := a.cpu.server - b.cpu.server
		line += fmt.Sprintf("  server %.0f%% (%.0f µs/order)", 100*d.Seconds()/secs, perOrder(d))
	}
	if d := a.pgCPU - b.pgCPU; d > 0 {
		line += fmt.Sprintf("  postgres backends %.0f%% (%.0f µs/order)", 100*d.Seconds()/secs, perOrder(d))
	}
	if r.p.rdb != nil {
		d := time.Duration((a.redisCPU - b.redisCPU) * float64(time.Second))
		line += fmt.Sprintf("  redis %.0f%% (%.0f µs/order)", 100*d.Seconds()/secs, perOrder(d))
	}
	if b.cpu.procOK && a.cpu.procOK && a.cpu.total > b.cpu.total {
		busy := 100 * float64(runtime.NumCPU()) * float64(a.cpu.busy-b.cpu.busy) / float64(a.cpu.total-b.cpu.total)
		line += fmt.Sprintf("  machine %.0f%% of %d%%", busy, 100*runtime.NumCPU())
	}
	fmt.Println(line)
	orders := float64(a.tables["orders"][0] - b.tables["orders"][0])
	if orders <= 0 {
		orders = float64(n)
	}
	fmt.Printf("  postgres     per order: %.2f commits, %.2f rollbacks", float64(a.xact-b.xact)/orders, float64(a.rollback-b.rollback)/orders)
	var names []string
	for t := range a.tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		x, y := a.tables[t], b.tables[t]
		ins, upd, seq, idx := float64(x[0]-y[0])/orders, float64(x[1]-y[1])/orders, float64(x[2]-y[2])/orders, float64(x[3]-y[3])/orders
		if ins+upd+seq+idx < 0.005 {
			continue
		}
		fmt.Printf("; %s ins %.2f upd %.2f idx scans %.2f seq scans %.2f", t, ins, upd, idx, seq)
	}
	fmt.Println()
	if r.p.rdb != nil {
		fmt.Print("  redis        per order:")
		var cmds []string
		for c := range a.redisCmds {
			cmds = append(cmds, c)
		}
		sort.Strings(cmds)
		for _, c := range cmds {
			calls := a.redisCmds[c][0] - b.redisCmds[c][0]
			if calls/float64(n) < 0.005 || c == "info" {
				continue
			}
			usec := a.redisCmds[c][1] - b.redisCmds[c][1]
			fmt.Printf(" %s %.2f calls (%.0f µs each in redis)", c, calls/float64(n), usec/calls)
		}
		fmt.Println(" (the whole Redis: other users of the shared server count too)")
	}
	if r.p.nSamples > 0 {
		fmt.Printf("  pg_stat_activity, %d samples, %.1f client backends on average; states of backends (share of backend-samples):\n",
			r.p.nSamples, float64(r.p.backends)/float64(r.p.nSamples))
		type kv struct {
			k string
			v int
		}
		var list []kv
		for k, v := range r.p.samples {
			list = append(list, kv{k, v})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
		for _, e := range list[:min(len(list), 12)] {
			fmt.Printf("    %5.1f%%  %s\n", 100*float64(e.v)/float64(r.p.backends), e.k)
		}
	}
}
