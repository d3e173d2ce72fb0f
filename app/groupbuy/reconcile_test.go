package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

func TestPrintReconciliation(t *testing.T) {
	day := time.Date(2026, 5, 1, 0, 0, 0, 0, bjtime.Zone)
	var b strings.Builder
	printReconciliation(&b, &reconcile.Report{Day: day, Clean: true, Counts: reconcile.Counts{BillPayments: 2, Matched: 2},
		Discounts: commission.Discounts{Orders: 2, Goods: 10000, PromoOff: 800, CouponOff: 1000, LeaderFunded: 300, Paid: 8200}})
	if out := b.String(); !strings.HasPrefix(out, "reconciliation of 2026-05-01: clean\n") || strings.Contains(out, "differences") ||
		!strings.Contains(out, "2 orders paid (yuan): goods 100.00 − 满减 8.00 − coupons 10.00 = paid 82.00; "+
			"discounts borne by leaders 3.00, by the platform 15.00; gifts 0.00") {
		t.Errorf("clean day:\n%s", out)
	}
	b.Reset()
	printReconciliation(&b, &reconcile.Report{Day: day, Differences: []reconcile.Difference{
		{Kind: reconcile.AmountMismatch, Category: reconcile.CategoryPayment, Ref: "gb-1", Ours: 100, WeChat: 120, Advice: "check it"},
		{Kind: reconcile.AmountMismatch, Category: reconcile.CategoryPayment, Ref: "gb-2", Ours: 5, WeChat: 6, Advice: "check it"},
	}, Notes: []reconcile.Difference{{Kind: reconcile.AdjacentDay, Category: reconcile.CategoryPayment, Ref: "gb-3", Advice: "nothing"}}})
	out := b.String()
	for _, want := range []string{"2 differences", "gb-1", "1.00", "1.20", "gb-2", "notes (informational)", "gb-3", "amount_mismatch/payment: check it"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Count(out, "check it") != 1 {
		t.Errorf("advice repeated:\n%s", out)
	}
}

func TestReconcileExitStatus(t *testing.T) {
	var st *exitStatus
	if err := reconcileCmd([]string{"-day", "2026-13-01"}); !errors.As(err, &st) || st.code != exitError {
		t.Errorf("bad day: %v", err)
	}
	if err := reconcileCmd(nil); !errors.As(err, &st) || st.code != exitError {
		t.Errorf("no day: %v", err)
	}
}
