package order

import (
	"context"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Repo stores orders with their lines. Get and Lock return bizerr.ErrNotFound for an unknown
// order; methods called with the context of port.Transactor.InTx join its transaction.
type Repo interface {
	// Create saves a new order with its lines, for the shopper's bound leader when that leader
	// serves and its grid is one of grids (hex cells); it fills LeaderID and GridCell. When the
	// shopper already has an order with the idempotency key it returns that one and created
	// false. ErrNoBoundLeader and ErrNotInGrid say why nothing was written.
	//
	// An order naming a coupon (CouponID) is written only together with the coupon's lock for
	// it (available → locked, valid at PricedAt, the shopper's), and only for the leader it was
	// priced for (LeaderID, when set): otherwise nothing is written and the error is a
	// *promo.CouponError of promo.ErrCouponNotUsable, or bizerr.ErrConflict for a shopper whose
	// leader changed after pricing (the coupon's scope and funder were decided for that one).
	Create(ctx context.Context, o *Order, grids []string) (stored *Order, created bool, err error)
	GetByKey(ctx context.Context, userID int64, key string) (*Order, error)
	Get(ctx context.Context, id int64) (*Order, error)
	Lock(ctx context.Context, id int64) (*Order, error)
	// Save writes the order's mutable fields and its lines' refunded quantities and amounts.
	Save(ctx context.Context, o *Order) error
	ListByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*Order, error)

	// DueToExpire lists up to limit pending orders whose expires_at is at or before t.
	DueToExpire(ctx context.Context, t time.Time, limit int) ([]*Order, error)
	// ReleasePending lists up to limit orders whose stock is still to go back.
	ReleasePending(ctx context.Context, limit int) ([]*Order, error)
	// Stuck lists up to limit orders in status not changed since before.
	Stuck(ctx context.Context, status Status, before time.Time, limit int) ([]*Order, error)
	// InBatch lists up to limit orders of a batch in one of statuses, after afterID.
	InBatch(ctx context.Context, batchID int64, statuses []Status, afterID int64, limit int) ([]*Order, error)
	// Reservations lists every order of a batch whose stock is taken in the counters: pending
	// or paid (in any later status) and not cancelled, plus cancelled ones whose release is
	// still pending.
	Reservations(ctx context.Context, batchID int64) ([]*Order, error)
	// Held sums the quantities of the same orders per item of itemIDs: those of pending
	// orders, and those of the others (sold).
	Held(ctx context.Context, batchID int64, itemIDs []int64) (pending, sold map[int64]int64, err error)
}

// Counter reserves and releases stock. Release gives a cancelled order's stock back exactly once
// and clears its release_pending flag.
type Counter interface {
	// InDatabase reports whether the counter counts in the database: then Reserve runs inside
	// the transaction that saves the order, after the insert. Otherwise Reserve runs first and
	// the order is saved after it in one statement.
	InDatabase() bool
	// Reserve takes every line or none and reports whether this call took it (false: the
	// reservation's token held it already: a retry). *StockError (ErrSoldOut,
	// ErrLimitExceeded) names the line refused; ErrStockBusy while a rebuild runs; ErrNotLoaded
	// when the batch has no counters.
	Reserve(ctx context.Context, r Reservation, items []presale.Item) (bool, error)
	// Abort undoes a Reserve whose order was not saved.
	Abort(ctx context.Context, r Reservation) error
	// Release gives back the stock of an order that was cancelled before its batch's cut-off.
	Release(ctx context.Context, o *Order, r Reservation) error
	// Remaining reads what is left of each item of a batch.
	Remaining(ctx context.Context, b *presale.Batch) (map[int64]int64, error)
}

// Shoppers tells checkout who a shopper buys through.
type Shoppers interface {
	// BoundLeader returns the shopper's bound leader and its grid (hex cell); ErrNoBoundLeader
	// when it has none or the leader does not serve.
	BoundLeader(ctx context.Context, userID int64) (leaderID int64, grid string, err error)
	OpenID(ctx context.Context, userID int64) (string, error)
}

// Batches reads batches for checkout (a short-lived cache in front of presale.Repo).
type Batches interface {
	Get(ctx context.Context, id int64) (*presale.Batch, error)
}

// Payments is WeChat Pay as checkout uses it (payment.Usecase).
type Payments interface {
	Prepay(ctx context.Context, in payment.PrepayInput) (payment.RequestPayment, error)
	Close(ctx context.Context, outTradeNo string) (*payment.Payment, error)
	Refund(ctx context.Context, in payment.RefundInput) (*payment.Refund, error)
	SyncRefund(ctx context.Context, outRefundNo string) (*payment.Refund, error)
}

// Config is checkout's tunables.
type Config struct {
	// OrderTTL is how long an unpaid order holds its stock.
	OrderTTL time.Duration
	// AfterSalesWindow is how long after pickup a refund may be asked for.
	AfterSalesWindow time.Duration
	// PickupOverdue is how long a ready order waits before ops are told.
	PickupOverdue time.Duration
	// CheckoutDeadline bounds a checkout from reserve to commit; a rebuild waits it out.
	CheckoutDeadline time.Duration
}
