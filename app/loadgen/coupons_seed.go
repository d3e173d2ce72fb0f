package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
)

// couponSeedCmd gives each of -shoppers shoppers -each coupons of a new send template (1 yuan
// off 20 yuan, platform-funded), for "flash -coupons-of": the template through the ops API, the
// coupons written by the program's own store as a send would write them, one transaction a
// shopper (an ops send of this size would take minutes through its sweep).
func couponSeedCmd(args []string) error {
	fs, a := apiFlagSet("coupon-seed")
	confPath := confFlag(fs)
	shoppers := fs.Int("shoppers", 1000, "shoppers, users -first-user..")
	firstUser := fs.Int64("first-user", 2, "user id of the first shopper")
	each := fs.Int("each", 60, "coupons a shopper (1 to 100)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shoppers < 1 || *shoppers > 100_000 || *each < 1 || *each > 100 {
		return fmt.Errorf("-shoppers %d -each %d: want 1 to 100,000 shoppers and 1 to 100 each", *shoppers, *each)
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	ops, err := a.mint(identity.SubjectConsole, 1, identity.RoleOps)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var dials atomic.Int64
	oc := &opsClient{http: newClient(2, a.timeout, &dials), base: base, token: ops}
	id, err := createTemplate(ctx, oc, "秒杀压测 满20减1", "send", int64(*shoppers**each), *each)
	if err != nil {
		return err
	}
	t, err := openSeedTarget(*confPath)
	if err != nil {
		return err
	}
	defer t.close()
	tpl, err := promostore.NewStore(t.db).Template(ctx, id)
	if err != nil {
		return err
	}
	coupons := promostore.NewCouponStore(t.db)
	now := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next atomic.Int64
	)
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(*shoppers); i = next.Add(1) - 1 {
				user := *firstUser + i
				err := t.db.InTx(ctx, func(ctx context.Context) error {
					for seq := 1; seq <= *each; seq++ {
						c := promo.NewClaimed(tpl, user, seq, now)
						c.IssueKey = fmt.Sprintf("bench:%d:%d:%d", id, user, seq)
						if _, _, err := coupons.Issue(ctx, c); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("issue the coupons of template %d: %w", id, err)
	}
	// Statistics of the table just filled, as autovacuum would take them in production (the test
	// server may run without it): checkouts then plan their coupon reads for its real size.
	if _, err := t.db.Exec(ctx, "ANALYZE coupons"); err != nil {
		return fmt.Errorf("analyze the coupons: %w", err)
	}
	fmt.Printf("issued %d coupons of template %d to each of %d shoppers (users %d..%d)\nCOUPON_TEMPLATE=%d\n",
		*each, id, *shoppers, *firstUser, *firstUser+int64(*shoppers)-1, id)
	return nil
}

// couponsOf is each shopper's available coupons of the template, by user id, oldest first.
func couponsOf(ctx context.Context, db *sql.DB, template int64) (map[int64][]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT user_id, id FROM coupons WHERE template_id = $1 AND state = 'available'
		ORDER BY user_id, id`, template)
	if err != nil {
		return nil, fmt.Errorf("coupons of template %d: %w", template, err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var user, id int64
		if err := rows.Scan(&user, &id); err != nil {
			return nil, err
		}
		out[user] = append(out[user], id)
	}
	return out, rows.Err()
}

// checkCouponOrders asserts every order naming a coupon of the template holds it (locked for that
// order) and every locked coupon is held by an order naming it: one coupon, one order.
func checkCouponOrders(ctx context.Context, db *sql.DB, template int64) ([]string, error) {
	var orders, wrong, orphans int64
	err := db.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM orders o JOIN coupons c ON c.id = o.coupon_id WHERE c.template_id = $1),
			(SELECT count(*) FROM orders o JOIN coupons c ON c.id = o.coupon_id
				WHERE c.template_id = $1 AND (c.state <> 'locked' OR c.order_id IS DISTINCT FROM o.id)),
			(SELECT count(*) FROM coupons c WHERE c.template_id = $1 AND c.state = 'locked'
				AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = c.order_id AND o.coupon_id = c.id))`,
		template).Scan(&orders, &wrong, &orphans)
	if err != nil {
		return nil, fmt.Errorf("check the orders of template %d's coupons: %w", template, err)
	}
	fmt.Printf("  coupons      %d orders name a coupon of template %d: %d without it locked for them, %d coupons locked for no such order\n",
		orders, template, wrong, orphans)
	if wrong > 0 || orphans > 0 {
		return []string{fmt.Sprintf("%d orders without their coupon, %d coupons locked for no order", wrong, orphans)}, nil
	}
	return nil, nil
}
