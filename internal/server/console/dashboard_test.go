package console

import (
	"regexp"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
)

// The dashboard's totals show each day's discounts next to what was paid: the 满减, the
// coupons, and who funded them.
func TestDashboardPageShowsDiscounts(t *testing.T) {
	v := testViews(t)
	board := &dashboard.Dashboard{Day: "2026-12-07", PreviousDay: "2026-12-06",
		Sales:    dashboard.Sales{Orders: 3, Paid: 9000, PromoOff: 500, CouponOff: 500, LeaderFunded: 100},
		Previous: dashboard.Sales{Orders: 1, Paid: 1000}}
	page := renderView(t, v, "dashboard", &dashboardData{Board: board, ReloadURL: dashboardPath})
	row := regexp.MustCompile(`(?s)<tr data-day="2026-12-07">.*?</tr>`).FindString(page)
	for _, want := range []string{`<td class="num">90.00</td>`, `data-figure="promo-off">5.00`, `data-figure="coupon-off">5.00`,
		`data-figure="platform-funded">9.00`, `data-figure="leader-funded">1.00`} {
		if !strings.Contains(row, want) {
			t.Errorf("the day's row lacks %s: %s", want, row)
		}
	}
	previous := regexp.MustCompile(`(?s)<tr data-day="2026-12-06">.*?</tr>`).FindString(page)
	if !strings.Contains(previous, `data-figure="platform-funded">0.00`) {
		t.Errorf("the previous day's row: %s", previous)
	}
}
