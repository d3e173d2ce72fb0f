package data_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

func readReport(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(report.BOM)) {
		t.Fatalf("report does not start with the UTF-8 BOM: %q", b)
	}
	recs, err := csv.NewReader(bytes.NewReader(b[len(report.BOM):])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// A leader with commission credited and partly reversed: the CSV statement of the calendar month
// as a period says, in yuan, what the month's statement (the JSON view) says in fen; the trial
// balance CSV lists every account and totals 0.00.
func TestReportsAgreeWithTheViews(t *testing.T) {
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	built := e.withCommission(commission.Config{Levels: 2, CapBP: commission.DefaultCapBP})
	flows, views := built.Flows, built.Views

	o := e.pkOrder(e.a, "paid", 3) // 3 × 2500 fen at 10%: 750
	if err := flows.OnPaid(ctx, commissionEvent(t, 1, order.Changed{OrderID: int64(o.ID)})); err != nil {
		t.Fatal(err)
	}
	line := e.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).OnlyX(ctx)
	e.db.OrderLine.UpdateOne(line).SetRefundedQuantity(1).SetRefundedAmount(2500).ExecX(ctx)
	if err := flows.OnRefunded(ctx, commissionEvent(t, 2,
		order.Changed{OrderID: int64(o.ID), RefundNo: "r1", RefundAmount: 2500})); err != nil {
		t.Fatal(err)
	}

	now := e.clock.Now().In(bjtime.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, bjtime.Zone)
	month, err := views.Statement(ctx, e.a.ID, first.Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	if month.Earned != 750 || month.Reversed != 250 || month.EarnedByLevel[0] != 750 || month.Closing != 500 {
		t.Fatalf("month statement %+v: want 750 earned at level 0, 250 reversed, 500 closing", month)
	}
	from, to := first.Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly)
	period, err := views.PeriodStatement(ctx, e.a.ID, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Statement(&b, period); err != nil {
		t.Fatal(err)
	}
	recs := readReport(t, b.Bytes())
	if len(recs) != 2 {
		t.Fatalf("statement CSV has %d records: %q", len(recs), recs)
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	want := map[string]string{"期间开始": from, "期间结束(不含)": to, "期初余额(元)": report.Yuan(month.Opening),
		"本期佣金-0级(元)": report.Yuan(month.EarnedByLevel[0]), "本期佣金-1级(元)": report.Yuan(month.EarnedByLevel[1]),
		"本期佣金合计(元)": report.Yuan(month.Earned), "冲回(元)": report.Yuan(month.Reversed),
		"已结算(元)": report.Yuan(month.Settled), "欠款(元)": report.Yuan(month.Owed), "期末余额(元)": report.Yuan(month.Closing)}
	for h, w := range want {
		if col[h] != w {
			t.Errorf("%s = %q, want %q (row %q)", h, col[h], w, recs[1])
		}
	}
	if col["冲回(元)"] != "2.50" || col["期末余额(元)"] != "5.00" {
		t.Errorf("statement row %q", recs[1])
	}

	accts, err := views.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := report.TrialBalance(&b, accts); err != nil {
		t.Fatal(err)
	}
	recs = readReport(t, b.Bytes())
	if len(accts) < 3 || len(recs) != len(accts)+2 {
		t.Fatalf("trial balance of %d accounts: %q", len(accts), recs)
	}
	if last := recs[len(recs)-1]; last[0] != report.TotalLabel || last[4] != "0.00" {
		t.Errorf("trial balance total row %q", last)
	}

	// Periods: to is exclusive and after from, at most 366 days, dates only.
	for _, p := range [][2]string{{from, from}, {to, from}, {"2025-01-01", "2026-01-03"}, {"2026-1-1", "2026-02-01"},
		{"2026-01-01", "2026-02-30"}, {"", to}} {
		_, err := views.PeriodStatement(ctx, e.a.ID, p[0], p[1])
		var invalid *bizerr.InvalidError
		if !errors.As(err, &invalid) {
			t.Errorf("period %q: %v, want invalid", p, err)
		}
	}
	if _, err := views.PeriodStatement(ctx, e.a.ID, "2024-01-01", "2025-01-01"); err != nil { // 366 days, leap year
		t.Errorf("a leap year: %v", err)
	}
}
