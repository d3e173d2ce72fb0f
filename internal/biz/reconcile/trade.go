package reconcile

import (
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// Trade bill states (交易状态) and refund states (退款状态) as WeChat writes them.
const (
	tradeSuccess  = "SUCCESS"
	tradeRefund   = "REFUND"
	refundSuccess = "SUCCESS"
	refundClosed  = "CLOSED"
	refundAbnorml = "ABNORMAL"
)

// payments compares the trade bill's payment lines with our paid payments: same amount
// (订单金额) and the same transaction_id.
func (m *matcher) payments(in Input) {
	pick := func(b *payment.TradeBill) []line {
		if b == nil {
			return nil
		}
		var out []line
		for _, r := range b.Rows {
			if r.TradeState != tradeRefund {
				out = append(out, line{ref: r.OutTradeNo, at: r.TradeTime, amount: r.Total, state: r.TradeState, id: r.TransactionID})
			}
		}
		return out
	}
	var ours []line
	for _, p := range in.Payments {
		ours = append(ours, line{ref: p.OutTradeNo, at: p.PaidAt, amount: p.Amount, state: tradeSuccess, id: p.TransactionID})
		if m.inDay(p.PaidAt) {
			m.r.Counts.OurPayments++
		}
	}
	cur := pick(in.Cur.Trade)
	m.r.Counts.BillPayments = len(cur)
	c := category{
		name:     CategoryPayment,
		expected: func(line) bool { return true },
		conflict: func(o, b line) string {
			if b.state != tradeSuccess {
				return "WeChat's trade state " + b.state
			}
			if o.id != "" && b.id != "" && o.id != b.id {
				return "transaction_id ours " + o.id + ", WeChat " + b.id
			}
			return ""
		},
	}
	m.compare(c, m.index(c.name, "our records", ours),
		quiet(in.Prev.Trade != nil, pick(in.Prev.Trade)), side{available: true, lines: m.index(c.name, "WeChat's bill", cur)},
		quiet(in.Next.Trade != nil, pick(in.Next.Trade)))
}

// refunds compares the trade bill's refund lines with our refunds. The bill lists a refund on
// the day WeChat accepted it, in the state it had when the bill was made; ours are placed by
// when we asked. A refund that never reached WeChat (created) or that it closed need not be on
// the bill; one WeChat says succeeded must be a success of ours, and one it closed or marked
// abnormal must not be.
func (m *matcher) refunds(in Input) {
	pick := func(b *payment.TradeBill) []line {
		if b == nil {
			return nil
		}
		var out []line
		for _, r := range b.Rows {
			if r.TradeState == tradeRefund {
				out = append(out, line{ref: r.OutRefundNo, at: r.TradeTime, amount: r.Refund, state: r.RefundState, id: r.RefundID})
			}
		}
		return out
	}
	var ours []line
	for _, r := range in.Refunds {
		ours = append(ours, line{ref: r.OutRefundNo, at: r.CreatedAt, amount: r.Amount, state: r.State, id: r.RefundID})
		if m.inDay(r.CreatedAt) {
			m.r.Counts.OurRefunds++
		}
	}
	cur := pick(in.Cur.Trade)
	m.r.Counts.BillRefunds = len(cur)
	c := category{
		name: CategoryRefund,
		expected: func(o line) bool {
			return o.state == RefundProcessing || o.state == RefundSuccess || o.state == RefundAbnormal
		},
		conflict: refundConflict,
	}
	m.compare(c, m.index(c.name, "our records", ours),
		quiet(in.Prev.Trade != nil, pick(in.Prev.Trade)), side{available: true, lines: m.index(c.name, "WeChat's bill", cur)},
		quiet(in.Next.Trade != nil, pick(in.Next.Trade)))
}

func refundConflict(o, b line) string {
	switch {
	case b.state == refundSuccess && o.state != RefundSuccess:
		return "WeChat says SUCCESS, ours is " + o.state
	case (b.state == refundClosed || b.state == refundAbnorml) && o.state == RefundSuccess:
		return "WeChat says " + b.state + ", ours is success"
	case o.id != "" && b.id != "" && o.id != b.id:
		return "refund_id ours " + o.id + ", WeChat " + b.id
	}
	return ""
}
