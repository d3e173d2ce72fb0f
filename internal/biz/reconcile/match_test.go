package reconcile_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

const mch = "1900000109"

// day is the reconciled Beijing day, 2026-11-24.
var day = time.Date(2026, 11, 24, 0, 0, 0, 0, bjtime.Zone)

// at is a time of the day (negative hours fall on the day before, 24+ on the day after).
func at(h, m, s int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

func tradeBill(rows ...payment.BillRow) *payment.TradeBill { return &payment.TradeBill{Rows: rows} }

func payRow(no, tx string, amount int64, t time.Time) payment.BillRow {
	return payment.BillRow{TradeTime: t, OutTradeNo: no, TransactionID: tx, TradeState: "SUCCESS", Settlement: amount, Total: amount}
}

func refundRow(no, outTradeNo string, amount int64, state string, t time.Time) payment.BillRow {
	return payment.BillRow{TradeTime: t, OutTradeNo: outTradeNo, OutRefundNo: no, TradeState: "REFUND", Refund: amount, RefundState: state}
}

func sharingBill(rows ...payment.SharingBillRow) *payment.SharingBill {
	return &payment.SharingBill{Rows: rows}
}

func shareRow(outOrderNo, account string, amount int64, t time.Time) payment.SharingBillRow {
	return payment.SharingBillRow{MchID: mch, TransactionID: "tx-" + outOrderNo, OutOrderNo: outOrderNo, Account: account,
		ReceiverType: payment.ReceiverPersonalOpenID, Amount: amount, BusinessType: payment.SharingBillShare, State: "SUCCESS", FinishTime: t}
}

func unfreezeRow(tx, outOrderNo string, amount int64, t time.Time) payment.SharingBillRow {
	return payment.SharingBillRow{MchID: mch, TransactionID: tx, OutOrderNo: outOrderNo, Account: mch,
		ReceiverType: payment.ReceiverMerchantID, Amount: amount, BusinessType: payment.SharingBillUnfreeze, State: "SUCCESS", FinishTime: t}
}

func pay(orderID int64, tx string, amount int64, t time.Time) reconcile.Payment {
	return reconcile.Payment{OrderID: orderID, OutTradeNo: payment.OutTradeNo(orderID, 1), TransactionID: tx, Amount: amount, PaidAt: t}
}

func refund(orderID, n int64, amount int64, state string, t time.Time) reconcile.Refund {
	return reconcile.Refund{OrderID: orderID, OutRefundNo: payment.OutRefundNo(orderID, n), OutTradeNo: payment.OutTradeNo(orderID, 1),
		Amount: amount, State: state, CreatedAt: t}
}

// item is a finished share item of order paying leader accounts.
func item(orderID int64, t time.Time, shares ...reconcile.Share) reconcile.Item {
	return reconcile.Item{RunID: 1, OrderID: orderID, TransactionID: "tx-" + payment.OutOrderNo(1, orderID),
		OutOrderNo: payment.OutOrderNo(1, orderID), Kind: reconcile.ItemShare, State: reconcile.ItemFinished, FinishedAt: t, Shares: shares}
}

func share(source int64, account string, amount int64, result string, t time.Time) reconcile.Share {
	return reconcile.Share{SourceOrderID: source, Account: account, Amount: amount, Result: result, FinishedAt: t}
}

// cleanInput is a day where everything agrees: order 1 paid 100.00 and refunded 20.00,
// order 2's commission paid out to two leaders, the rest unfrozen.
func cleanInput() reconcile.Input {
	no2 := payment.OutOrderNo(1, 2)
	return reconcile.Input{
		Day: day,
		Cur: reconcile.DayBills{
			Trade: tradeBill(payRow(payment.OutTradeNo(1, 1), "tx1", 10000, at(9, 0, 0)),
				refundRow(payment.OutRefundNo(1, 1), payment.OutTradeNo(1, 1), 2000, "SUCCESS", at(10, 0, 0))),
			Sharing: sharingBill(shareRow(no2, "oA", 300, at(11, 0, 0)), shareRow(no2, "oB", 100, at(11, 0, 0)),
				unfreezeRow("tx-"+no2, no2, 5600, at(11, 0, 0))),
		},
		Prev:     reconcile.DayBills{Trade: tradeBill(), Sharing: sharingBill()},
		Next:     reconcile.DayBills{Trade: tradeBill(), Sharing: sharingBill()},
		Payments: []reconcile.Payment{pay(1, "tx1", 10000, at(9, 0, 0))},
		Refunds:  []reconcile.Refund{refund(1, 1, 2000, reconcile.RefundSuccess, at(10, 0, 0))},
		Items: []reconcile.Item{item(2, at(11, 0, 5),
			share(2, "oA", 300, reconcile.ShareSuccess, at(11, 0, 0)), share(2, "oB", 100, reconcile.ShareSuccess, at(11, 0, 0)))},
		Books: []reconcile.OrderBook{
			{OrderID: 1, Paid: 10000, Refunded: 2000, LedgerPaid: 10000, LedgerRefunded: 2000},
			{OrderID: 2, Shared: 400, LedgerSettled: 400},
		},
	}
}

// keys are "kind/category/ref" of each difference, in report order.
func keys(ds []reconcile.Difference) []string {
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Kind)+"/"+d.Category+"/"+d.Ref)
	}
	return out
}

func TestMatchCleanDay(t *testing.T) {
	r := reconcile.Match(cleanInput())
	if !r.Clean || len(r.Differences) != 0 || len(r.Notes) != 0 {
		t.Fatalf("clean day: differences %v, notes %v", keys(r.Differences), keys(r.Notes))
	}
	want := reconcile.Counts{BillPayments: 1, BillRefunds: 1, BillShares: 2, BillUnfreezes: 1,
		OurPayments: 1, OurRefunds: 1, OurShares: 2, Matched: 5, Orders: 2}
	if r.Counts != want {
		t.Errorf("counts %+v, want %+v", r.Counts, want)
	}
	if !r.Day.Equal(day) {
		t.Errorf("day %v, want %v", r.Day, day)
	}
}

func TestMatchDifferences(t *testing.T) {
	no2 := payment.OutOrderNo(1, 2)
	cases := []struct {
		name   string
		change func(in *reconcile.Input)
		want   []string // differences
		notes  []string
	}{
		{
			name: "payment missing in ours",
			change: func(in *reconcile.Input) {
				in.Cur.Trade.Rows = append(in.Cur.Trade.Rows, payRow("GBO9-1", "tx9", 500, at(15, 0, 0)))
			},
			want: []string{"missing_ours/payment/GBO9-1"},
		},
		{
			name:   "payment missing at WeChat",
			change: func(in *reconcile.Input) { in.Payments = append(in.Payments, pay(9, "tx9", 500, at(15, 0, 0))) },
			want:   []string{"missing_wechat/payment/GBO9-1"},
		},
		{
			name:   "payment amount",
			change: func(in *reconcile.Input) { in.Payments[0].Amount = 9999 },
			want:   []string{"amount_mismatch/payment/GBO1-1"},
		},
		{
			name:   "payment transaction id",
			change: func(in *reconcile.Input) { in.Payments[0].TransactionID = "tx-other" },
			want:   []string{"state_mismatch/payment/GBO1-1"},
		},
		{
			name: "refund missing in ours",
			change: func(in *reconcile.Input) {
				in.Cur.Trade.Rows = append(in.Cur.Trade.Rows, refundRow("GBR1-2", "GBO1-1", 100, "SUCCESS", at(16, 0, 0)))
			},
			want: []string{"missing_ours/refund/GBR1-2"},
		},
		{
			name: "refund missing at WeChat",
			change: func(in *reconcile.Input) {
				in.Refunds = append(in.Refunds, refund(1, 2, 100, reconcile.RefundProcessing, at(16, 0, 0)))
			},
			want: []string{"missing_wechat/refund/GBR1-2"},
		},
		{
			name: "refund that never reached WeChat or was closed is not expected",
			change: func(in *reconcile.Input) {
				in.Refunds = append(in.Refunds, refund(1, 2, 100, reconcile.RefundClosed, at(16, 0, 0)),
					refund(1, 3, 100, reconcile.RefundCreated, at(16, 0, 0)))
			},
		},
		{
			name:   "refund state",
			change: func(in *reconcile.Input) { in.Refunds[0].State = reconcile.RefundProcessing },
			want:   []string{"state_mismatch/refund/GBR1-1"},
		},
		{
			name:   "refund closed at WeChat, success in ours",
			change: func(in *reconcile.Input) { in.Cur.Trade.Rows[1].RefundState = "CLOSED" },
			want:   []string{"state_mismatch/refund/GBR1-1"},
		},
		{
			name:   "refund amount",
			change: func(in *reconcile.Input) { in.Cur.Trade.Rows[1].Refund = 2001 },
			want:   []string{"amount_mismatch/refund/GBR1-1"},
		},
		{
			name:   "share missing in ours",
			change: func(in *reconcile.Input) { in.Items[0].Shares = in.Items[0].Shares[:1] },
			want:   []string{"missing_ours/share/" + no2 + "/oB"},
		},
		{
			name: "share missing at WeChat",
			change: func(in *reconcile.Input) {
				in.Cur.Sharing.Rows = slices.Delete(in.Cur.Sharing.Rows, 1, 2)
			},
			want: []string{"missing_wechat/share/" + no2 + "/oB"},
		},
		{
			name:   "share amount",
			change: func(in *reconcile.Input) { in.Items[0].Shares[0].Amount = 299 },
			want:   []string{"amount_mismatch/share/" + no2 + "/oA"},
		},
		{
			name: "share still pending in ours",
			change: func(in *reconcile.Input) {
				in.Items[0].State = reconcile.ItemProcessing
				in.Items[0].Shares[0].Result, in.Items[0].Shares[0].FinishedAt = "pending", time.Time{}
			},
			want: []string{"state_mismatch/unfreeze/" + no2, "state_mismatch/share/" + no2 + "/oA"},
		},
		{
			name: "unfreeze of a transaction we never settled",
			change: func(in *reconcile.Input) {
				in.Cur.Sharing.Rows = append(in.Cur.Sharing.Rows, unfreezeRow("tx-x", "GBU7", 900, at(12, 0, 0)))
			},
			want: []string{"missing_ours/unfreeze/GBU7"},
		},
		{
			name: "a return we never asked for",
			change: func(in *reconcile.Input) {
				r := shareRow("GBB1-2-1", "1900000110", 50, at(13, 0, 0))
				r.BusinessType = payment.SharingBillReturn
				in.Cur.Sharing.Rows = append(in.Cur.Sharing.Rows, r)
			},
			want: []string{"unknown_return/return/GBB1-2-1"},
		},
		{
			name: "an item's shares to one account are one line",
			change: func(in *reconcile.Input) {
				in.Items[0].Shares = append(in.Items[0].Shares, share(1, "oA", 50, reconcile.ShareSuccess, at(11, 0, 0)))
				in.Cur.Sharing.Rows[0].Amount = 350
				in.Books = append(in.Books[:1], reconcile.OrderBook{OrderID: 2, Shared: 400, LedgerSettled: 400})
			},
		},
		{
			name: "duplicate lines on the bill",
			change: func(in *reconcile.Input) {
				in.Cur.Trade.Rows = append(in.Cur.Trade.Rows, in.Cur.Trade.Rows[0])
				in.Cur.Sharing.Rows = append(in.Cur.Sharing.Rows, in.Cur.Sharing.Rows[0])
			},
			want: []string{"duplicate/payment/GBO1-1", "duplicate/share/" + no2 + "/oA"},
		},
		{
			name:   "duplicate records of ours",
			change: func(in *reconcile.Input) { in.Payments = append(in.Payments, in.Payments[0]) },
			want:   []string{"duplicate/payment/GBO1-1"},
		},
		{
			name: "ledger",
			change: func(in *reconcile.Input) {
				in.Books[0].LedgerPaid, in.Books[0].LedgerRefunded, in.Books[1].LedgerSettled = 0, 1000, 300
			},
			want: []string{"ledger_mismatch/payment/order/1", "ledger_mismatch/refund/order/1", "ledger_mismatch/share/order/2"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := cleanInput()
			c.change(&in)
			r := reconcile.Match(in)
			assertKeys(t, "differences", keys(r.Differences), c.want)
			assertKeys(t, "notes", keys(r.Notes), c.notes)
			if r.Clean != (len(c.want) == 0) {
				t.Errorf("clean = %v with differences %v", r.Clean, keys(r.Differences))
			}
			for _, d := range r.Differences {
				if d.Advice == "" || d.Detail == "" {
					t.Errorf("%s/%s lacks advice or detail: %+v", d.Kind, d.Ref, d)
				}
			}
		})
	}
}

// Near midnight a record and its bill line may fall on two days: that is a note, not a
// difference, unless the neighbouring bill is out and lacks it too.
func TestMatchMidnight(t *testing.T) {
	no5 := payment.OutOrderNo(1, 5)
	cases := []struct {
		name   string
		change func(in *reconcile.Input)
		want   []string
		notes  []string
	}{
		{
			name: "ours late in the day, on the next day's bill",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 59, 59)))
				in.Next.Trade = tradeBill(payRow("GBO5-1", "tx5", 700, at(24, 0, 1)))
			},
			notes: []string{"adjacent_day/payment/GBO5-1"},
		},
		{
			name: "ours early in the day, on the previous day's bill",
			change: func(in *reconcile.Input) {
				in.Refunds = append(in.Refunds, refund(1, 2, 300, reconcile.RefundSuccess, at(0, 0, 1)))
				in.Prev.Trade = tradeBill(refundRow("GBR1-2", "GBO1-1", 300, "SUCCESS", at(0, 0, -1)))
			},
			notes: []string{"adjacent_day/refund/GBR1-2"},
		},
		{
			name: "bill line of the day, ours just before midnight",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(0, 0, -2)))
				in.Cur.Trade.Rows = append(in.Cur.Trade.Rows, payRow("GBO5-1", "tx5", 700, at(0, 0, 1)))
			},
			notes: []string{"adjacent_day/payment/GBO5-1"},
		},
		{
			name: "bill line of the day, ours just after midnight, amounts still compared",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 701, at(24, 0, 2)))
				in.Cur.Trade.Rows = append(in.Cur.Trade.Rows, payRow("GBO5-1", "tx5", 700, at(23, 59, 59)))
			},
			want:  []string{"amount_mismatch/payment/GBO5-1"},
			notes: []string{"adjacent_day/payment/GBO5-1"},
		},
		{
			name: "share finished late, on the next day's bill",
			change: func(in *reconcile.Input) {
				in.Items = append(in.Items, item(5, at(23, 59, 58), share(5, "oC", 80, reconcile.ShareSuccess, at(23, 59, 58))))
				in.Next.Sharing = sharingBill(shareRow(no5, "oC", 80, at(24, 0, 0)))
				in.Books = append(in.Books, reconcile.OrderBook{OrderID: 5, Shared: 80, LedgerSettled: 80})
			},
			notes: []string{"adjacent_day/share/" + no5 + "/oC"},
		},
		{
			name: "ours late in the day, next day's bill not out yet",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 50, 0)))
				in.Next = reconcile.DayBills{}
			},
			notes: []string{"awaiting_bill/payment/GBO5-1"},
		},
		{
			name: "ours at noon, next day's bill not out yet: missing",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(12, 0, 0)))
				in.Next = reconcile.DayBills{}
			},
			want: []string{"missing_wechat/payment/GBO5-1"},
		},
		{
			name: "ours late in the day, next day's bill out and without it: missing",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 59, 59)))
			},
			want: []string{"missing_wechat/payment/GBO5-1"},
		},
		{
			name: "ours early in the day, previous day's bill unavailable",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(0, 5, 0)))
				in.Prev = reconcile.DayBills{}
			},
			notes: []string{"awaiting_bill/payment/GBO5-1"},
		},
		{
			name: "ours of the neighbouring days are not this day's business",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(-1, 50, 0)), pay(6, "tx6", 700, at(24, 10, 0)))
			},
		},
		{
			name: "duplicates on a neighbouring bill are that day's business",
			change: func(in *reconcile.Input) {
				in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 59, 59)))
				row := payRow("GBO5-1", "tx5", 700, at(24, 0, 1))
				in.Next.Trade = tradeBill(row, row)
			},
			notes: []string{"adjacent_day/payment/GBO5-1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := cleanInput()
			c.change(&in)
			r := reconcile.Match(in)
			assertKeys(t, "differences", keys(r.Differences), c.want)
			assertKeys(t, "notes", keys(r.Notes), c.notes)
			if r.Clean != (len(c.want) == 0) {
				t.Errorf("clean = %v", r.Clean)
			}
		})
	}
}

// A tolerance set on the input replaces the default.
func TestMatchTolerance(t *testing.T) {
	in := cleanInput()
	in.Payments = append(in.Payments, pay(5, "tx5", 700, at(23, 50, 0)))
	in.Next = reconcile.DayBills{}
	in.Tolerance = 5 * time.Minute
	r := reconcile.Match(in)
	assertKeys(t, "differences", keys(r.Differences), []string{"missing_wechat/payment/GBO5-1"})
}

func assertKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, ", "), strings.Join(want, ", "))
	}
}
