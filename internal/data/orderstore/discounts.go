package orderstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The promotions on orders, summed in one statement for the leader statement and finance's
// reports. Goods and the discounts come from the orders' own columns; only orders of a 满减
// activity can hold a gift, so only theirs look at their lines (by the (order_id, item_id)
// index).
const discountsSelect = `SELECT COUNT(*), COALESCE(SUM(o.amount + o.promo_off + o.coupon_off), 0),
  COALESCE(SUM(o.promo_off), 0), COALESCE(SUM(o.coupon_off), 0), COALESCE(SUM(o.leader_funded), 0),
  COALESCE(SUM(o.amount), 0),
  COALESCE(SUM(CASE WHEN o.activity_id IS NULL THEN 0 ELSE
    (SELECT COALESCE(SUM(l.price * l.quantity), 0) FROM order_lines l WHERE l.order_id = o.id AND l.gift) END), 0)
FROM orders o `

// servedDiscountsSQL reads the leader's orders paid in [$2, $3): a BitmapAnd of the
// (leader_id, batch_id) and (paid_at, id) indexes, so a statement reads the leader's period
// and nothing of its other months.
const servedDiscountsSQL = discountsSelect + `WHERE o.leader_id = $1 AND o.paid_at >= $2 AND o.paid_at < $3`

// ServedDiscounts sums the promotions on the orders leaderID served that were paid in
// [from, to).
func ServedDiscounts(ctx context.Context, db *sqldb.DB, leaderID int64, from, to time.Time) (commission.Discounts, error) {
	d, err := discounts(ctx, db, servedDiscountsSQL, leaderID, from.UTC(), to.UTC())
	if err != nil {
		return d, fmt.Errorf("discounts on the orders of leader %d: %w", leaderID, err)
	}
	return d, nil
}

// paidDiscountsSQL reads the orders paid in [$1, $2) on the (paid_at, id) index.
const paidDiscountsSQL = discountsSelect + `WHERE o.paid_at >= $1 AND o.paid_at < $2`

// PaidDiscounts sums the promotions on the orders paid in [from, to), whatever became of them
// since.
func PaidDiscounts(ctx context.Context, db *sqldb.DB, from, to time.Time) (commission.Discounts, error) {
	d, err := discounts(ctx, db, paidDiscountsSQL, from.UTC(), to.UTC())
	if err != nil {
		return d, fmt.Errorf("discounts on the orders paid from %s: %w", from.UTC().Format(time.RFC3339), err)
	}
	return d, nil
}

func discounts(ctx context.Context, db *sqldb.DB, query string, args ...any) (commission.Discounts, error) {
	var d commission.Discounts
	err := db.QueryRow(ctx, query, args, &d.Orders, &d.Goods, &d.PromoOff, &d.CouponOff, &d.LeaderFunded, &d.Paid, &d.Gifts)
	return d, sqldb.Err(err, "sum discounts")
}
