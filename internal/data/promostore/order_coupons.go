package promostore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// An order naming a coupon locks it in the statement that writes the order (orderstore), so the
// order exists exactly when it holds its coupon. That lock is promo.CouponLifecycle's available →
// locked move of this table; its statements are here, with the table's owner, next to
// CouponStore.Lock, and the order store composes them into its own.

// lockForOrderSQL locks coupon $3 of shopper $4 for order $1 if it is available and valid at $2.
const lockForOrderSQL = `UPDATE coupons SET state = 'locked', order_id = $1, locked_at = $2
	WHERE id = $3 AND user_id = $4 AND state = 'available' AND valid_from <= $2 AND valid_until > $2`

// LockForOrder locks the shopper's coupon for the order, in ctx's transaction (which the caller
// rolls back when it is not locked): false when the coupon is not the shopper's, not available,
// or not valid at at.
func LockForOrder(ctx context.Context, db *sqldb.DB, couponID, userID, orderID int64, at time.Time) (bool, error) {
	n, err := db.Exec(ctx, lockForOrderSQL, orderID, at.UTC(), couponID, userID)
	if err != nil {
		return false, fmt.Errorf("lock coupon %d for order %d: %w", couponID, orderID, err)
	}
	return n == 1, nil
}

// LockableCouponsCTE is the body of a CTE over a CTE inp(coupon_id, user_id, priced_at) of orders
// to write: the ids of the coupons they name that are the shopper's, available and valid when the
// order was priced, row-locked. A statement that waits for another's lock re-reads the row and
// drops a coupon that one took.
const LockableCouponsCTE = `SELECT c.id FROM coupons c JOIN inp ON c.id = inp.coupon_id AND c.user_id = inp.user_id
	WHERE c.state = 'available' AND c.valid_from <= inp.priced_at AND c.valid_until > inp.priced_at
	FOR UPDATE OF c`

// LockCouponsCTE is the body of a CTE over a CTE ko(id, coupon_id, priced_at) of the orders
// written: it locks each one's coupon (row-locked by LockableCouponsCTE in the same statement)
// for it, returning the ids of the coupons locked.
const LockCouponsCTE = `UPDATE coupons c SET state = 'locked', order_id = ko.id, locked_at = ko.priced_at
	FROM ko WHERE c.id = ko.coupon_id AND c.state = 'available'
	RETURNING c.id`
