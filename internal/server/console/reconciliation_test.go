package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

// The reconciliation page shows each difference with its advice, a link to the day's CSV, and
// a refused day as an error on the picker.
func TestReconPageRenders(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(msg)
	if err != nil {
		t.Fatal(err)
	}
	render := func(d *reconData) string {
		var b bytes.Buffer
		if err := v.byName["recon"].ExecuteTemplate(&b, "layout", view{Data: d}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	rep := &reconcile.Report{Day: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Differences: []reconcile.Difference{{
		Kind: reconcile.AmountMismatch, Category: reconcile.CategoryPayment, Ref: "4200000001", Ours: 3990, WeChat: 3900,
		Advice: "金额不一致：以微信为准"}},
		Discounts: commission.Discounts{Orders: 2, Goods: 10000, PromoOff: 800, CouponOff: 1000, LeaderFunded: 300, Paid: 8200}}
	page := render(&reconData{Day: "2026-12-06", Max: "2026-12-07", Report: rep})
	for _, want := range []string{"金额不符", "4200000001", "39.90", "39.00", "金额不一致：以微信为准",
		`href="/console/finance/reconciliation/csv?day=2026-12-06"`, `data-testid="recon-dirty"`, `max="2026-12-07"`,
		`data-figure="goods">100.00`, `data-figure="promo-off">8.00`, `data-figure="coupon-off">10.00`,
		`data-figure="paid">82.00`, `data-figure="leader-funded">3.00`, `data-figure="platform-funded">15.00`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	bad := render(&reconData{Day: "2099-01-01", Error: "日期无效：in the future"})
	if !strings.Contains(bad, `aria-invalid="true"`) || !strings.Contains(bad, "in the future") || strings.Contains(bad, "recon-report") {
		t.Errorf("a refused day's page:\n%s", bad)
	}
}

// Every kind and category a difference can have has its label.
func TestReconValueLabels(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []reconcile.Kind{reconcile.MissingOurs, reconcile.MissingWeChat, reconcile.AmountMismatch,
		reconcile.StateMismatch, reconcile.Duplicate, reconcile.UnknownReturn, reconcile.LedgerMismatch,
		reconcile.AdjacentDay, reconcile.AwaitingBill}
	keys := []string{}
	for _, k := range kinds {
		keys = append(keys, "diff."+string(k))
	}
	for _, c := range []string{reconcile.CategoryPayment, reconcile.CategoryRefund, reconcile.CategoryShare,
		reconcile.CategoryUnfreeze, reconcile.CategoryReturn, reconcile.CategoryLedger} {
		keys = append(keys, "category."+c)
	}
	for _, k := range keys {
		if _, ok := msg[k]; !ok {
			t.Errorf("label %q is missing", k)
		}
	}
}
