package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// benchCase is one representative request of a page: its query and the status it must answer.
type benchCase struct {
	name, query string
	status      int
}

// sampleIDs give the {id} of the pages whose route has one: a page added without an entry here
// fails the benchmark rather than going unmeasured.
var sampleIDs = map[string]string{
	runRoute: "SELECT id FROM settlement_runs ORDER BY id DESC LIMIT 1",
	csvRoute: "SELECT id FROM settlement_runs ORDER BY id DESC LIMIT 1",
	"GET " + leadersPath + "/{id}": `SELECT id FROM leaders WHERE status = 'approved' ORDER BY id
LIMIT 1 OFFSET (SELECT count(*) / 2 FROM leaders WHERE status = 'approved')`,
	"GET " + batchesPath + "/{id}": "SELECT id FROM batches WHERE status = 'dispatched' ORDER BY id LIMIT 1",
	dispatchListRoute:              "SELECT id FROM batches WHERE status = 'dispatched' ORDER BY id LIMIT 1",
	batchStockRoute:                "SELECT id FROM batches WHERE status = 'open' ORDER BY id LIMIT 1",
	productRoute:                   "SELECT id FROM products ORDER BY id LIMIT 1",
	couponRoute:                    "SELECT id FROM coupon_templates ORDER BY id LIMIT 1",
}

// variants are the requests of a page beyond its first page: a filter and a deep keyset page,
// with ids and dates read from the seeded database. Pages without an entry are measured on
// their first page.
var variants = map[string]func(b *testing.B, f *benchFixture) []benchCase{
	runRoute: func(b *testing.B, f *benchFixture) []benchCase {
		run := f.id(b, sampleIDs[runRoute])
		after := f.id(b, fmt.Sprintf(`SELECT id FROM settlement_items WHERE run_id = %[1]d ORDER BY id
LIMIT 1 OFFSET (SELECT count(*) * 3 / 4 FROM settlement_items WHERE run_id = %[1]d)`, run))
		return []benchCase{{"failed", "state=failed", 200}, {"deep", fmt.Sprintf("after=%d", after), 200}}
	},
	dispatchListRoute: func(b *testing.B, f *benchFixture) []benchCase {
		var grid string
		f.sample(b, fmt.Sprintf(`SELECT grid_cell FROM orders WHERE batch_id = (%s)
GROUP BY grid_cell ORDER BY count(*) DESC, grid_cell LIMIT 1`, sampleIDs[dispatchListRoute]), &grid)
		return []benchCase{{"route", "grid=" + grid, 200}}
	},
	"GET " + runsPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"deep", fmt.Sprintf("before=%d", f.id(b, "SELECT min(id) + 5 FROM settlement_runs")), 200}}
	},
	"GET " + statementPath: func(b *testing.B, f *benchFixture) []benchCase {
		l := f.id(b, sampleIDs["GET "+leadersPath+"/{id}"])
		return []benchCase{{"leader", fmt.Sprintf("leader=%d", l), 200}, {"period", fmt.Sprintf("leader=%d&%s", l, lastDays(60)), 200}}
	},
	"GET " + statementCSV: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"leader", fmt.Sprintf("leader=%d&%s", f.id(b, sampleIDs["GET "+leadersPath+"/{id}"]), lastDays(60)), 200}}
	},
	"GET " + chartPath: func(*testing.B, *benchFixture) []benchCase {
		return []benchCase{{"period", lastDays(90), 200}}
	},
	"GET " + chartJSON: func(*testing.B, *benchFixture) []benchCase {
		return []benchCase{{"period", lastDays(90), 200}}
	},
	"GET " + receiversPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"failed", "state=failed", 200},
			{"leader", fmt.Sprintf("leader=%d", f.id(b, "SELECT leader_id FROM receiver_registrations WHERE op = 'delete' LIMIT 1")), 200},
			{"deep", fmt.Sprintf("state=done&before=%d", f.id(b, "SELECT min(id) + 100 FROM receiver_registrations")), 200}}
	},
	"GET " + leadersPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"suspended", "status=suspended", 200},
			{"deep", fmt.Sprintf("status=approved&after=%d", f.id(b, "SELECT max(id) - 100 FROM leaders")), 200}}
	},
	"GET " + batchesPath: func(*testing.B, *benchFixture) []benchCase {
		return []benchCase{{"completed", "status=completed", 200}}
	},
	"GET " + afterSalesPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"refunded", "status=refunded", 200},
			{"deep", fmt.Sprintf("status=rejected&before=%d", f.id(b, "SELECT min(id) + 200 FROM after_sales")), 200}}
	},
	"GET " + shippingPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"pending", "state=pending", 200},
			{"deep", fmt.Sprintf("state=uploaded&before=%d", f.id(b, "SELECT min(id) + 1000 FROM shipping_declarations")), 200}}
	},
	"GET " + auditPath: func(b *testing.B, f *benchFixture) []benchCase {
		return []benchCase{{"filtered", "who=finance.1&outcome=FORBIDDEN&" + lastDays(30), 200},
			{"operation", "op=/groupbuy.v1.LeaderOps/ApproveLeader", 200},
			{"deep", fmt.Sprintf("before=%d", f.id(b, "SELECT min(id) + 500 FROM audit_entries")), 200}}
	},
}

// statuses are the pages whose first page does not answer 200 on the benchmark's stand-ins.
var statuses = map[string]int{
	// A file needs its day or its leader: without one it is not found, before any query. The
	// reconciliation of a day reads WeChat Pay's bill, which the benchmark has not.
	"GET " + reconCSV:     http.StatusNotFound,
	"GET " + statementCSV: http.StatusNotFound,
}

// lastDays is the from/to query of the last n Beijing days up to tomorrow.
func lastDays(n int) string {
	to := time.Now().AddDate(0, 0, 1)
	return "from=" + to.AddDate(0, 0, -n).Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly)
}

// benchPage is a request of one page to measure.
type benchPage struct {
	name, target string
	status       int
	role         identity.Role
}

// benchPages are the requests of every GET page of pageTable.
func (f *benchFixture) benchPages(b *testing.B) []benchPage {
	var out []benchPage
	for _, p := range f.console.pages {
		path, ok := strings.CutPrefix(p.route, http.MethodGet+" ")
		if !ok {
			continue
		}
		if strings.Contains(path, "{") {
			q, ok := sampleIDs[p.route]
			if !ok {
				b.Fatalf("page %s has an id in its path and no sample id: add it to sampleIDs", p.route)
			}
			path = strings.Replace(path, "{id}", fmt.Sprint(f.id(b, q)), 1)
		}
		cases := []benchCase{{"first", "", 200}}
		if s, ok := statuses[p.route]; ok {
			cases[0].status = s
		}
		if v, ok := variants[p.route]; ok {
			cases = append(cases, v(b, f)...)
		}
		role := f.roleFor(b, p)
		for _, c := range cases {
			target := path
			if c.query != "" {
				target += "?" + c.query
			}
			out = append(out, benchPage{name: p.route[len("GET "):] + " " + c.name, target: target, status: c.status, role: role})
		}
	}
	return out
}

// roleFor is a signed-in role that may open p.
func (f *benchFixture) roleFor(b *testing.B, p page) identity.Role {
	for _, r := range p.roles {
		if _, ok := f.cookies[r]; ok {
			return r
		}
	}
	b.Fatalf("no signed-in role may open %s (%v)", p.route, p.roles)
	return ""
}

// pageTiming is what one page measured.
type pageTiming struct {
	name             string
	median, p99, max time.Duration
	n, bytes         int
}

// BenchmarkConsolePages requests every GET page of the console (its first page, a filtered page,
// a deep keyset page, a detail page) through the console's handler, its session check on Redis
// and the use cases on PostgreSQL seeded by seedconsole (a million orders by default), and
// reports the server time of each: the median and the 99th percentile. `make bench-console`.
func BenchmarkConsolePages(b *testing.B) {
	f := newBenchFixture(b)
	fmt.Printf("console bench: seeded in %v\n", f.seeded.Elapsed.Round(time.Second))
	for _, s := range f.seeded.Steps {
		fmt.Printf("  %-28s %10d rows %8v\n", s.Name, s.Rows, s.Elapsed.Round(time.Millisecond))
	}
	var timings []pageTiming
	for _, p := range f.benchPages(b) {
		b.Run(p.name, func(b *testing.B) {
			t := f.measure(b, p)
			b.ReportMetric(ms(t.median), "ms-median")
			b.ReportMetric(ms(t.p99), "ms-p99")
			b.ReportMetric(0, "ns/op") // the server time per page is the median and p99 above
			timings = append(timings, t)
		})
	}
	printTimings(timings)
}

// measure requests p once untimed (the settled chart saves the closed days it sums on its first
// read), then b.N times, and keeps the server time of each of those.
func (f *benchFixture) measure(b *testing.B, p benchPage) pageTiming {
	var took []time.Duration
	t := pageTiming{name: p.name}
	f.request(b, p)
	for b.Loop() {
		start := time.Now()
		rec := f.request(b, p)
		took = append(took, time.Since(start))
		t.bytes = rec.Body.Len()
	}
	slices.Sort(took)
	t.n, t.median, t.max = len(took), took[len(took)/2], took[len(took)-1]
	t.p99 = took[min(len(took)-1, len(took)*99/100)]
	return t
}

// request serves p as its role and checks its status.
func (f *benchFixture) request(b *testing.B, p benchPage) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, p.target, nil)
	for _, c := range f.cookies[p.role] {
		req.AddCookie(c)
	}
	rec := f.serve(req)
	if rec.Code != p.status {
		b.Fatalf("GET %s as %s: %d, want %d: %.300s", p.target, p.role, rec.Code, p.status, rec.Body.String())
	}
	return rec
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// printTimings prints the table of the run, the pages over the 100 ms budget marked.
func printTimings(ts []pageTiming) {
	w := tabwriter.NewWriter(os.Stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "page\tmedian ms\tp99 ms\tmax ms\trequests\tbytes\t\t")
	for _, t := range ts {
		over := ""
		if t.p99 > 100*time.Millisecond {
			over = "OVER 100 ms"
		}
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%d\t%d\t%s\t\n", t.name, ms(t.median), ms(t.p99), ms(t.max), t.n, t.bytes, over)
	}
	_ = w.Flush()
}
