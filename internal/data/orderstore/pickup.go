package orderstore

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/aftersale"
	"github.com/groupbuy/groupbuy/ent/arrival"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/shoppernotice"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// pickupRepo is the pickup day on ent: arrivals, notices, and the set-based moves and aggregate
// reads of orders. Raw SQL is written with $n placeholders and rewritten for SQLite.
type pickupRepo struct {
	data    *sqldb.DB
	batches *presalestore.BatchRepo
}

// NewPickupRepo stores the pickup day.
func NewPickupRepo(data *sqldb.DB, batches *presalestore.BatchRepo) order.PickupRepo {
	return &pickupRepo{data: data, batches: batches}
}

func (r *pickupRepo) AddArrival(ctx context.Context, a order.Arrival) (*order.Arrival, bool, error) {
	c := r.data.Client(ctx)
	// RowsAffected tells a new row from one already there, on both engines.
	res, err := c.ExecContext(ctx, r.data.Rebind(`INSERT INTO arrivals (batch_id, leader_id, arrived_at, marked_by)
VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id, leader_id) DO NOTHING`),
		a.BatchID, a.LeaderID, a.ArrivedAt.UTC(), a.MarkedBy)
	if err != nil {
		return nil, false, sqldb.Err(err, fmt.Sprintf("add arrival of batch %d at leader %d", a.BatchID, a.LeaderID))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, fmt.Errorf("add arrival: %w", err)
	}
	row, err := c.Arrival.Query().
		Where(arrival.BatchID(int(a.BatchID)), arrival.LeaderID(int(a.LeaderID))).Only(ctx)
	if err != nil {
		return nil, false, sqldb.Err(err, fmt.Sprintf("arrival of batch %d at leader %d", a.BatchID, a.LeaderID))
	}
	out := toArrival(row)
	return &out, n == 1, nil
}

func toArrival(row *ent.Arrival) order.Arrival {
	return order.Arrival{BatchID: int64(row.BatchID), LeaderID: int64(row.LeaderID), ArrivedAt: row.ArrivedAt.UTC(),
		MarkedBy: row.MarkedBy}
}

func (r *pickupRepo) Arrivals(ctx context.Context, batchID int64) ([]order.Arrival, error) {
	rows, err := r.data.Client(ctx).Arrival.Query().Where(arrival.BatchID(int(batchID))).
		Order(ent.Asc(arrival.FieldLeaderID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("arrivals of batch %d", batchID))
	}
	out := make([]order.Arrival, len(rows))
	for i, row := range rows {
		out[i] = toArrival(row)
	}
	return out, nil
}

// MakeReady locks the paid orders first (PostgreSQL), so a payment or refund in flight on one
// of them is waited for, then moves them in one UPDATE that checks the status again.
func (r *pickupRepo) MakeReady(ctx context.Context, batchID, leaderID int64, at time.Time) ([]*order.Order, error) {
	c := r.data.Client(ctx)
	from := entOrderStatuses(order.Lifecycle.Sources(order.Ready))
	q := c.Order.Query().Where(entorder.BatchID(int(batchID)), entorder.LeaderID(int(leaderID)),
		entorder.StatusIn(from...)).Order(ent.Asc(entorder.FieldID))
	q = sqldb.Lock(r.data, q)
	rows, err := q.All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, sqldb.Err(err, fmt.Sprintf("paid orders of batch %d at leader %d", batchID, leaderID))
	}
	ids := make([]int, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	at = at.UTC()
	n, err := c.Order.Update().Where(entorder.IDIn(ids...), entorder.StatusIn(from...)).
		SetStatus(entorder.Status(order.Ready)).SetReadyAt(at).Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("make orders of batch %d at leader %d ready", batchID, leaderID))
	}
	if n != len(rows) {
		return nil, fmt.Errorf("make orders of batch %d at leader %d ready: %d of %d moved", batchID, leaderID, n, len(rows))
	}
	out := make([]*order.Order, len(rows))
	for i, row := range rows {
		out[i] = toOrder(row) // as read: biz moves it to ready on its table
		out[i].ReadyAt = at
	}
	return out, nil
}

// LateArrivals looks only at batches that take arrivals (dispatched, arrived): few, so the
// arrivals and orders probed are few too.
func (r *pickupRepo) LateArrivals(ctx context.Context, limit int) ([]order.Arrival, error) {
	batches, err := presalestore.IDsIn(ctx, r.data, presale.Dispatched, presale.Arrived)
	if err != nil || len(batches) == 0 {
		return nil, err
	}
	var out []order.Arrival
	err = r.data.Query(ctx, `SELECT a.batch_id, a.leader_id FROM arrivals a
WHERE a.batch_id IN (`+sqldb.List(2, len(batches))+`)
  AND EXISTS (SELECT 1 FROM orders o WHERE o.batch_id = a.batch_id AND o.leader_id = a.leader_id AND o.status = 'paid')
ORDER BY a.batch_id, a.leader_id LIMIT $1`, append([]any{limit}, sqldb.Args(batches)...), func(rows *stdsql.Rows) error {
		var a order.Arrival
		err := rows.Scan(&a.BatchID, &a.LeaderID)
		out = append(out, a)
		return err
	})
	return out, sqldb.Err(err, "late-paid orders")
}

// waitingSQL is the paid orders of the batches matched by its condition (%s) whose point has no
// arrival yet.
const waitingSQL = `FROM orders o WHERE o.batch_id %s AND o.status = 'paid'
AND NOT EXISTS (SELECT 1 FROM arrivals a WHERE a.batch_id = o.batch_id AND a.leader_id = o.leader_id)`

func (r *pickupRepo) PointsWaiting(ctx context.Context, batchID int64) (int, error) {
	return r.count(ctx, fmt.Sprintf("points waiting in batch %d", batchID),
		"SELECT COUNT(DISTINCT o.leader_id) "+fmt.Sprintf(waitingSQL, "= $1"), batchID)
}

// openStatuses are the order statuses that keep a batch from completing.
const openStatuses = `('paid', 'ready_for_pickup', 'refunding', 'picked_up')`

func (r *pickupRepo) OpenOrders(ctx context.Context, batchID int64) (int, error) {
	return r.count(ctx, fmt.Sprintf("open orders of batch %d", batchID),
		"SELECT COUNT(*) FROM orders WHERE batch_id = $1 AND status IN "+openStatuses, batchID)
}

func (r *pickupRepo) count(ctx context.Context, what, query string, args ...any) (int, error) {
	rows, err := r.data.Client(ctx).QueryContext(ctx, r.data.Rebind(query), args...)
	if err != nil {
		return 0, sqldb.Err(err, what)
	}
	defer rows.Close()
	n := 0
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	return n, sqldb.Err(rows.Err(), what)
}

// BatchesDue reads the batches in status from their owner (few: the ones on the road or
// arrived) and keeps those whose orders no longer hold them: a dispatched batch once every point
// with paid orders has arrived, an arrived one once no order is open.
func (r *pickupRepo) BatchesDue(ctx context.Context, status presale.Status, limit int) ([]int64, error) {
	if status != presale.Dispatched && status != presale.Arrived {
		return nil, fmt.Errorf("no batch is due from %s", status)
	}
	batches, err := presalestore.IDsIn(ctx, r.data, status)
	if err != nil || len(batches) == 0 {
		return nil, err
	}
	list := sqldb.List(1, len(batches))
	holding := "SELECT DISTINCT o.batch_id FROM orders o WHERE o.batch_id IN (" + list + ") AND o.status IN " + openStatuses
	if status == presale.Dispatched {
		holding = "SELECT DISTINCT o.batch_id " + fmt.Sprintf(waitingSQL, "IN ("+list+")")
	}
	held := map[int64]bool{}
	err = r.data.Query(ctx, holding, sqldb.Args(batches), func(rows *stdsql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		held[id] = true
		return err
	})
	if err != nil {
		return nil, sqldb.Err(err, "batches due from "+string(status))
	}
	var due []int64
	for _, id := range batches {
		if !held[id] && len(due) < limit {
			due = append(due, id)
		}
	}
	return due, nil
}

// noticeChunk keeps one INSERT's parameters far below PostgreSQL's 65535.
const noticeChunk = 500

// AddNotices inserts in multi-row statements; ON CONFLICT (order_id, kind) DO NOTHING keeps one
// notice of a kind per order.
func (r *pickupRepo) AddNotices(ctx context.Context, ns []order.Notice) error {
	return addNotices(ctx, r.data, ns)
}

func addNotices(ctx context.Context, d *sqldb.DB, ns []order.Notice) error {
	for len(ns) > 0 {
		chunk := ns[:min(len(ns), noticeChunk)]
		ns = ns[len(chunk):]
		ins := d.Insert(shoppernotice.Table).Columns(shoppernotice.FieldUserID,
			shoppernotice.FieldOrderID, shoppernotice.FieldKind, shoppernotice.FieldTitle, shoppernotice.FieldBody,
			shoppernotice.FieldCreatedAt)
		for _, n := range chunk {
			ins.Values(n.UserID, n.OrderID, n.Kind, n.Title, n.Body, n.CreatedAt.UTC())
		}
		ins.OnConflict(sql.ConflictColumns(shoppernotice.FieldOrderID, shoppernotice.FieldKind), sql.DoNothing())
		query, args := ins.Query()
		if _, err := d.Client(ctx).ExecContext(ctx, query, args...); err != nil {
			return sqldb.Err(err, "add shopper notices")
		}
	}
	return nil
}

func toNotice(row *ent.ShopperNotice) *order.Notice {
	n := &order.Notice{ID: int64(row.ID), UserID: int64(row.UserID), OrderID: int64(row.OrderID), Kind: row.Kind,
		Title: row.Title, Body: row.Body, CreatedAt: row.CreatedAt.UTC()}
	if row.ReadAt != nil {
		n.ReadAt = row.ReadAt.UTC()
	}
	return n
}

func (r *pickupRepo) Notice(ctx context.Context, orderID int64, kind string) (*order.Notice, error) {
	row, err := r.data.Client(ctx).ShopperNotice.Query().
		Where(shoppernotice.OrderID(int(orderID)), shoppernotice.Kind(kind)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("%s notice of order %d", kind, orderID))
	}
	return toNotice(row), nil
}

func (r *pickupRepo) Notices(ctx context.Context, userID, beforeID int64, limit int) ([]*order.Notice, error) {
	q := r.data.Client(ctx).ShopperNotice.Query().Where(shoppernotice.UserID(int(userID))).
		Order(ent.Desc(shoppernotice.FieldID)).Limit(port.PageLimit(limit))
	if beforeID > 0 {
		q.Where(shoppernotice.IDLT(int(beforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("notices of user %d", userID))
	}
	out := make([]*order.Notice, len(rows))
	for i, row := range rows {
		out[i] = toNotice(row)
	}
	return out, nil
}

func (r *pickupRepo) OrderByCode(ctx context.Context, leaderID int64, code string) (int64, error) {
	id, err := r.data.Client(ctx).Order.Query().
		Where(entorder.PickupCode(code), entorder.LeaderID(int(leaderID))).OnlyID(ctx)
	if err != nil {
		return 0, sqldb.Err(err, "order by pickup code")
	}
	return int64(id), nil
}

func (r *pickupRepo) FlagOverdue(ctx context.Context, readyBefore, at time.Time) (int, error) {
	n, err := r.data.Client(ctx).Order.Update().
		Where(entorder.StatusEQ(entorder.StatusReadyForPickup), entorder.ReadyAtLTE(readyBefore.UTC()),
			entorder.OverdueAtIsNil()).
		SetOverdueAt(at.UTC()).Save(ctx)
	return n, sqldb.Err(err, "flag overdue orders")
}

// CompleteDue claims the due rows with FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas
// sweeping at once take different orders and a verification or refund holding one is not
// waited for; the UPDATE checks the status again.
func (r *pickupRepo) CompleteDue(ctx context.Context, pickedBefore time.Time, limit int) ([]*order.Order, error) {
	c := r.data.Client(ctx)
	from := entOrderStatuses(order.Lifecycle.Sources(order.Completed))
	q := c.Order.Query().
		Where(entorder.StatusIn(from...), entorder.PickedUpAtLTE(pickedBefore.UTC()),
			func(s *sql.Selector) {
				t := sql.Table(aftersale.Table)
				s.Where(sql.Not(sql.Exists(sql.Select(t.C(aftersale.FieldID)).From(t).Where(sql.And(
					sql.ColumnsEQ(t.C(aftersale.FieldOrderID), s.C(entorder.FieldID)),
					sql.In(t.C(aftersale.FieldStatus), string(aftersale.StatusRequested), string(aftersale.StatusApproved)))))))
			}).
		Order(ent.Asc(entorder.FieldID)).Limit(limit)
	if r.data.Postgres() {
		q.ForUpdate(sql.WithLockAction(sql.SkipLocked))
	}
	rows, err := q.All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, sqldb.Err(err, "picked-up orders due to complete")
	}
	ids := make([]int, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	n, err := c.Order.Update().Where(entorder.IDIn(ids...), entorder.StatusIn(from...)).
		SetStatus(entorder.Status(order.Completed)).Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "complete picked-up orders")
	}
	if n != len(rows) {
		return nil, fmt.Errorf("complete picked-up orders: %d of %d moved", n, len(rows))
	}
	out := make([]*order.Order, len(rows))
	for i, row := range rows {
		out[i] = toOrder(row) // as read: biz moves it to completed on its table
	}
	return out, nil
}

// entOrderStatuses converts the states biz's order table gives for a set-based move.
func entOrderStatuses(s []order.Status) []entorder.Status {
	out := make([]entorder.Status, len(s))
	for i, st := range s {
		out[i] = entorder.Status(st)
	}
	return out
}

func (r *pickupRepo) Overdue(ctx context.Context, afterID int64, limit int) ([]*order.Order, error) {
	rows, err := r.data.Client(ctx).Order.Query().
		Where(entorder.StatusEQ(entorder.StatusReadyForPickup), entorder.OverdueAtNotNil(), entorder.IDGT(int(afterID))).
		Order(ent.Asc(entorder.FieldID)).Limit(port.PageLimit(limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "overdue orders")
	}
	return (&orderRepo{data: r.data}).withLines(ctx, rows)
}

// statusList renders statuses as an SQL list of literals; they are the order package's
// constants, checked to be plain words.
func statusList(ss []order.Status) (string, error) {
	parts := make([]string, len(ss))
	for i, st := range ss {
		if st == "" || strings.Trim(string(st), "abcdefghijklmnopqrstuvwxyz_") != "" {
			return "", fmt.Errorf("order status %q", st)
		}
		parts[i] = "'" + string(st) + "'"
	}
	return "(" + strings.Join(parts, ", ") + ")", nil
}

func (r *pickupRepo) PickRows(ctx context.Context, batchID, leaderID int64, statuses []order.Status) ([]order.PickRow, error) {
	what := fmt.Sprintf("pick list of batch %d at leader %d", batchID, leaderID)
	in, err := statusList(statuses)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []order.PickRow
	err = r.scan(ctx, `SELECT o.id, o.user_id, o.status, l.id, l.item_id, l.quantity - l.refunded_quantity
FROM orders o JOIN order_lines l ON l.order_id = o.id
WHERE o.batch_id = $1 AND o.leader_id = $2 AND o.status IN `+in+`
ORDER BY o.id, l.id`, []any{batchID, leaderID}, func(rows interface{ Scan(...any) error }) error {
		var p order.PickRow
		var status string
		if err := rows.Scan(&p.OrderID, &p.UserID, &status, &p.LineID, &p.ItemID, &p.Qty); err != nil {
			return err
		}
		p.Status = order.Status(status)
		out = append(out, p)
		return nil
	})
	return out, sqldb.Err(err, what)
}

// scan runs a $n query in ctx's transaction (if any) and calls each for every row.
func (r *pickupRepo) scan(ctx context.Context, query string, args []any, each func(interface{ Scan(...any) error }) error) error {
	return sqldb.Rows(ctx, r.data.Client(ctx), r.data.Rebind(query), args, func(rows *stdsql.Rows) error { return each(rows) })
}

// LeaderBatches pages through the batch ids of the point's orders that were paid (whatever
// became of them since) and reads those batches from their owner.
func (r *pickupRepo) LeaderBatches(ctx context.Context, leaderID, beforeID int64, limit int) ([]*presale.Batch, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	var ids []int64
	err := r.data.Query(ctx, `SELECT DISTINCT batch_id FROM orders
WHERE leader_id = $1 AND batch_id < $2 AND status NOT IN ($3, $4)
ORDER BY batch_id DESC LIMIT $5`, []any{leaderID, beforeID, string(entorder.StatusPendingPayment),
		string(entorder.StatusCancelled), port.PageLimit(limit)}, func(rows *stdsql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("batches of leader %d", leaderID))
	}
	return r.batches.Batches(ctx, ids)
}

// pickupGuard keeps the pickup day's counters in Redis: attempted verifications per leader (the
// count is one key, so it lives in one cluster slot) and one-time claims (a message sent once per order).
type pickupGuard struct {
	rdb    redis.UniversalClient
	prefix redisdb.KeyPrefix
}

// NewPickupGuard builds the pickup guard on the shared Redis.
func NewPickupGuard(rdb redis.UniversalClient, prefix redisdb.KeyPrefix) order.PickupGuard {
	return &pickupGuard{rdb: rdb, prefix: prefix}
}

func (g *pickupGuard) failKey(leaderID int64) string {
	return g.prefix.Key("pickup", "fail", strconv.FormatInt(leaderID, 10))
}

// claimAttemptLua counts one attempt unless ARGV[1] are counted already: the check and the count
// are one step, so parallel requests cannot all read the same count and pass. The window
// (ARGV[2] ms) starts with the first count and is never extended.
const claimAttemptLua = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`

// returnAttemptLua uncounts one attempt; DECR keeps the window's expiry, and an expired window
// stays gone.
const returnAttemptLua = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
return 1
`

var (
	claimAttemptScript  = redis.NewScript(claimAttemptLua)
	returnAttemptScript = redis.NewScript(returnAttemptLua)
)

func (g *pickupGuard) ClaimAttempt(ctx context.Context, leaderID, limit int64, window time.Duration) (bool, error) {
	n, err := claimAttemptScript.Run(ctx, g.rdb, []string{g.failKey(leaderID)}, limit, window.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("claim pickup attempt of leader %d: %w", leaderID, err)
	}
	return n == 1, nil
}

func (g *pickupGuard) ReturnAttempt(ctx context.Context, leaderID int64) error {
	if err := returnAttemptScript.Run(ctx, g.rdb, []string{g.failKey(leaderID)}).Err(); err != nil {
		return fmt.Errorf("return pickup attempt of leader %d: %w", leaderID, err)
	}
	return nil
}

func (g *pickupGuard) onceKey(key string) string {
	return g.prefix.Key("once", strings.ReplaceAll(key, " ", "_"))
}

func (g *pickupGuard) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := g.rdb.SetNX(ctx, g.onceKey(key), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return ok, nil
}

func (g *pickupGuard) Forget(ctx context.Context, key string) error {
	if err := g.rdb.Del(ctx, g.onceKey(key)).Err(); err != nil {
		return fmt.Errorf("forget %s: %w", key, err)
	}
	return nil
}
