package wxsim

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// WeChat's bill files: a header row, detail rows, a summary header and a summary row, fields
// separated by commas, each detail and summary field prefixed with a backtick so spreadsheets
// keep long numbers as text, amounts in yuan, lines ending CRLF.

// tradeBillHeader is the ALL trade bill's detail header (交易账单 ALL).
var tradeBillHeader = []string{
	"交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
	"交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号",
	"商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包",
	"手续费", "费率", "订单金额", "申请退款金额", "费率备注",
}

var tradeBillSummaryHeader = []string{
	"总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额",
}

// billRow is one detail row and the amounts the summary adds up.
type billRow struct {
	at                                      time.Time
	fields                                  []string
	settlement, refund, fee, total, applied int64
}

// tradeBillCSV writes merchant mchid's trade bill of day: payments by success time, refunds by
// the time they were accepted. The caller holds p.mu.
func (p *payState) tradeBillCSV(mchid string, day time.Time, billType string) ([]byte, int) {
	next := day.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(day) && t.Before(next) }
	var rows []billRow
	if billType != BillRefund {
		for _, t := range sortedValues(p.txns) {
			if t.MchID == mchid && t.TransactionID != "" && in(t.SuccessTime) {
				rows = append(rows, p.paymentRow(t))
			}
		}
	}
	if billType != BillSuccess {
		for _, r := range sortedValues(p.refunds) {
			if t := p.txnByID[r.TransactionID]; r.MchID == mchid && t != nil && in(r.CreateTime) {
				rows = append(rows, p.refundRow(t, r))
			}
		}
	}
	sortRows(rows)
	var sum billRow
	for _, r := range rows {
		sum.settlement += r.settlement
		sum.refund += r.refund
		sum.fee += r.fee
		sum.total += r.total
		sum.applied += r.applied
	}
	summary := []string{fmt.Sprint(len(rows)), yuan(sum.settlement), yuan(sum.refund), yuan(0), yuan(sum.fee), yuan(sum.total), yuan(sum.applied)}
	return writeBill(tradeBillHeader, rows, tradeBillSummaryHeader, summary), len(rows)
}

func (p *payState) paymentRow(t *payTxn) billRow {
	fields := []string{
		billTime(t.SuccessTime), t.AppID, t.MchID, "0", "", t.TransactionID, t.OutTradeNo, t.PayerOpenID,
		"JSAPI", TradeSuccess, t.BankType, t.Currency, yuan(t.Total), yuan(0), "0", "0", yuan(0), yuan(0),
		"", "", billText(t.Description), billText(t.Attach), yuan(t.Fee), p.feeRate(), yuan(t.Total), yuan(0), "",
	}
	return billRow{at: t.SuccessTime, fields: fields, settlement: t.Total, fee: t.Fee, total: t.Total}
}

// refundRow is a refund's row: WeChat gives back the fee in proportion and shows it negative.
func (p *payState) refundRow(t *payTxn, r *payRefund) billRow {
	feeBack := (t.Fee*r.Refund*2 + t.Total) / (2 * t.Total)
	fields := []string{
		billTime(r.CreateTime), t.AppID, t.MchID, "0", "", t.TransactionID, t.OutTradeNo, t.PayerOpenID,
		"JSAPI", TradeRefund, t.BankType, t.Currency, yuan(0), yuan(0), r.RefundID, r.OutRefundNo,
		yuan(r.Refund), yuan(0), "ORIGINAL", r.Status, billText(t.Description), billText(t.Attach),
		yuan(-feeBack), p.feeRate(), yuan(0), yuan(r.Refund), "",
	}
	return billRow{at: r.CreateTime, fields: fields, refund: r.Refund, fee: -feeBack, applied: r.Refund}
}

// sharingBillHeader is the profit-sharing bill's detail header (分账账单).
var sharingBillHeader = []string{
	"分账发起时间", "分账方商户号", "微信订单号", "微信分账/回退单号", "分账明细单号", "商户分账/回退单号",
	"分账接收方类型", "分账接收方", "分账/回退金额(元)", "业务类型", "处理状态", "分账/回退描述", "完成时间",
}

var sharingBillSummaryHeader = []string{"总条数", "分账总金额(元)", "回退总金额(元)"}

// sharingBillCSV writes merchant mchid's profit-sharing bill of day: the shares, unfreezes and
// returns that succeeded that day (WeChat leaves failed ones out). The caller holds p.mu.
func (p *payState) sharingBillCSV(mchid string, day time.Time) ([]byte, int) {
	next := day.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(day) && t.Before(next) }
	var rows []billRow
	var shared, returned int64
	for _, o := range sortedValues(p.orders) {
		for _, d := range o.Receivers {
			if o.MchID == mchid && d.Result == DetailSuccess && in(d.FinishTime) {
				rows = append(rows, sharingRow(o, d))
				shared += d.Amount
			}
		}
	}
	for _, r := range sortedValues(p.returns) {
		if o := p.orders[key(r.MchID, r.OutOrderNo)]; r.MchID == mchid && o != nil && r.Result == ReturnSuccess && in(r.FinishTime) {
			rows = append(rows, returnRow(o, r))
			returned += r.Amount
		}
	}
	sortRows(rows)
	summary := []string{fmt.Sprint(len(rows)), yuan(shared), yuan(returned)}
	return writeBill(sharingBillHeader, rows, sharingBillSummaryHeader, summary), len(rows)
}

func sharingRow(o *psOrder, d *psDetail) billRow {
	kind := "分账"
	if d.Description == unfreezeDescription {
		kind = "解冻给分账方"
	}
	return billRow{at: d.FinishTime, fields: []string{
		billTime(o.CreateTime), o.MchID, o.TransactionID, o.OrderID, d.DetailID, o.OutOrderNo, d.Type,
		d.Account, yuan(d.Amount), kind, DetailSuccess, billText(d.Description), billTime(d.FinishTime),
	}}
}

func returnRow(o *psOrder, r *psReturn) billRow {
	return billRow{at: r.FinishTime, fields: []string{
		billTime(r.CreateTime), r.MchID, o.TransactionID, r.ReturnID, r.ReturnID, r.OutReturnNo,
		ReceiverMerchant, r.ReturnMchID, yuan(r.Amount), "回退", ReturnSuccess, billText(r.Description),
		billTime(r.FinishTime),
	}}
}

// sortRows orders rows by time; rows of the same second keep the order they were gathered in
// (by order number, then line), so a bill is the same file every time it is asked for.
func sortRows(rows []billRow) {
	slices.SortStableFunc(rows, func(a, b billRow) int { return a.at.Compare(b.at) })
}

func writeBill(header []string, rows []billRow, summaryHeader, summary []string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(header, ",") + "\r\n")
	for _, r := range rows {
		b.WriteString(backticked(r.fields) + "\r\n")
	}
	b.WriteString(strings.Join(summaryHeader, ",") + "\r\n")
	b.WriteString(backticked(summary) + "\r\n")
	return b.Bytes()
}

func backticked(fields []string) string {
	return "`" + strings.Join(fields, ",`")
}

// yuan writes fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func billTime(t time.Time) string { return beijingTime(t).Format(time.DateTime) }

// billText keeps a free-text field from breaking the comma-separated row: the simulator
// writes commas as full-width ones and line breaks as spaces.
func billText(s string) string {
	return strings.NewReplacer(",", "，", "\r", " ", "\n", " ").Replace(s)
}

func (p *payState) feeRate() string {
	return fmt.Sprintf("%d.%02d%%", p.cfg.FeeBasisPoints/100, p.cfg.FeeBasisPoints%100)
}
