// Package reconcile is the daily reconciliation (对账): one Beijing day's WeChat Pay trade bill
// and profit-sharing bill, matched line by line against our payments, refunds and
// profit-sharing orders, and those against the ledger. It only reads: every difference is
// listed with what finance should do, none is fixed here (DESIGN: "none is silently fixed").
package reconcile

import (
	"context"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

// Payment is one of our paid payments.
type Payment struct {
	OrderID       int64
	OutTradeNo    string
	TransactionID string
	Amount        int64
	PaidAt        time.Time // WeChat's success_time
}

// Refund states, as our payment records keep them.
const (
	RefundCreated    = "created" // saved, the call to WeChat may or may not have reached it
	RefundProcessing = "processing"
	RefundSuccess    = "success"
	RefundClosed     = "closed"
	RefundAbnormal   = "abnormal"
)

// Refund is one of our refunds. A trade bill lists a refund on the day WeChat accepted it,
// so it is placed by CreatedAt (saved just before the call to WeChat), not by when it succeeded.
type Refund struct {
	OrderID     int64
	OutRefundNo string
	OutTradeNo  string
	RefundID    string
	Amount      int64
	State       string
	CreatedAt   time.Time
	SucceededAt time.Time
}

// Settlement item kinds, item states and share results, as the settlement tables keep them.
const (
	ItemShare      = "share"
	ItemUnfreeze   = "unfreeze"
	ItemProcessing = "processing"
	ItemFinished   = "finished"
	ShareSuccess   = "success"
)

// Item is one profit-sharing (or unfreeze) order of ours, with its shares.
type Item struct {
	RunID         int64
	OrderID       int64
	TransactionID string
	OutOrderNo    string
	Kind          string // ItemShare or ItemUnfreeze
	State         string // pending, processing, finished, failed, expired
	FinishedAt    time.Time
	Shares        []Share
}

// Share is one leader's part of an item.
type Share struct {
	LeaderID      int64
	SourceOrderID int64 // the order whose commission this is
	Account       string
	Amount        int64
	Result        string // pending, success, closed, deferred
	FailReason    string
	DetailID      string
	FinishedAt    time.Time // when WeChat finished it; zero until then
}

// OrderBook is one order's money in our records next to the ledger's platform clearing
// account, all time, in fen and positive.
type OrderBook struct {
	OrderID int64
	// Paid is the order's paid payments; Refunded its successful refunds; Shared the
	// successful shares whose source is the order (in whichever item they were paid).
	Paid, Refunded, Shared int64
	// LedgerPaid is the clearing debit of order_paid; LedgerRefunded the clearing credits of
	// order_refund; LedgerSettled the clearing credits of commission_settled of the order's
	// shares (keys settlement/<run>/order/<id> and settlement/<run>/order/<id>/leader/<l>).
	LedgerPaid, LedgerRefunded, LedgerSettled int64
}

// Source is what reconciliation reads from our database. Every range is [from, to).
type Source interface {
	// Payments paid in the range.
	Payments(ctx context.Context, from, to time.Time) ([]Payment, error)
	// Refunds created in the range, in every state.
	Refunds(ctx context.Context, from, to time.Time) ([]Refund, error)
	// Items finished in the range, those still processing, and every item of the given
	// transactions, each with its shares.
	Items(ctx context.Context, from, to time.Time, transactionIDs []string) ([]Item, error)
	// Books of the orders; an order without any record or posting may be left out.
	Books(ctx context.Context, orderIDs []int64) ([]OrderBook, error)
	// Discounts sums the promotions on the orders paid in the range.
	Discounts(ctx context.Context, from, to time.Time) (commission.Discounts, error)
}

// DayRange is day's Beijing calendar day as [from, to).
func DayRange(day time.Time) (from, to time.Time) {
	from = bjtime.StartOfDay(day)
	return from, from.AddDate(0, 0, 1)
}
