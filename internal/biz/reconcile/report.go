package reconcile

import (
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

// Kind is what a difference (or a note) is.
type Kind string

// Differences: each one wants finance's attention.
const (
	// MissingOurs: WeChat has it, we have no record of it.
	MissingOurs Kind = "missing_ours"
	// MissingWeChat: we have it, the bill (and the neighbouring days' bills) do not.
	MissingWeChat Kind = "missing_wechat"
	// AmountMismatch: both have it, with different amounts.
	AmountMismatch Kind = "amount_mismatch"
	// StateMismatch: both have it, in states (or with ids) that contradict each other.
	StateMismatch Kind = "state_mismatch"
	// Duplicate: the same number twice on the bill, or twice in our records.
	Duplicate Kind = "duplicate"
	// UnknownReturn: a profit-sharing return (回退) on the bill; we never ask for one.
	UnknownReturn Kind = "unknown_return"
	// LedgerMismatch: an order's postings do not add up to its records.
	LedgerMismatch Kind = "ledger_mismatch"
)

// Notes: informational, the day is still clean.
const (
	// AdjacentDay: on the neighbouring day's bill (a payment near midnight).
	AdjacentDay Kind = "adjacent_day"
	// AwaitingBill: in the last (or first) minutes of the day, not on this day's bill, and the
	// neighbouring day's bill is not available yet: reconcile again once it is.
	AwaitingBill Kind = "awaiting_bill"
)

// What a difference is about.
const (
	CategoryPayment  = "payment"
	CategoryRefund   = "refund"
	CategoryShare    = "share"
	CategoryUnfreeze = "unfreeze"
	CategoryReturn   = "return"
	CategoryLedger   = "ledger"
)

// Difference is one line finance looks at. Ref is the out_trade_no, out_refund_no,
// out_order_no (with the receiver account after a slash) or order/<id>. For a ledger
// difference Ours is the ledger's amount and WeChat the records' (which mirror WeChat's).
type Difference struct {
	Kind     Kind
	Category string
	Ref      string
	Ours     int64
	WeChat   int64
	Detail   string
	Advice   string
}

// Counts say how much was compared.
type Counts struct {
	BillPayments, BillRefunds, BillShares, BillUnfreezes, BillReturns int
	OurPayments, OurRefunds, OurShares                                int
	// Matched is the bill lines found in our records with the same amount and state.
	Matched int
	// Orders is the orders whose ledger was checked.
	Orders int
}

// Report is one day's reconciliation. Clean says there is no difference; Notes are
// informational (see AdjacentDay, AwaitingBill).
type Report struct {
	Day         time.Time
	Clean       bool
	Counts      Counts
	Differences []Difference
	Notes       []Difference
	// Discounts are the promotions on the orders paid on the day (by the order's paid time):
	// what finance reads next to the day's payments, not compared with any bill (WeChat
	// collects only what was paid).
	Discounts commission.Discounts
}

// advice is what finance should do, per kind and category (category "" is the default).
var advice = map[Kind]map[string]string{
	MissingOurs: {
		CategoryPayment:  "微信有这笔支付而我方未记录：查询订单并补记 / WeChat has a payment we never recorded: query the order and apply it",
		CategoryRefund:   "微信有这笔退款而我方未记录：查询退款并核对来源 / WeChat has a refund we never recorded: query the refund and find who asked for it",
		CategoryShare:    "微信分出了我方未记录的分账：查询分账单并核对接收方 / WeChat paid a share we have no record of: query the profit-sharing order and check the receiver",
		CategoryUnfreeze: "微信解冻了我方无结算记录的交易：查询分账单，核对结算批次 / WeChat unfroze a transaction we have no finished settlement for: query the order and check the settlement run",
	},
	MissingWeChat: {
		CategoryPayment: "我方记为已支付但微信账单没有：查询订单，确认是否真的支付 / We recorded a payment WeChat's bill lacks: query the order and confirm it was paid",
		CategoryRefund:  "我方退款不在微信账单上：查询退款状态 / Our refund is not on WeChat's bill: query the refund",
		CategoryShare:   "我方记为分账成功但微信账单没有：查询分账单 / We recorded a successful share WeChat's bill lacks: query the profit-sharing order",
	},
	AmountMismatch: {
		"": "金额不一致：以微信为准核对订单，人工更正并记账 / Amounts differ: check the order against WeChat and post a correction by hand",
	},
	StateMismatch: {
		CategoryPayment:  "支付状态或微信订单号不一致：查询订单核对 / The trade state or transaction id differs from ours: query the order",
		CategoryRefund:   "退款状态不一致：查询退款，等待通知或人工处理 / Refund states differ: query the refund and apply its result",
		CategoryShare:    "分账结果不一致：查询分账单以更新结果 / Share results differ: query the profit-sharing order so its result is recorded",
		CategoryUnfreeze: "微信已解冻但我方结算未完成：查询分账单 / WeChat unfroze it while our settlement item is unfinished: query the order",
	},
	Duplicate: {
		"": "同一单号出现多次：核对是否重复收付 / The same number appears more than once: check for a double charge or payout",
	},
	UnknownReturn: {
		"": "账单上有分账回退，我方从未发起：核对回退来源 / A profit-sharing return we never asked for: find who requested it",
	},
	LedgerMismatch: {
		CategoryPayment: "订单支付记账与支付金额不符：核对并补记或冲正 / The order's paid posting differs from its payment: post the missing or reversing entry",
		CategoryRefund:  "退款记账与成功退款不符：核对并补记或冲正 / Refund postings differ from successful refunds: post the missing or reversing entry",
		CategoryShare:   "分账出账与成功分账不符：核对结算记账 / Settled postings differ from successful shares: check the settlement postings",
	},
	AdjacentDay: {
		"": "在相邻日账单上（跨零点），无需处理 / On the neighbouring day's bill (across midnight): nothing to do",
	},
	AwaitingBill: {
		"": "相邻日账单尚未生成：次日10点后重新对账 / The neighbouring day's bill is not out yet: reconcile again after 10:00 the next day",
	},
}

// adviceFor is the advice of kind for category, or the kind's default.
func adviceFor(kind Kind, category string) string {
	if a, ok := advice[kind][category]; ok {
		return a
	}
	return advice[kind][""]
}
