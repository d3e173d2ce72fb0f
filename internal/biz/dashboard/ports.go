package dashboard

import (
	"context"
	"time"
)

// Days are two consecutive Beijing days: the previous one runs [From, Split), the shown one
// [Split, To). Stores compare their timestamps with these bounds, never a function of a column,
// so a range scan of an index on the timestamp serves them.
type Days struct {
	From, Split, To time.Time
}

// Sales are what one day sold, in one grid or in total.
type Sales struct {
	Orders   int64
	Paid     int64 // fen
	Refunded int64 // fen
	Buyers   int64
	// What promotions took off the paid orders, in fen: Paid + PromoOff + CouponOff is the
	// presale value of their lines (gifts apart). LeaderFunded is the part of CouponOff the
	// serving leaders' commission bore.
	PromoOff     int64
	CouponOff    int64
	LeaderFunded int64
}

// PlatformFunded is the money off the platform bore: every 满减 and the coupons it funds.
func (s Sales) PlatformFunded() int64 { return s.PromoOff + s.CouponOff - s.LeaderFunded }

// GridSales are the paid orders of one grid (or of every grid, when Grid is empty) on one day.
type GridSales struct {
	Grid     string
	Previous bool // on the previous day, else on the shown one
	Sales
}

// TradeRefund is what succeeded in refunds of one payment (out_trade_no) on one day.
type TradeRefund struct {
	OutTradeNo string
	Previous   bool
	Amount     int64 // fen
}

// Orders reads the orders' tables (orderstore).
type Orders interface {
	// PaidSales counts, sums (paid and each discount) and counts the distinct shoppers of the
	// orders paid in the days, per day and grid, and per day over every grid (Grid empty): a
	// shopper who paid in two grids is one buyer of the day. Refunded is left zero.
	PaidSales(ctx context.Context, d Days) ([]GridSales, error)
	// GridsOf is the grid cell of each of the orders that exist.
	GridsOf(ctx context.Context, orderIDs []int64) (map[int64]string, error)
	// OverduePickups counts the ready orders made ready at or before readyBy.
	OverduePickups(ctx context.Context, readyBy time.Time) (int64, error)
	// AfterSalesWaiting counts after-sales requests waiting for review.
	AfterSalesWaiting(ctx context.Context) (int64, error)
}

// Payments reads the payments' tables (paymentstore).
type Payments interface {
	// RefundsByTrade sums the refunds that succeeded in the days, per payment and day.
	RefundsByTrade(ctx context.Context, d Days) ([]TradeRefund, error)
	// FailedRegistrations counts receiver registrations WeChat refused.
	FailedRegistrations(ctx context.Context) (int64, error)
}

// Batches reads the batches (presalestore).
type Batches interface {
	// BatchCounts counts the open batches, those of them whose cut-off is before closingBy,
	// and the dispatched ones.
	BatchCounts(ctx context.Context, closingBy time.Time) (BatchCounts, error)
}

// Shipping reads the shipping declarations (shippingstore).
type Shipping interface {
	// FailedDeclarations counts declarations WeChat refused.
	FailedDeclarations(ctx context.Context) (int64, error)
}
