package console

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

func TestParseRates(t *testing.T) {
	for in, want := range map[string][]int{"": nil, "500": {500}, "500, 200": {500, 200}, "500，200": {500, 200}} {
		if got, err := parseRates(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("parseRates(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"5%", "abc", "1.5"} {
		if _, err := parseRates(in); err == nil {
			t.Errorf("parseRates(%q) accepted", in)
		}
	}
}

func testViews(t *testing.T) *views {
	t.Helper()
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(msg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func renderView(t *testing.T, v *views, name string, data any) string {
	t.Helper()
	var b bytes.Buffer
	if err := v.byName[name].ExecuteTemplate(&b, "layout", view{Frame: frame{CSRF: "tok"}, Data: data}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The cap check's refusal is shown on the rates field, the input kept; the list marks the
// version in force.
func TestPlansPageRenders(t *testing.T) {
	v := testViews(t)
	d := &plansData{CanCreate: true, Rates: "2900", Field: "rates", Error: "超出佣金上限：worst case 3900 bp", CapBP: 3000, Levels: 2,
		Plans: []planRow{{Plan: commission.Plan{ID: 4, Version: 2, Rates: []int{500}, EffectiveFrom: time.Now()}, InForce: true},
			{Plan: commission.Plan{ID: 3, Version: 1, Rates: []int{300}}}}}
	page := renderView(t, v, "plans", d)
	for _, want := range []string{`id="rates" value="2900" placeholder="500" aria-invalid="true" aria-describedby="plan-error"`,
		`data-field="rates">超出佣金上限：worst case 3900 bp`, `data-plan="4"`, `data-testid="in-force"`, "3000 基点", `value="tok"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the plans page lacks %s", want)
		}
	}
	if strings.Count(page, `data-testid="in-force"`) != 1 {
		t.Error("more than one version is in force")
	}
	d.CanCreate = false
	if page := renderView(t, v, "plans", d); strings.Contains(page, "create-plan") {
		t.Error("finance is offered the create form")
	}
}

func TestStatementPageRenders(t *testing.T) {
	v := testViews(t)
	st := &commission.Statement{LeaderID: 7, Opening: 100, Earned: 400, Settled: 400, Closing: 100,
		EarnedByLevel: map[int]int64{0: 400}, Discounts: commission.Discounts{Orders: 3, Goods: 15000, PromoOff: 800,
			CouponOff: 1205, LeaderFunded: 305, Paid: 12995, Gifts: 1600}}
	page := renderView(t, v, "statement", &statementData{Leader: "7", From: "2026-12-01", To: "2026-12-08",
		Statement: st, Levels: levels(st.EarnedByLevel)})
	for _, want := range []string{`href="/console/finance/ledger/statement/csv?leader=7&amp;from=2026-12-01&amp;to=2026-12-08"`,
		`data-testid="settled">4.00`, `data-testid="opening">1.00`, `data-figure="orders">3`, `data-figure="goods">150.00`,
		`data-figure="promo-off">8.00`, `data-figure="coupon-off">12.05`, `data-figure="paid">129.95`,
		`data-figure="leader-funded">3.05`, `data-figure="platform-funded">17.00`, `data-figure="gifts">16.00`} {
		if !strings.Contains(page, want) {
			t.Errorf("the statement lacks %s", want)
		}
	}
	bad := renderView(t, v, "statement", &statementData{Leader: "7", From: "2026-12-08", To: "2026-12-01", Field: "to", Error: "x"})
	if !strings.Contains(bad, `id="to" value="2026-12-01" required aria-invalid="true"`) {
		t.Errorf("the refused field is not marked:\n%s", bad)
	}
}
