package wechatpay_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/data/reconcilestore"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The profit-sharing bill is applied for through the SDK, downloaded, hash-checked and parsed
// into fen: the leader's share, the partner's share, the unfreeze of the rest to the merchant
// (解冻给分账方) and a return from the partner, each a row; nothing before 10:00 the next day.
func TestSharingBill(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p := e.paid(payment.OutTradeNo(21, 1), 10000, true)
	for _, r := range []payment.Receiver{
		{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Relation: payment.RelationDistributor},
		{Type: payment.ReceiverMerchantID, Account: partnerMch, Name: "示例合作商户有限公司", Relation: payment.RelationPartner},
	} {
		if err := e.client.AddReceiver(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	orderNo := payment.OutOrderNo(3, 21)
	if _, err := e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: orderNo, TransactionID: p.TransactionID, UnfreezeUnsplit: true,
		Shares: []payment.Share{
			{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Amount: 1234, Description: "团长佣金"},
			{Type: payment.ReceiverMerchantID, Account: partnerMch, Name: "示例合作商户有限公司", Amount: 500, Description: "合作方分成"},
		}}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SettleProfitSharing(orderNo); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateReturn(ctx, payment.ReturnInput{OutReturnNo: payment.OutReturnNo(payment.OutRefundNo(21, 1), 1), OutOrderNo: orderNo,
		ReturnMchID: partnerMch, Amount: 200, Description: "退款回退"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "return result", func() bool {
		r, err := e.client.QueryReturn(ctx, orderNo, payment.OutReturnNo(payment.OutRefundNo(21, 1), 1))
		return err == nil && r.Result != payment.ReturnProcessing
	})

	day := e.sim.Now()
	if _, err := e.client.SharingBill(ctx, day); !errors.Is(err, payment.ErrBillNotReady) {
		t.Errorf("today's bill: %v, want ErrBillNotReady", err)
	}
	e.sim.AdvanceClock(36 * time.Hour)
	bill, err := e.client.SharingBill(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if y, m, d := day.In(beijingLoc(t)).Date(); bill.Day.Year() != y || bill.Day.Month() != m || bill.Day.Day() != d {
		t.Errorf("bill day %v, want %v", bill.Day, day)
	}
	byAccount := map[string]payment.SharingBillRow{}
	for _, r := range bill.Rows {
		if r.TransactionID != p.TransactionID || r.FinishTime.IsZero() || r.State == "" {
			t.Errorf("row %+v", r)
		}
		byAccount[r.BusinessType+"/"+r.Account] = r
	}
	want := map[string]int64{
		payment.SharingBillShare + "/" + leaderID:        1234,
		payment.SharingBillShare + "/" + partnerMch:      500,
		payment.SharingBillUnfreeze + "/" + e.keys.MchID: 10000 - 1234 - 500,
		payment.SharingBillReturn + "/" + partnerMch:     200,
	}
	if len(bill.Rows) != len(want) {
		t.Fatalf("bill has %d rows, want %d: %+v", len(bill.Rows), len(want), bill.Rows)
	}
	for k, amount := range want {
		if r, ok := byAccount[k]; !ok || r.Amount != amount {
			t.Errorf("%s: %+v, want amount %d", k, r, amount)
		}
	}
	if r := byAccount[payment.SharingBillShare+"/"+leaderID]; r.OutOrderNo != orderNo || r.DetailID == "" || r.ReceiverType != payment.ReceiverPersonalOpenID {
		t.Errorf("leader row %+v", r)
	}
	if s := bill.Summary; s.Count != 4 || s.Shared != 10000 || s.Returned != 200 {
		t.Errorf("summary %+v", s)
	}
}

// A day without profit-sharing has no bill: ErrBillNotReady, as WeChat's NO_STATEMENT_EXIST.
func TestSharingBillEmptyDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	day := e.sim.Now()
	e.sim.AdvanceClock(36 * time.Hour)
	if _, err := e.client.SharingBill(t.Context(), day); !errors.Is(err, payment.ErrBillNotReady) {
		t.Errorf("bill of a day without sharing: %v, want ErrBillNotReady", err)
	}
}

func beijingLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The parser finds columns by name wherever they are, reads "（元）" and "(元)" alike, ignores
// unknown columns, and refuses a file whose rows do not add up to its summary.
func TestParseSharingBill(t *testing.T) {
	t.Parallel()
	good := "\ufeff完成时间,新增列,分账/回退金额（元）,分账接收方,业务类型,微信订单号,商户分账/回退单号,分账发起时间\r\n" +
		"`2026-11-24 23:59:59,`x,`12.34,`oA,`分账,`4200001,`GBS1-2,`2026-11-24 23:59:00\r\n" +
		"`2026-11-25 00:00:01,`y,`0.50,`1900000109,`解冻给分账方,`4200001,`GBS1-2,`2026-11-24 23:59:00\r\n" +
		"总条数,分账总金额(元),回退总金额(元)\r\n`2,`12.84,`0.00\r\n"
	bill, err := wechatpay.ParseSharingBill([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(bill.Rows) != 2 || bill.Rows[0].Amount != 1234 || bill.Rows[1].Amount != 50 || bill.Rows[0].Account != "oA" {
		t.Fatalf("rows %+v", bill.Rows)
	}
	if got := bill.Rows[0].FinishTime; !got.Equal(time.Date(2026, 11, 24, 15, 59, 59, 0, time.UTC)) {
		t.Errorf("finish time %v, want 15:59:59 UTC", got)
	}
	for name, file := range map[string]string{
		"summary off": strings.Replace(good, "`12.84", "`12.85", 1),
		"count off":   strings.Replace(good, "`2,`12.84", "`3,`12.84", 1),
		"no summary":  strings.SplitAfter(good, "\r\n")[0] + strings.SplitAfter(good, "\r\n")[1] + strings.SplitAfter(good, "\r\n")[2],
		"bad amount":  strings.Replace(good, "`12.34", "`12.345", 1),
		"no amount":   strings.Replace(good, "分账/回退金额（元）", "金额", 1),
		"bad time":    strings.Replace(good, "`2026-11-24 23:59:59", "`yesterday", 1),
	} {
		if _, err := wechatpay.ParseSharingBill([]byte(file)); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}

// The reconciliation end to end: bills from the simulator through the SDK, our records from
// PostgreSQL. A payment WeChat has and we do not is listed; ours agree with the bill; the
// payment use case alone posts nothing to the ledger (its listener is a stand-in here), so the
// ledger check lists the paid order too.
func TestReconcileDayThroughSimulator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p := e.paid(payment.OutTradeNo(31, 1), 1999, false)
	if _, err := e.uc.Refund(ctx, payment.RefundInput{OutRefundNo: payment.OutRefundNo(31, 1), OutTradeNo: p.OutTradeNo, Amount: 500, Total: 1999}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.AddPaidTransaction(wxsim.PaidTransaction{OutTradeNo: "GBO32-1", Total: 700, PayerOpenID: payerID}); err != nil {
		t.Fatal(err)
	}
	day := e.sim.Now()
	rec := reconcile.NewReconciler(e.client, reconcilestore.NewReconcileSource(e.data))
	if _, err := rec.Day(ctx, day); !errors.Is(err, payment.ErrBillNotReady) {
		t.Errorf("today: %v, want ErrBillNotReady", err)
	}
	e.sim.AdvanceClock(36 * time.Hour)
	r, err := rec.Day(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range r.Differences {
		got = append(got, string(d.Kind)+"/"+d.Category+"/"+d.Ref)
	}
	want := []string{"missing_ours/payment/GBO32-1", "ledger_mismatch/payment/order/31"}
	if !slices.Equal(got, want) || r.Clean {
		t.Errorf("differences %v, want %v", got, want)
	}
	if r.Counts.BillPayments != 2 || r.Counts.BillRefunds != 1 || r.Counts.Matched != 2 {
		t.Errorf("counts %+v", r.Counts)
	}
	var buf bytes.Buffer
	if err := reconcile.WriteCSV(&buf, r); err != nil || !strings.Contains(buf.String(), "GBO32-1") {
		t.Errorf("csv %q, %v", buf.String(), err)
	}
}
