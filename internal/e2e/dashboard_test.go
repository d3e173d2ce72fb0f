package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// figure is the int64 at path in a JSON reply (a string in proto3's JSON), 0 when left out.
func figure(t *testing.T, m map[string]any, path ...string) int64 {
	t.Helper()
	var v any = m
	for _, key := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = obj[key]
	}
	if v == nil {
		return 0
	}
	var n int64
	if _, err := fmt.Sscan(fmt.Sprint(v), &n); err != nil {
		t.Fatalf("%v at %v is not a number: %v", v, path, err)
	}
	return n
}

// The dashboard counts a shopper's paid order in its grid and the open batch closing within the
// hour; it is for ops and admin only, and refuses a day that is no date or after today.
func TestOpsDashboardAPI(t *testing.T) {
	w := lcStart(t)
	batchID, items := w.batch("看板批次", time.Second, time.Hour, lcItem{0, 3990, 100})
	w.coWaitOpen(batchID, 20*time.Second)
	tok := w.shopper("o-e2e-dashboard-shopper")
	w.paid(tok, "dashboard-order-1", batchID, items, []int{3990}, 2)

	d := w.call("GET", "/v1/ops/dashboard", w.ops(), nil)
	expect(t, d, 200, "")
	if d.str("day") != bjtime.Day(time.Now()) {
		t.Errorf("the dashboard shows %q, want today", d.str("day"))
	}
	// Paid just now: today, unless Beijing midnight passed in between.
	both := func(path ...string) int64 {
		return figure(t, d.body, append([]string{"sales"}, path...)...) +
			figure(t, d.body, append([]string{"previousSales"}, path...)...)
	}
	if o, p, b := both("orders"), both("paidFen"), both("buyers"); o != 1 || p != 7980 || b != 1 {
		t.Errorf("sales: %d orders, %d fen, %d buyers; want 1, 7980, 1: %s", o, p, b, d.raw)
	}
	grids, _ := d.body["grids"].([]any)
	if len(grids) != 1 || grids[0].(map[string]any)["gridCell"] != w.cell {
		t.Errorf("grids: %v, want the one of %s", grids, w.cell)
	}
	if o, c := figure(t, d.body, "batches", "open"), figure(t, d.body, "batches", "closing"); o != 1 || c != 1 {
		t.Errorf("batches: %d open, %d closing; want the one batch, closing within the hour", o, c)
	}

	admin := w.token(identity.SubjectConsole, 1, time.Hour, identity.RoleAdmin)
	expect(t, w.call("GET", "/v1/ops/dashboard", admin, nil), 200, "")
	finance := w.token(identity.SubjectConsole, 1, time.Hour, identity.RoleFinance)
	expect(t, w.call("GET", "/v1/ops/dashboard", finance, nil), 403, "FORBIDDEN")
	expect(t, w.call("GET", "/v1/ops/dashboard", w.leaderTok, nil), 403, "FORBIDDEN")

	tomorrow := bjtime.Day(time.Now().Add(24 * time.Hour))
	for _, day := range []string{"2026-13-01", "yesterday", tomorrow} {
		expect(t, w.call("GET", "/v1/ops/dashboard?day="+day, w.ops(), nil), 400, "INVALID_ARGUMENT")
	}
	yesterday := bjtime.Day(time.Now().Add(-24 * time.Hour))
	past := w.call("GET", "/v1/ops/dashboard?day="+yesterday, w.ops(), nil)
	expect(t, past, 200, "")
	if past.str("day") != yesterday {
		t.Errorf("the dashboard of %s shows %q", yesterday, past.str("day"))
	}
}
