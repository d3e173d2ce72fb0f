package orderstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Orders placed at the same moment are written together: under a flash sale hundreds of
// checkouts wait on PostgreSQL at once, and one statement of many orders costs the database
// about a third of what as many single statements cost (one plan, one commit, one WAL flush).
// Nothing waits to fill a batch: a writer takes whatever is queued when it is free, so a lone
// order goes out at once and a crowd goes out in groups.
const (
	maxBatchOrders = 64
	maxWriters     = 4
)

// insertOrdersSQL writes orders and their lines in one statement, each for its shopper's current
// leader when that leader serves and its grid is one of the order's batch's: inp holds one row
// per order (ord numbers them), x one row per line. Orders without such a leader, or whose key is
// taken, produce no rows.
//
// An order naming a coupon locks it in the same statement, by the coupons' owner's parts
// (promostore): cp row-locks the coupons that can be locked, the order is written only with its
// coupon in cp and for the leader it was priced for, and lk locks the coupons of the orders
// written. So the order exists exactly when it holds its coupon. No two orders of one batch name
// the same coupon (take).
const insertOrdersSQL = `
WITH inp AS (
	SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
		$8::timestamptz[], $9::text[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[], $22::bigint[],
		$27::text[], $28::bigint[], $29::timestamptz[])
		AS i(ord, user_id, k, batch_id, amount, pay_attempt, expires_at, grids, promo_off, coupon_off,
			leader_funded, activity_id, coupon_id, share_key, priced_leader, priced_at)
), cp AS (` + promostore.LockableCouponsCTE + `
), o AS (
	INSERT INTO orders (created_at, updated_at, user_id, leader_id, batch_id, grid_cell, status,
		idempotency_key, amount, refunded, pay_attempt, expires_at, release_pending, promo_off, coupon_off,
		leader_funded, activity_id, coupon_id, share_key)
	SELECT $1, $1, inp.user_id, l.id, inp.batch_id, l.grid_cell, 'pending_payment', inp.k, inp.amount, 0,
		inp.pay_attempt, inp.expires_at, false, inp.promo_off, inp.coupon_off, inp.leader_funded,
		NULLIF(inp.activity_id, 0), NULLIF(inp.coupon_id, 0), NULLIF(inp.share_key, '')
	FROM inp
	JOIN leader_bindings b ON b.user_id = inp.user_id AND b.unbound_at IS NULL
	JOIN leaders l ON l.id = b.leader_id AND l.status = 'approved' AND NOT l.paused
	WHERE l.grid_cell = ANY(string_to_array(inp.grids, ','))
		AND (inp.coupon_id = 0 OR (inp.coupon_id IN (SELECT id FROM cp)
			AND (inp.priced_leader = 0 OR l.id = inp.priced_leader)))
	ON CONFLICT (user_id, idempotency_key) DO NOTHING
	RETURNING id, user_id, idempotency_key, leader_id, grid_cell
), ko AS (
	SELECT o.*, inp.ord, inp.coupon_id, inp.priced_at FROM o
	JOIN inp ON inp.user_id = o.user_id AND inp.k = o.idempotency_key
), lk AS (` + promostore.LockCouponsCTE + `
), l AS (
	INSERT INTO order_lines (order_id, item_id, sku_id, title, price, quantity, amount, commission_bp,
		refunded_quantity, refunded_amount, promo_off, coupon_off, leader_funded, gift)
	SELECT ko.id, x.item_id, x.sku_id, x.title, x.price, x.quantity, x.amount, x.commission_bp, 0, 0,
		x.promo_off, x.coupon_off, x.leader_funded, x.gift
	FROM ko JOIN unnest($10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::bigint[], $15::bigint[],
		$16::bigint[], $17::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::boolean[])
		AS x(ord, item_id, sku_id, title, price, quantity, amount, commission_bp, promo_off, coupon_off,
			leader_funded, gift)
		ON x.ord = ko.ord
	RETURNING id, order_id, item_id, gift
)
SELECT ko.ord, ko.id, ko.leader_id, ko.grid_cell, l.id, l.item_id, l.gift, ko.coupon_id = 0 OR lk.id IS NOT NULL
FROM ko JOIN l ON l.order_id = ko.id LEFT JOIN lk ON lk.id = ko.coupon_id`

// insertReq is one order waiting to be written, and where its outcome goes.
type insertReq struct {
	ctx   context.Context
	o     *order.Order
	grids []string
	done  chan insertRes
}

// insertRes is an order's outcome: written (o), not written (neither: the caller asks why), or
// a failed batch that the caller retries alone (single).
type insertRes struct {
	o      *order.Order
	err    error
	single bool
}

// orderBatcher queues orders and runs up to maxWriters writers while there are any.
type orderBatcher struct {
	data    *sqldb.DB
	mu      sync.Mutex
	queue   []*insertReq
	writers int
}

// write queues o and waits for its outcome. It waits even if ctx ends meanwhile: once the
// statement is sent, whether the order was written must be known.
func (b *orderBatcher) write(ctx context.Context, o *order.Order, grids []string) insertRes {
	req := &insertReq{ctx: ctx, o: o, grids: grids, done: make(chan insertRes, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, req)
	if b.writers < maxWriters {
		b.writers++
		go b.drain()
	}
	b.mu.Unlock()
	return <-req.done
}

// drain writes batches until the queue is empty.
func (b *orderBatcher) drain() {
	for {
		b.mu.Lock()
		batch := b.take()
		if len(batch) == 0 {
			b.writers--
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.run(batch)
	}
}

// take removes up to maxBatchOrders requests from the queue, leaving a second request for the
// same shopper and key, or for the same coupon, to a later batch (one statement cannot insert
// both, nor lock one coupon for two orders). b.mu is held.
func (b *orderBatcher) take() []*insertReq {
	batch := make([]*insertReq, 0, min(len(b.queue), maxBatchOrders))
	seen := make(map[string]bool, cap(batch))
	coupons := make(map[int64]bool)
	rest := b.queue[:0]
	for _, r := range b.queue {
		k, c := r.o.Token(), r.o.CouponID
		if len(batch) == maxBatchOrders || seen[k] || (c != 0 && coupons[c]) {
			rest = append(rest, r)
			continue
		}
		seen[k] = true
		if c != 0 {
			coupons[c] = true
		}
		batch = append(batch, r)
	}
	clear(b.queue[len(rest):])
	b.queue = rest
	return batch
}

// run writes one batch. Requests whose context ended while queued are answered unwritten; the
// statement runs until the earliest deadline of the rest, so no order commits after its
// checkout's deadline.
func (b *orderBatcher) run(batch []*insertReq) {
	live := batch[:0]
	deadline := time.Time{}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- insertRes{err: fmt.Errorf("order %q not written: %w", r.o.IdempotencyKey, err)}
			continue
		}
		if d, ok := r.ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
			deadline = d
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if !deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, deadline)
	}
	defer cancel()
	written, err := b.insert(ctx, live)
	for i, r := range live {
		switch {
		case err != nil && ctx.Err() != nil:
			r.done <- insertRes{err: fmt.Errorf("write orders: %w", err)}
		case err != nil:
			r.done <- insertRes{single: true}
		default:
			r.done <- insertRes{o: written[i]}
		}
	}
}

// insert runs insertOrdersSQL for reqs and returns each one's written order, or nil. A batch
// with coupons runs in a transaction that commits only if every order written holds its coupon:
// the statement promises it, and money depends on it, so it is checked rather than trusted.
func (b *orderBatcher) insert(ctx context.Context, reqs []*insertReq) ([]*order.Order, error) {
	var in orderColumns
	for i, r := range reqs {
		in.add(int64(i), r.o, r.grids)
	}
	now := time.Now().UTC()
	args := append([]any{now}, in.args()...)
	if !in.withCoupons {
		return b.query(ctx, b.data.SQL, reqs, now, args)
	}
	tx, err := b.data.SQL.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	out, err := b.query(ctx, tx, reqs, now, args)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// errCouponNotLocked is a written order whose coupon the statement did not lock: the batch is
// rolled back and its orders are written one by one.
var errCouponNotLocked = errors.New("an order was written without locking its coupon")

// query runs insertOrdersSQL with args on c and reads the orders written.
func (b *orderBatcher) query(ctx context.Context, c sqldb.Querier, reqs []*insertReq, now time.Time, args []any) ([]*order.Order, error) {
	rows, err := c.QueryContext(ctx, insertOrdersSQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*order.Order, len(reqs))
	for rows.Next() {
		var ord, id, leaderID, lineID, itemID int64
		var grid string
		var gift, holds bool
		if err := rows.Scan(&ord, &id, &leaderID, &grid, &lineID, &itemID, &gift, &holds); err != nil {
			return nil, err
		}
		if !holds {
			return nil, fmt.Errorf("order %d, coupon %d: %w", id, reqs[ord].o.CouponID, errCouponNotLocked)
		}
		o := out[ord]
		if o == nil {
			cp := *reqs[ord].o
			o = &cp
			o.ID, o.LeaderID, o.GridCell, o.CreatedAt, o.Lines = id, leaderID, grid, now, nil
			out[ord] = o
		}
		// An item is on an order at most once bought and once as the activity's gift.
		for _, l := range reqs[ord].o.Lines {
			if l.ItemID == itemID && l.Gift == gift {
				l.ID, l.OrderID = lineID, id
				o.Lines = append(o.Lines, l)
			}
		}
	}
	return out, rows.Err()
}

// orderColumns are a batch's orders and lines as the statement's arrays.
type orderColumns struct {
	ord, users, batches, amounts, attempts        []int64
	promo, coupon, funded, activityIDs, couponIDs []int64
	keys, grids, shares                           []string
	expires                                       []time.Time
	lOrd, lItem, lSKU, lPrice, lQty, lAmount, lBP []int64
	lPromo, lCoupon, lFunded                      []int64
	lGift                                         []bool
	lTitle                                        []string
	pricedLeaders                                 []int64
	pricedAt                                      []time.Time
	withCoupons                                   bool
}

func (c *orderColumns) add(ord int64, o *order.Order, grids []string) {
	c.ord, c.users, c.keys = append(c.ord, ord), append(c.users, o.UserID), append(c.keys, o.IdempotencyKey)
	c.batches, c.amounts = append(c.batches, o.BatchID), append(c.amounts, o.Amount)
	c.attempts, c.expires = append(c.attempts, int64(o.PayAttempt)), append(c.expires, o.ExpiresAt)
	c.grids = append(c.grids, strings.Join(grids, ","))
	c.promo, c.coupon, c.funded = append(c.promo, o.PromoOff), append(c.coupon, o.CouponOff), append(c.funded, o.LeaderFunded)
	c.activityIDs, c.couponIDs = append(c.activityIDs, o.ActivityID), append(c.couponIDs, o.CouponID)
	c.pricedLeaders, c.pricedAt = append(c.pricedLeaders, o.LeaderID), append(c.pricedAt, pricedAt(o))
	c.withCoupons = c.withCoupons || o.CouponID != 0
	c.shares = append(c.shares, o.ShareKey)
	for _, l := range o.Lines {
		c.lPromo, c.lCoupon = append(c.lPromo, l.PromoOff), append(c.lCoupon, l.CouponOff)
		c.lFunded, c.lGift = append(c.lFunded, l.LeaderFunded), append(c.lGift, l.Gift)
		c.lOrd, c.lItem, c.lSKU = append(c.lOrd, ord), append(c.lItem, l.ItemID), append(c.lSKU, l.SKUID)
		c.lTitle, c.lPrice, c.lQty = append(c.lTitle, l.Title), append(c.lPrice, l.Price), append(c.lQty, l.Quantity)
		c.lAmount, c.lBP = append(c.lAmount, l.Amount), append(c.lBP, int64(l.CommissionBP))
	}
}

func (c *orderColumns) args() []any {
	return []any{c.ord, c.users, c.keys, c.batches, c.amounts, c.attempts, c.expires, c.grids,
		c.lOrd, c.lItem, c.lSKU, c.lTitle, c.lPrice, c.lQty, c.lAmount, c.lBP,
		c.promo, c.coupon, c.funded, c.activityIDs, c.couponIDs, c.lPromo, c.lCoupon, c.lFunded, c.lGift, c.shares,
		c.pricedLeaders, c.pricedAt}
}

// pricedAt is when the order was priced: its coupon must be valid then. An order built without
// the time (a test's) is checked at now.
func pricedAt(o *order.Order) time.Time {
	if o.PricedAt.IsZero() {
		return time.Now().UTC()
	}
	return o.PricedAt.UTC()
}
