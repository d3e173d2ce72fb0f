// Package order is the shopping half: checkout without oversell, payment, expiry, cancellation,
// the pickup day and after-sales. An order lives as
//
//	pending_payment ─paid─▶ paid ─arrival─▶ ready_for_pickup ─code verified─▶ picked_up ─window─▶ completed
//	pending_payment ─expired / withdrawn / batch cancelled─▶ cancelled
//	paid ─cancelled before the cut-off─▶ refunding ─▶ refunded
//	paid, ready_for_pickup, picked_up ─after-sales refund of everything─▶ refunded
//
// Stock is reserved for all lines of an order at once before the order is saved (Counter); the
// database is the truth of what is taken, and Keeper rebuilds the counters from it.
package order

import (
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// Status is where an order is.
type Status string

const (
	PendingPayment Status = "pending_payment"
	Paid           Status = "paid"
	Ready          Status = "ready_for_pickup"
	PickedUp       Status = "picked_up"
	Completed      Status = "completed"
	Cancelled      Status = "cancelled"
	Refunding      Status = "refunding"
	Refunded       Status = "refunded"
)

// Lifecycle is the order's state machine, the only way its status moves (Lifecycle.Move).
var Lifecycle = lifecycle.New("order",
	[]Status{PendingPayment, Paid, Ready, PickedUp, Completed, Cancelled, Refunding, Refunded},
	map[Status][]Status{
		// Cancelled → paid: a payment that arrives after the order was cancelled still wins.
		PendingPayment: {Paid, Cancelled},
		Cancelled:      {Paid},
		// → refunded from paid, ready or picked up: after-sales refunds of every line.
		Paid:     {Ready, Refunding, Refunded},
		Ready:    {PickedUp, Refunded},
		PickedUp: {Completed, Refunded},
		// Refunding → paid: WeChat closed the cancellation's refund.
		Refunding: {Refunded, Paid},
	})

// TakesStock reports whether an order in s holds its items' stock.
func (s Status) TakesStock() bool { return s != Cancelled }

// Errors of checkout and pickup, mapped to API reasons by the service layer.
var (
	ErrNoBoundLeader  = errors.New("no bound leader that serves")
	ErrNotInGrid      = errors.New("batch is not published to the leader's grid")
	ErrKeyReused      = errors.New("idempotency key was used for another order")
	ErrPickupCode     = errors.New("pickup code is invalid")
	ErrAfterSalesOver = errors.New("after-sales window has closed")
	// ErrStockBusy means the stock counters are being rebuilt: retry in a moment.
	ErrStockBusy = errors.New("stock counters are being rebuilt")
)

// StockError is a line the stock counters refused; Err is ErrSoldOut or ErrLimitExceeded.
type StockError struct {
	ItemID int64
	Limit  int64
	Err    error
}

var (
	ErrSoldOut       = errors.New("sold out")
	ErrLimitExceeded = errors.New("per-shopper limit exceeded")
)

func (e *StockError) Error() string { return fmt.Sprintf("item %d: %v", e.ItemID, e.Err) }
func (e *StockError) Unwrap() error { return e.Err }

// PriceError is a line whose price changed since the shopper saw it.
type PriceError struct {
	ItemID int64
	Price  int64 // the current price, fen
}

func (e *PriceError) Error() string {
	return fmt.Sprintf("item %d now costs %d fen", e.ItemID, e.Price)
}

// Line is one item of an order. Amounts are fen. Amount is what was paid for the line: price ×
// quantity less the 满减 (PromoOff) and the coupon (CouponOff) allocated to it; refunds are
// capped by it and commission is computed on it. A gift line (阶梯满赠) is paid nothing.
type Line struct {
	ID        int64
	OrderID   int64
	ItemID    int64
	SKUID     int64
	Title     string
	Price     int64
	Quantity  int64
	Amount    int64
	PromoOff  int64
	CouponOff int64
	// LeaderFunded is the part of CouponOff the serving leader's level-0 commission on this
	// line bears.
	LeaderFunded   int64
	Gift           bool
	CommissionBP   int
	RefundedQty    int64
	RefundedAmount int64
}

// Order is a shopper's order in one batch for pickup at one leader.
type Order struct {
	ID             int64
	UserID         int64
	LeaderID       int64
	BatchID        int64
	GridCell       string
	Status         Status
	IdempotencyKey string
	// Amount is what the shopper pays (the prepay amount): the lines' amounts.
	Amount   int64
	PromoOff int64
	// CouponOff is the discount of CouponID; LeaderFunded is what the leader's commission
	// bears of it.
	CouponOff      int64
	LeaderFunded   int64
	ActivityID     int64
	CouponID       int64
	Refunded       int64
	PayAttempt     int
	ExpiresAt      time.Time
	PaidAt         time.Time
	CancelledAt    time.Time
	CancelReason   string
	ReleasePending bool
	ReadyAt        time.Time
	PickedUpAt     time.Time
	PickupCode     string
	OverdueAt      time.Time
	CreatedAt      time.Time
	// PricedAt is when checkout priced the order (not stored): the coupon it names must be
	// valid then to be locked for it.
	PricedAt time.Time
	// ShareKey names the share whose link the order was placed from; empty when none.
	ShareKey string
	Lines    []Line
}

// Token names the order's stock reservation: the shopper and its idempotency key, known before
// the order row exists, so a retried request finds the reservation it made.
func Token(userID int64, key string) string { return fmt.Sprintf("%d:%s", userID, key) }

// Token is the order's reservation token.
func (o *Order) Token() string { return Token(o.UserID, o.IdempotencyKey) }

// Reservation is what the stock counters hold for an order.
type Reservation struct {
	BatchID int64
	Token   string
	UserID  int64
	Lines   []StockLine
}

// StockLine is one item's quantity in a reservation, with the item's per-shopper limit.
type StockLine struct {
	ItemID int64
	Qty    int64
	Limit  int64
}

// Reservation is the order's reservation; limits come from the batch's items. An item is one
// stock line however many order lines carry it: the counters check every line before taking
// any, so two lines of one item would each be checked against the same stock. (Pricing gives
// no gift of an item the order buys, so today an item has one line.) A gift's units count
// toward the shopper's limit like any unit of its item.
func (o *Order) Reservation(limits map[int64]int64) Reservation {
	r := Reservation{BatchID: o.BatchID, Token: o.Token(), UserID: o.UserID}
	at := make(map[int64]int, len(o.Lines))
	for _, l := range o.Lines {
		if i, ok := at[l.ItemID]; ok {
			r.Lines[i].Qty += l.Quantity
			continue
		}
		at[l.ItemID] = len(r.Lines)
		r.Lines = append(r.Lines, StockLine{ItemID: l.ItemID, Qty: l.Quantity, Limit: limits[l.ItemID]})
	}
	return r
}

// Reason an order was cancelled.
const (
	ReasonExpired        = "expired"
	ReasonWithdrawn      = "withdrawn"
	ReasonBatchCancelled = "batch_cancelled"
)

// Event topics of orders, published in the transaction of the change. Payloads are Changed.
const (
	TopicPaid      = "order.paid"
	TopicCancelled = "order.cancelled"
	TopicReady     = "order.ready"
	TopicPickedUp  = "order.picked_up"
	TopicRefunded  = "order.refunded"
	TopicCompleted = "order.completed"
)

// Changed is the payload of an order event.
type Changed struct {
	OrderID  int64     `json:"order_id"`
	UserID   int64     `json:"user_id"`
	LeaderID int64     `json:"leader_id"`
	BatchID  int64     `json:"batch_id"`
	Status   Status    `json:"status"`
	Amount   int64     `json:"amount"`
	At       time.Time `json:"at"`
	// Refund events: the refund and what it gave back, per line.
	RefundNo     string         `json:"refund_no,omitempty"`
	RefundAmount int64          `json:"refund_amount,omitempty"`
	RefundLines  []RefundedLine `json:"refund_lines,omitempty"`
	AfterSaleID  int64          `json:"after_sale_id,omitempty"`
}

// RefundedLine is the part of one line a refund gave back.
type RefundedLine struct {
	LineID   int64 `json:"line_id"`
	Quantity int64 `json:"quantity"`
	Amount   int64 `json:"amount"`
}
