package fuzz_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
)

// yuan writes fen the way WeChat's bills do: yuan with two decimals.
func yuan(fen int64) string {
	sign, u := "", uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen) // -MinInt64 wraps to itself: as uint64 it is 2^63
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Every amount Fen accepts has the sign it was written with and reads back the same when written
// as yuan; every int64 but the lowest (whose magnitude int64 cannot hold) written as yuan reads
// back as itself. "92233720368547758.08" once read as a negative amount.
func FuzzFen(f *testing.F) {
	for _, s := range []string{"0.00", "12.34", "-0.05", "7", "0.1", "", "19.99", " 3.5 ", "1.234", ".5",
		"1.-5", "--1", "+1", "92233720368547758.07", "92233720368547758.08", "-92233720368547758.08",
		"-92233720368547758.09", "99999999999999999999", "1e3", "0x10"} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(-9223372036854775808))
	f.Add("", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		if got, err := wechatpay.Fen(yuan(n)); n != math.MinInt64 && (err != nil || got != n) {
			t.Errorf("Fen(%q) = %d, %v; want %d", yuan(n), got, err, n)
		}
		fen, err := wechatpay.Fen(s)
		if err != nil {
			return
		}
		if neg := strings.HasPrefix(strings.TrimSpace(s), "-"); neg && fen > 0 || !neg && fen < 0 {
			t.Fatalf("Fen(%q) = %d: the sign is not the one written", s, fen)
		}
		if back, err := wechatpay.Fen(yuan(fen)); err != nil || back != fen {
			t.Fatalf("Fen(%q) = %d, but Fen(%q) = %d, %v", s, fen, yuan(fen), back, err)
		}
	})
}

// tradeBill is a well-formed ALL trade bill as WeChat writes it: one payment, one refund.
const tradeBill = "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n" +
	"`2026-11-24 10:00:00,`wxapp,`1900000109,`0,`,`4200000001,`GB11-1,`oPayer,`JSAPI,`SUCCESS,`OTHERS,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`草莓,`,`0.12,`0.60%,`19.99,`0.00,`\r\n" +
	"`2026-11-24 11:00:00,`wxapp,`1900000109,`0,`,`4200000001,`GB11-1,`oPayer,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5030001,`GBR11-1,`5.00,`0.00,`ORIGINAL,`SUCCESS,`草莓,`,`-0.03,`0.60%,`0.00,`5.00,`\r\n" +
	"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n" +
	"`2,`19.99,`5.00,`0.00,`0.09,`19.99,`5.00\r\n"

// A trade bill the parser accepts adds up to its summary, and holds no negative amount where
// WeChat writes none: only the fee goes negative (given back on a refund).
func FuzzParseTradeBill(f *testing.F) {
	f.Add([]byte(tradeBill))
	f.Add([]byte(strings.ReplaceAll(tradeBill, "\r\n", "\n")))
	f.Add([]byte(strings.Replace(tradeBill, "`19.99,`0.00,`0", "`-19.99,`0.00,`0", 1)))
	f.Add([]byte(strings.Replace(tradeBill, "`2,`19.99", "`3,`19.99", 1)))
	f.Add([]byte(strings.Replace(tradeBill, "`5.00,`0.00,`0.09", "`5.001,`0.00,`0.09", 1)))
	f.Add([]byte(strings.SplitAfter(tradeBill, "\r\n")[0]))
	f.Add([]byte("交易时间,微信订单号,商户订单号,交易状态,应结订单金额,退款金额,手续费,订单金额\n总交易单数\n`0\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		bill, err := wechatpay.ParseTradeBill(file)
		if err != nil {
			return
		}
		var sum payment.BillSummary
		for i, r := range bill.Rows {
			if r.Settlement < 0 || r.Refund < 0 || r.Total < 0 || r.RefundApplied < 0 {
				t.Fatalf("row %d has a negative amount: %+v", i, r)
			}
			if r.TradeTime.IsZero() {
				t.Fatalf("row %d has no trade time: %+v", i, r)
			}
			sum.Settlement += r.Settlement
			sum.Refund += r.Refund
			sum.Fee += r.Fee
		}
		s := bill.Summary
		if s.Count != len(bill.Rows) || s.Settlement != sum.Settlement || s.Refund != sum.Refund || s.Fee != sum.Fee {
			t.Fatalf("accepted a bill whose rows (%d, %+v) do not add up to its summary %+v", len(bill.Rows), sum, s)
		}
		if s.Settlement < 0 || s.Refund < 0 || s.Total < 0 || s.RefundApplied < 0 {
			t.Fatalf("summary has a negative amount: %+v", s)
		}
	})
}

// sharingBill is a well-formed profit-sharing bill: a share, an unfreeze and a return.
const sharingBill = "\ufeff分账发起时间,分账方商户号,微信订单号,微信分账/回退单号,分账明细单号,商户分账/回退单号,分账接收方类型,分账接收方,分账/回退金额(元),业务类型,处理状态,分账/回退描述,完成时间\r\n" +
	"`2026-11-24 23:59:00,`1900000109,`4200001,`3008001,`36001,`GBS1-2,`PERSONAL_OPENID,`oA,`12.34,`分账,`SUCCESS,`佣金,`2026-11-24 23:59:59\r\n" +
	"`2026-11-24 23:59:00,`1900000109,`4200001,`3008002,`36002,`GBS1-2,`MERCHANT_ID,`1900000109,`0.50,`解冻给分账方,`SUCCESS,`解冻,`2026-11-25 00:00:01\r\n" +
	"`2026-11-25 08:00:00,`1900000109,`4200001,`3008003,`36003,`GBS1-2,`PERSONAL_OPENID,`oA,`2.00,`回退,`SUCCESS,`退款,`2026-11-25 08:00:01\r\n" +
	"总条数,分账总金额(元),回退总金额(元)\r\n`3,`12.84,`2.00\r\n"

// A sharing bill the parser accepts adds up to its summary, and no row or total is negative: the
// business type, not the sign, says which way the money went.
func FuzzParseSharingBill(f *testing.F) {
	f.Add([]byte(sharingBill))
	f.Add([]byte(strings.ReplaceAll(sharingBill, "(元)", "（元）")))
	f.Add([]byte(strings.Replace(strings.Replace(sharingBill, "`2.00,`回退", "`-2.00,`分账", 1), "`12.84,`2.00", "`10.84,`0.00", 1)))
	f.Add([]byte(strings.Replace(sharingBill, "`12.34", "`12.345", 1)))
	f.Add([]byte(strings.Replace(sharingBill, "`2026-11-24 23:59:59", "`yesterday", 1)))
	f.Add([]byte("完成时间,分账/回退金额,分账接收方,业务类型,微信订单号,商户分账/回退单号\n总条数\n`0\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		bill, err := wechatpay.ParseSharingBill(file)
		if err != nil {
			return
		}
		var shared, returned int64
		for i, r := range bill.Rows {
			if r.Amount < 0 {
				t.Fatalf("row %d has a negative amount: %+v", i, r)
			}
			if r.BusinessType == payment.SharingBillReturn {
				returned += r.Amount
			} else {
				shared += r.Amount
			}
		}
		s := bill.Summary
		if s.Count != len(bill.Rows) || s.Shared != shared || s.Returned != returned {
			t.Fatalf("accepted a bill whose rows (%d, %d, %d) do not add up to its summary %+v", len(bill.Rows), shared, returned, s)
		}
		if s.Shared < 0 || s.Returned < 0 {
			t.Fatalf("summary has a negative amount: %+v", s)
		}
	})
}
