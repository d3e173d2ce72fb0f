package presale

import (
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// Config is the batch policy that comes from settlement and after-sales.
type Config struct {
	// FreezeWindow is how long WeChat Pay keeps a payment's funds frozen for profit-sharing
	// (settlement.freeze_window); after it the commission of the payment can no longer be paid.
	FreezeWindow time.Duration
	// AfterSalesWindow is how long after pickup a shopper may ask for a refund
	// (checkout.after_sales_window): commission becomes settleable only when it has passed.
	AfterSalesWindow time.Duration
	// SettleMargin is time kept in hand before the freeze deadline for the settlement runs and
	// their retries (settlement.settle_margin).
	SettleMargin time.Duration
}

// PickupTooLateError refuses a batch whose commission could never be paid: its pickup date plus
// the after-sales window lies past the freeze window of its earliest payment.
type PickupTooLateError struct {
	PickupDate string // YYYY-MM-DD, China
	Latest     string // the latest pickup date allowed, YYYY-MM-DD, China
	Config     Config
}

func (e *PickupTooLateError) Error() string {
	return fmt.Sprintf("pickup date %s is past the latest a commission can still be shared for, %s", e.PickupDate, e.Latest)
}

// LatestPickup is the last pickup day whose commission can still be paid, for a batch opening at
// opensAt. The earliest payment of the batch is at opensAt, and its funds stay frozen for sharing
// until opensAt + FreezeWindow: that payment binds, every later one has longer. A pickup may
// happen at any time of its day, so the whole day, then the after-sales window, then the margin
// for settlement must end by that deadline.
func (c Config) LatestPickup(opensAt time.Time) time.Time {
	deadline := opensAt.Add(c.FreezeWindow - c.AfterSalesWindow - c.SettleMargin)
	return bjtime.StartOfDay(deadline.Add(-24 * time.Hour))
}

// checkSettleable refuses b when its pickup date is past LatestPickup. A zero FreezeWindow
// checks nothing (no profit-sharing configured).
func (c Config) checkSettleable(b *Batch) error {
	if c.FreezeWindow <= 0 {
		return nil
	}
	latest := c.LatestPickup(b.OpensAt)
	if b.PickupDate.After(latest) {
		return &PickupTooLateError{PickupDate: b.PickupDay(), Latest: latest.Format(time.DateOnly), Config: c}
	}
	return nil
}
