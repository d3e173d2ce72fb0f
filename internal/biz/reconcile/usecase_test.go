package reconcile_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// fakeBills serves bills by Beijing date; a date without one is ErrBillNotReady.
type fakeBills struct {
	trade   map[string]payment.TradeBill
	sharing map[string]payment.SharingBill
	err     error
}

func date(t time.Time) string { return t.In(bjtime.Zone).Format(time.DateOnly) }

func (f *fakeBills) TradeBill(_ context.Context, d time.Time) (payment.TradeBill, error) {
	if f.err != nil {
		return payment.TradeBill{}, f.err
	}
	if b, ok := f.trade[date(d)]; ok {
		return b, nil
	}
	return payment.TradeBill{}, &payment.WeChatError{Kind: payment.ErrBillNotReady, Code: "NO_STATEMENT_EXIST"}
}

func (f *fakeBills) SharingBill(_ context.Context, d time.Time) (payment.SharingBill, error) {
	if b, ok := f.sharing[date(d)]; ok {
		return b, nil
	}
	return payment.SharingBill{}, &payment.WeChatError{Kind: payment.ErrBillNotReady, Code: "NO_STATEMENT_EXIST"}
}

// fakeSource answers from cleanInput's records and remembers what it was asked.
type fakeSource struct {
	in       reconcile.Input
	from, to time.Time
	txIDs    []string
	orderIDs []int64

	discounts                  commission.Discounts
	discountsFrom, discountsTo time.Time
}

func (f *fakeSource) Payments(_ context.Context, from, to time.Time) ([]reconcile.Payment, error) {
	f.from, f.to = from, to
	return f.in.Payments, nil
}

func (f *fakeSource) Refunds(context.Context, time.Time, time.Time) ([]reconcile.Refund, error) {
	return f.in.Refunds, nil
}

func (f *fakeSource) Items(_ context.Context, _, _ time.Time, txIDs []string) ([]reconcile.Item, error) {
	f.txIDs = txIDs
	return f.in.Items, nil
}

func (f *fakeSource) Books(_ context.Context, ids []int64) ([]reconcile.OrderBook, error) {
	f.orderIDs = ids
	return f.in.Books, nil
}

// Discounts answers with the day's promotions and remembers the range asked.
func (f *fakeSource) Discounts(_ context.Context, from, to time.Time) (commission.Discounts, error) {
	f.discountsFrom, f.discountsTo = from, to
	return f.discounts, nil
}

func TestReconcilerDay(t *testing.T) {
	in := cleanInput()
	bills := &fakeBills{
		trade:   map[string]payment.TradeBill{"2026-11-24": *in.Cur.Trade, "2026-11-23": {}},
		sharing: map[string]payment.SharingBill{"2026-11-24": *in.Cur.Sharing},
	}
	promos := commission.Discounts{Orders: 2, Goods: 12000, PromoOff: 800, CouponOff: 1200, LeaderFunded: 300, Paid: 10000, Gifts: 1600}
	src := &fakeSource{in: in, discounts: promos}
	r, err := reconcile.NewReconciler(bills, src).Day(t.Context(), at(15, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Clean || len(r.Differences) != 0 {
		t.Errorf("differences %v", keys(r.Differences))
	}
	if want := day.Add(-reconcile.DefaultTolerance); !src.from.Equal(want) || !src.to.Equal(day.AddDate(0, 0, 1).Add(reconcile.DefaultTolerance)) {
		t.Errorf("records read for [%v, %v), want the day widened by the tolerance", src.from, src.to)
	}
	if want := []string{"tx-" + payment.OutOrderNo(1, 2)}; !slices.Equal(src.txIDs, want) {
		t.Errorf("items of transactions %v, want %v", src.txIDs, want)
	}
	if want := []int64{1, 2}; !slices.Equal(src.orderIDs, want) {
		t.Errorf("books of orders %v, want %v", src.orderIDs, want)
	}
	if r.Discounts != promos || !src.discountsFrom.Equal(day) || !src.discountsTo.Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("discounts %+v of [%v, %v), want %+v of the day itself", r.Discounts, src.discountsFrom, src.discountsTo, promos)
	}
}

func TestReconcilerBillsNotReady(t *testing.T) {
	_, err := reconcile.NewReconciler(&fakeBills{}, &fakeSource{}).Day(t.Context(), day)
	if !errors.Is(err, payment.ErrBillNotReady) || !strings.Contains(err.Error(), "2026-11-24") {
		t.Errorf("no bill: %v, want ErrBillNotReady naming the day", err)
	}
	boom := errors.New("connection reset")
	_, err = reconcile.NewReconciler(&fakeBills{err: boom}, &fakeSource{}).Day(t.Context(), day)
	if !errors.Is(err, boom) {
		t.Errorf("download failure: %v, want it passed through", err)
	}
}

// Only a trade bill: the day had no profit-sharing, and a payment of ours late in the day is
// awaiting the next day's bill.
func TestReconcilerTradeBillOnly(t *testing.T) {
	in := cleanInput()
	in.Items, in.Books = nil, in.Books[:1]
	in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 59, 0)))
	bills := &fakeBills{trade: map[string]payment.TradeBill{"2026-11-24": *in.Cur.Trade, "2026-11-23": {}}}
	r, err := reconcile.NewReconciler(bills, &fakeSource{in: in}).Day(t.Context(), day)
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, "differences", keys(r.Differences), nil)
	assertKeys(t, "notes", keys(r.Notes), []string{"awaiting_bill/payment/GBO5-1"})
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(report.BOM)) {
		t.Fatal("no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[len(report.BOM):])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	r := reconcile.Match(cleanInput())
	if err := reconcile.WriteCSV(&buf, &r); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 2+promotionRows || rows[0][0] != "对账日" || !strings.Contains(rows[1][2], "clean") || rows[1][0] != "2026-11-24" {
		t.Errorf("clean day CSV %q", rows)
	}

	in := cleanInput()
	in.Payments[0].Amount = 9999
	in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 59, 0)))
	in.Next = reconcile.DayBills{}
	r = reconcile.Match(in)
	buf.Reset()
	if err := reconcile.WriteCSV(&buf, &r); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, buf.Bytes())
	if len(rows) != 3+promotionRows {
		t.Fatalf("rows %q", rows)
	}
	diff := rows[1]
	if diff[3] != "GBO1-1" || diff[4] != "99.99" || diff[5] != "100.00" || !strings.Contains(diff[2], "amount_mismatch") || diff[7] == "" {
		t.Errorf("difference row %q", diff)
	}
	if !strings.Contains(rows[2][2], "awaiting_bill") {
		t.Errorf("note row %q", rows[2])
	}
}

// promotionRows is how many rows the day's promotions take in the CSV.
const promotionRows = 7

// The CSV ends with the day's promotions, one figure a row in yuan: goods less the 满减 and the
// coupons is what was paid, and the discounts split into what the leaders and the platform bore.
func TestWriteCSVPromotions(t *testing.T) {
	r := reconcile.Match(cleanInput())
	r.Discounts = commission.Discounts{Orders: 3, Goods: 12345, PromoOff: 800, CouponOff: 1205, LeaderFunded: 305, Paid: 10340, Gifts: 1600}
	var buf bytes.Buffer
	if err := reconcile.WriteCSV(&buf, &r); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	var got []string
	for _, row := range rows[2:] {
		if row[2] != reconcile.PromotionKind || row[0] != "2026-11-24" {
			t.Errorf("promotion row %q", row)
		}
		got = append(got, row[4])
	}
	want := []string{"123.45", "8.00", "12.05", "103.40", "3.05", "17.00", "16.00"}
	if !slices.Equal(got, want) {
		t.Errorf("promotion amounts %q, want %q", got, want)
	}
	if !strings.Contains(rows[2][6], "3") {
		t.Errorf("goods row %q does not say how many orders", rows[2])
	}
}
