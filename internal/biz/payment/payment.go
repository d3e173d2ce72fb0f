// Package payment is WeChat Pay as the business sees it: a payment per prepay, its state
// machine, refunds, the notifications that move them, and the ports to WeChat Pay (Gateway,
// ProfitSharing, Bills) that internal/data/wechatpay implements on the official SDK.
//
// Money is int64 fen everywhere. Every call to WeChat carries an idempotency key derived from
// its cause (OutTradeNo, OutRefundNo, OutOrderNo, …): a retry sends the same key and the same
// body, so WeChat treats it as the same request. State is saved before a call, not after: a
// crash between the two leaves a record that a retry or a query completes.
package payment

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// State is where a payment is.
//
//	created ──paid notification / query──▶ paid
//	created ──close──▶ closed ──paid notification / query──▶ paid   (a payment that races an expiry wins)
//	created ──PAYERROR──▶ failed
type State string

const (
	// StateCreated is saved before the prepay call; the payer has not paid (yet).
	StateCreated State = "created"
	// StatePaid means WeChat says SUCCESS: a transaction_id exists. Final, refunds aside.
	StatePaid State = "paid"
	// StateClosed means the order was closed unpaid (expired or withdrawn).
	StateClosed State = "closed"
	// StateFailed means the payment failed on the phone (PAYERROR); a new out_trade_no is needed.
	StateFailed State = "failed"
)

// Lifecycle is the payment's state machine, the only way its state moves. Paid wins from any
// other state: the payer's money arrived (a failed one that WeChat later reports paid too).
var Lifecycle = lifecycle.New("payment",
	[]State{StateCreated, StatePaid, StateClosed, StateFailed},
	map[State][]State{
		StateCreated: {StatePaid, StateClosed, StateFailed},
		StateClosed:  {StatePaid},
		StateFailed:  {StatePaid},
	})

// Payment is one JSAPI order at WeChat Pay.
type Payment struct {
	ID          int64
	OutTradeNo  string
	Description string
	// Amount is the order total in fen.
	Amount      int64
	PayerOpenID string
	// ProfitSharing marks the order's funds as frozen for profit-sharing (settle_info).
	ProfitSharing bool
	State         State
	PrepayID      string
	TransactionID string
	PaidAt        time.Time
	ExpiresAt     time.Time
	// Refunded is the sum of successful refunds, in fen.
	Refunded  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PrepayInput is what checkout asks WeChat Pay to charge.
type PrepayInput struct {
	// OutTradeNo is the idempotency key: OutTradeNo(orderID, attempt).
	OutTradeNo  string
	Description string
	Amount      int64
	PayerOpenID string
	// ExpiresAt is when WeChat stops accepting the payment (time_expire); zero means WeChat's
	// default.
	ExpiresAt     time.Time
	ProfitSharing bool
	// Attach is returned untouched in queries and notifications.
	Attach string
}

// RequestPayment is what the mini-program passes to wx.requestPayment, signed with the
// merchant key over "appId\ntimeStamp\nnonceStr\npackage\n" (RSA, SHA256).
type RequestPayment struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Trade states as WeChat Pay reports them (trade_state).
const (
	TradeSuccess    = "SUCCESS"
	TradeRefund     = "REFUND"
	TradeNotPay     = "NOTPAY"
	TradeClosed     = "CLOSED"
	TradeRevoked    = "REVOKED"
	TradeUserPaying = "USERPAYING"
	TradePayError   = "PAYERROR"
)

// Transaction is an order as WeChat Pay reports it, in a query or a payment notification.
type Transaction struct {
	OutTradeNo     string
	TransactionID  string
	TradeState     string
	TradeStateDesc string
	Amount         int64
	PayerTotal     int64
	PayerOpenID    string
	Attach         string
	SuccessTime    time.Time
}

// Paid reports whether the transaction is paid (SUCCESS, or REFUND: paid and since refunded).
func (t Transaction) Paid() bool {
	return t.TransactionID != "" && (t.TradeState == TradeSuccess || t.TradeState == TradeRefund)
}

// RefundState is where a refund is.
type RefundState string

const (
	// RefundCreated is saved before the call to WeChat.
	RefundCreated    RefundState = "created"
	RefundProcessing RefundState = "processing"
	RefundSuccess    RefundState = "success"
	RefundClosed     RefundState = "closed"
	RefundAbnormal   RefundState = "abnormal"
)

// RefundLifecycle is the refund's state machine: it follows what WeChat reports. Success is
// final; a close made here yields to a success WeChat reports, since the money left either way.
var RefundLifecycle = lifecycle.New("refund",
	[]RefundState{RefundCreated, RefundProcessing, RefundSuccess, RefundClosed, RefundAbnormal},
	map[RefundState][]RefundState{
		RefundCreated:    {RefundProcessing, RefundSuccess, RefundClosed, RefundAbnormal},
		RefundProcessing: {RefundSuccess, RefundClosed, RefundAbnormal},
		RefundAbnormal:   {RefundProcessing, RefundSuccess, RefundClosed},
		RefundClosed:     {RefundSuccess},
	})

// Final reports whether the refund will not change by itself any more.
func (s RefundState) Final() bool { return s == RefundSuccess || s == RefundClosed }

// RefundInput asks for a refund of part or all of a payment.
type RefundInput struct {
	// OutRefundNo is the idempotency key: OutRefundNo(orderID, refundID).
	OutRefundNo string
	OutTradeNo  string
	Reason      string
	// Amount is what to refund, Total the payment's total, in fen.
	Amount int64
	Total  int64
}

// Refund is a refund as stored, or as WeChat reports it.
type Refund struct {
	OutRefundNo   string
	OutTradeNo    string
	RefundID      string
	TransactionID string
	Amount        int64
	Total         int64
	Reason        string
	State         RefundState
	SuccessTime   time.Time
}

// WeChat Pay's limits on merchant numbers: out_trade_no 6–32 characters; out_refund_no,
// out_order_no and out_return_no 1–64; digits, letters and _-|* (JSAPI下单, 申请退款, 请求分账).
const (
	outTradeNoMin = 6
	outTradeNoMax = 32
	outNoMax      = 64
)

// OutTradeNo is the out_trade_no of an order's attempt-th prepay (1 for the first). A failed
// payment (PAYERROR) needs a new number, hence the attempt; a retry of one attempt sends the
// same number.
func OutTradeNo(orderID int64, attempt int) string { return fmt.Sprintf("GBO%d-%d", orderID, attempt) }

// OutRefundNo is the out_refund_no of an order's refund.
func OutRefundNo(orderID, refundID int64) string { return fmt.Sprintf("GBR%d-%d", orderID, refundID) }

// ParseOutTradeNo reads back what OutTradeNo made; ok is false for any other number.
func ParseOutTradeNo(s string) (orderID int64, attempt int, ok bool) {
	a, b, ok := parsePair(s, "GBO")
	return a, int(b), ok && b > 0 && b < 1<<31
}

// ParseOutRefundNo reads back what OutRefundNo made; ok is false for any other number.
func ParseOutRefundNo(s string) (orderID, refundID int64, ok bool) { return parsePair(s, "GBR") }

func parsePair(s, prefix string) (int64, int64, bool) {
	rest, found := strings.CutPrefix(s, prefix)
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "-")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || x <= 0 || y < 0 {
		return 0, 0, false
	}
	return x, y, true
}

// OutOrderNo is the out_order_no of a settlement run's profit-sharing order for one transaction
// (an order's payment): the same run retrying the same transaction sends the same number.
func OutOrderNo(runID, orderID int64) string { return fmt.Sprintf("GBS%d-%d", runID, orderID) }

// OutUnfreezeNo is the out_order_no that unfreezes what is left of an order's payment.
func OutUnfreezeNo(orderID int64) string { return fmt.Sprintf("GBU%d", orderID) }

// OutReturnNo is the out_return_no of a refund's return from a leader's merchant receiver
// (refundNo is the refund's OutRefundNo): one return per refund and leader.
func OutReturnNo(refundNo string, leaderID int64) string {
	return fmt.Sprintf("GBB%s-%d", refundNo, leaderID)
}

// validOutNo checks a merchant number against WeChat's rules (min, max length).
func validOutNo(no string, minLen, maxLen int) bool {
	if len(no) < minLen || len(no) > maxLen {
		return false
	}
	for i := range len(no) {
		c := no[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c == '_' || c == '-' || c == '|' || c == '*'
		if !ok {
			return false
		}
	}
	return true
}
