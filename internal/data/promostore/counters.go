package promostore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/couponcount"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// NewCounters picks where claims are counted (promotions.coupon_counter): Redis (default) or
// the template rows.
func NewCounters(c *conf.Promotions, data *sqldb.DB, rdb redis.UniversalClient, prefix redisdb.KeyPrefix) (promo.Counters, error) {
	switch c.GetCouponCounter() {
	case "", "redis":
		return couponcount.NewStore(rdb, prefix), nil
	case "database":
		return &SQLCounters{data: data}, nil
	}
	return nil, fmt.Errorf("promotions.coupon_counter %q: want redis or database", c.GetCouponCounter())
}

// SQLCounters count claims in coupon_templates.issued_count and issued_amount with a
// conditional UPDATE in the claim's own transaction, and the per-shopper limit by the shopper's
// rows in coupons, unique by (template, shopper, seq). Always consistent and no Redis needed, but
// every claim of a template waits for the row lock of the one before it.
type SQLCounters struct{ data *sqldb.DB }

var _ promo.Counters = (*SQLCounters)(nil)

// InDatabase is true: Take must run in the transaction that writes the coupon.
func (c *SQLCounters) InDatabase() bool { return true }

// Take books the coupon against the template row's budgets, then finds the shopper's lowest free
// seq. The UPDATE holds the row lock until the claim's transaction ends, so no other claim of the
// template can pick the same seq meanwhile.
func (c *SQLCounters) Take(ctx context.Context, t *promo.Template, userID int64) (int, error) {
	// The limit is the row's, not the caller's: claims read their template from a cache, and a
	// limit lowered since must hold at once.
	var limit int
	err := c.data.QueryRow(ctx, `UPDATE coupon_templates
		SET issued_count = issued_count + 1, issued_amount = issued_amount + $1
		WHERE id = $2 AND issued_count < budget_count AND issued_amount + $1 <= budget_amount
		RETURNING per_shopper`, []any{t.Discount.Most(), t.ID}, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("template %d: %w", t.ID, promo.ErrBudgetSpent)
	}
	if err != nil {
		return 0, sqldb.Err(err, fmt.Sprintf("take a coupon of template %d", t.ID))
	}
	held := make(map[int]bool)
	err = c.data.Query(ctx, `SELECT seq FROM coupons WHERE template_id = $1 AND user_id = $2`,
		[]any{t.ID, userID}, func(rows *sql.Rows) error {
			var seq int
			if err := rows.Scan(&seq); err != nil {
				return err
			}
			held[seq] = true
			return nil
		})
	if err != nil {
		return 0, sqldb.Err(err, fmt.Sprintf("coupons of shopper %d of template %d", userID, t.ID))
	}
	for seq := 1; seq <= limit; seq++ {
		if !held[seq] {
			return seq, nil
		}
	}
	return 0, fmt.Errorf("template %d, shopper %d: %w", t.ID, userID, promo.ErrShopperLimit)
}

// Give has nothing to give back: a booking that was not followed by its coupon rolled back with
// the claim's transaction.
func (c *SQLCounters) Give(context.Context, *promo.Template, int64, int) error { return nil }

// Pause, Load and Resume have nothing to rebuild: the counts move only in the claims'
// transactions, and a snapshot written over them would lose the claims that committed after it.
func (c *SQLCounters) Pause(context.Context, int64) (string, error)                      { return "database", nil }
func (c *SQLCounters) Load(context.Context, *promo.Template, promo.Issued, string) error { return nil }
func (c *SQLCounters) Resume(context.Context, int64, string) error                       { return nil }
