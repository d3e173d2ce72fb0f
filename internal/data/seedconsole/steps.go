package seedconsole

import (
	"strconv"
	"strings"
	"time"
)

// step is one statement of the seeding.
type step struct{ name, sql string }

// tables are the tables Seed fills, counted in its Result.
var tables = []string{"users", "leaders", "leader_events", "grids", "batches", "batch_items", "batch_grids",
	"orders", "order_lines", "payments", "payment_refunds", "after_sales", "commission_entries",
	"ledger_accounts", "ledger_transactions", "ledger_postings", "settlement_runs", "settlement_items",
	"settlement_shares", "shipping_declarations", "receiver_registrations", "audit_entries"}

// steps are the statements, in order, with the sizes and the period of opt written in.
//
// Order g (1..N) is placed at T0 + (g-1)/N of the period, on day d (0..D-1), in that day's batch
// (id d+1), at the approved leader number g*7919 mod their count. Its age decides its state:
// older than 30 days its commission is settled (by the run of its day, id d+1), older than 7
// days settleable, newer pending; orders of the last three days are not picked up yet. Every
// 100th order is cancelled unpaid, another every 100th refunded in full.
func steps(opt Options) []step {
	t0 := opt.Now.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	r := strings.NewReplacer("{N}", strconv.Itoa(opt.Orders), "{L}", strconv.Itoa(opt.Leaders),
		"{D}", strconv.Itoa(opt.Days), "{A}", strconv.Itoa(opt.Audit),
		"{NOW}", "'"+opt.Now.Format(time.RFC3339)+"'::timestamptz", "{T0}", "'"+t0.Format(time.RFC3339)+"'::timestamptz",
		"{TABLES}", "'"+strings.Join(tables, "', '")+"'")
	out := make([]step, len(stepSQL))
	for i, s := range stepSQL {
		out[i] = step{name: s.name, sql: r.Replace(s.sql)}
	}
	return out
}

var stepSQL = []step{
	// Loading into tables without their secondary indexes and building them at the end is many
	// times faster than keeping them up to date row by row.
	{"set aside the indexes", `
CREATE UNLOGGED TABLE seed_indexes AS
SELECT indexname, indexdef FROM pg_indexes i
WHERE schemaname = current_schema() AND tablename = ANY(ARRAY[{TABLES}]) AND tablename NOT IN ('leaders', 'grids')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$ DECLARE n text; BEGIN
  FOR n IN SELECT indexname FROM seed_indexes LOOP EXECUTE format('DROP INDEX %I', n); END LOOP;
END $$`},
	{"leader statuses and uplines", `
UPDATE leaders SET
  status = CASE WHEN id % 20 = 0 THEN 'pending' WHEN id % 50 = 1 THEN 'suspended' WHEN id % 100 = 3 THEN 'rejected' ELSE 'approved' END,
  status_reason = CASE WHEN id % 50 = 1 THEN '投诉较多' WHEN id % 100 = 3 THEN '资料不全' END,
  approved_at = CASE WHEN id % 20 = 0 OR id % 100 = 3 THEN NULL ELSE updated_at END,
  recruiter_id = CASE WHEN id % 5 = 1 AND id > 1 THEN id - 1 END,
  upline = CASE WHEN id % 5 = 1 AND id > 1 THEN jsonb_build_array(id - 1) END`},
	{"users", `
INSERT INTO users (id, created_at, updated_at, openid, roles)
SELECT i, {T0}, {T0}, 'oLeader' || lpad(i::text, 6, '0'), '["shopper","leader"]'::jsonb FROM generate_series(1, {L}) i
UNION ALL
SELECT {L} + i, {T0}, {T0}, 'oShopper' || lpad(i::text, 7, '0'), '["shopper"]'::jsonb FROM generate_series(1, 100000) i`},
	{"leader events", `
INSERT INTO leader_events (leader_id, action, actor_kind, actor_id, reason, at)
SELECT id, 'applied', 'user', user_id, NULL, created_at - interval '2 days' FROM leaders
UNION ALL
SELECT id, CASE status WHEN 'rejected' THEN 'rejected' ELSE 'approved' END, 'console', 1, status_reason, created_at - interval '1 day'
FROM leaders WHERE status <> 'pending'
UNION ALL
SELECT id, 'suspended', 'console', 1, status_reason, created_at FROM leaders WHERE status = 'suspended'`},
	// The approved leaders numbered 1..n, the orders' leaders.
	{"order leaders", `
CREATE UNLOGGED TABLE seed_leaders AS
SELECT row_number() OVER (ORDER BY id) AS idx, id, grid_cell, (upline->>0)::bigint AS upline_id
FROM leaders WHERE status = 'approved'`},
	// In order of g, so that every table is written in the order of time, as the service writes
	// it: a day's or a run's rows lie together on disk, as they would in production.
	{"order plan", `
CREATE UNLOGGED TABLE seed_orders AS
SELECT o.*, o.line1 + CASE WHEN o.second THEN 1800 ELSE 0 END AS amount,
  o.line1 * o.bp / 10000 AS c0, CASE WHEN o.upline_id IS NULL THEN 0 ELSE o.line1 * 500 / 10000 END AS c1,
  CASE WHEN o.status = 'cancelled' THEN NULL WHEN o.status = 'refunded' THEN 'pending'
       WHEN o.d < {D} - 30 THEN 'settled' WHEN o.d < {D} - 7 THEN 'settleable' ELSE 'pending' END AS cstate
FROM (
  SELECT g, {T0} + (g - 1) * ({D} * 86400.0 / {N}) * interval '1 second' AS at,
    ((g - 1)::bigint * {D} / {N})::int AS d, l.id AS leader_id, l.upline_id, l.grid_cell,
    {L} + 1 + (g * 31) % 100000 AS user_id, 1 + g % 4 AS units, g % 3 = 0 AS second,
    2500 * (1 + g % 4) AS line1, 500 + 100 * (g % 16) AS bp,
    CASE WHEN g % 100 = 13 THEN 'cancelled' WHEN g % 100 = 7 THEN 'refunded'
         WHEN (g - 1)::bigint * {D} / {N} < {D} - 3 THEN 'completed'
         WHEN (g - 1)::bigint * {D} / {N} < {D} - 1 THEN 'ready_for_pickup' ELSE 'paid' END AS status
  FROM generate_series(1, {N}) g
  JOIN seed_leaders l ON l.idx = 1 + (g::bigint * 7919) % (SELECT count(*) FROM seed_leaders)
) o
ORDER BY g`},
	{"batches", `
INSERT INTO batches (id, created_at, updated_at, title, status, opens_at, cutoff_at, pickup_date, created_by, dispatched_at)
SELECT d + 1, {T0} + (d - 2) * interval '1 day', {T0} + d * interval '1 day', '第' || (d + 1) || '期 鲜果蔬菜',
  CASE WHEN d < {D} - 3 THEN 'completed' WHEN d < {D} - 1 THEN 'dispatched' ELSE 'open' END,
  {T0} + (d - 1) * interval '1 day', {T0} + (d + 1) * interval '1 day', date_trunc('day', {T0}) + (d + 2) * interval '1 day', 1,
  CASE WHEN d < {D} - 1 THEN {T0} + (d + 1) * interval '1 day' END
FROM generate_series(0, {D} - 1) d
UNION ALL
SELECT {D} + k, {NOW}, {NOW}, '预备批次' || k, (ARRAY['draft', 'scheduled', 'cancelled'])[1 + k % 3],
  {NOW} + k * interval '1 day', {NOW} + (k + 1) * interval '1 day', date_trunc('day', {NOW}) + (k + 2) * interval '1 day', 1, NULL
FROM generate_series(1, 6) k`},
	{"batch items", `
INSERT INTO batch_items (id, batch_id, sku_id, product_id, title, spec, unit, list_price, price, quota, per_shopper_limit, commission_bp, taken)
SELECT (b - 1) * 10 + k, b, k, k, (ARRAY['草莓','蓝莓','车厘子','苹果','香蕉','鸡蛋','牛奶','大米','青菜','土豆'])[k], '一份', '份',
  CASE WHEN k <= 5 THEN 3000 ELSE 2000 END, CASE WHEN k <= 5 THEN 2500 ELSE 1800 END, 1000000, 0, 500 + 100 * k, 0
FROM generate_series(1, {D} + 6) b, generate_series(1, 10) k`},
	{"batch grids", `
INSERT INTO batch_grids (batch_id, grid_cell) SELECT b.id, g.cell FROM batches b, grids g`},
	{"orders", `
INSERT INTO orders (id, created_at, updated_at, user_id, leader_id, batch_id, grid_cell, status, idempotency_key, amount,
  refunded, pay_attempt, expires_at, paid_at, cancelled_at, cancel_reason, ready_at, picked_up_at, pickup_code)
SELECT g, at, at + interval '1 hour', user_id, leader_id, d + 1, grid_cell, status, 'seed-' || g, amount,
  CASE WHEN status = 'refunded' THEN amount ELSE 0 END, 1, at + interval '15 minutes',
  CASE WHEN status <> 'cancelled' THEN at + interval '1 minute' END,
  CASE WHEN status = 'cancelled' THEN at + interval '15 minutes' END, CASE WHEN status = 'cancelled' THEN 'payment_timeout' END,
  CASE WHEN status IN ('completed', 'ready_for_pickup') THEN at + interval '2 days' END,
  CASE WHEN status = 'completed' THEN at + interval '2 days 5 hours' END,
  CASE WHEN status = 'ready_for_pickup' THEN 'P' || g END
FROM seed_orders`},
	{"order lines", `
INSERT INTO order_lines (id, order_id, item_id, sku_id, title, price, quantity, amount, commission_bp, refunded_quantity, refunded_amount)
SELECT g, g, d * 10 + 1 + g % 5, 1 + g % 5, '草莓', 2500, units, line1, bp,
  CASE WHEN status = 'refunded' THEN units ELSE 0 END, CASE WHEN status = 'refunded' THEN line1 ELSE 0 END
FROM seed_orders
UNION ALL
SELECT {N} + g, g, d * 10 + 6 + g % 5, 6 + g % 5, '鸡蛋', 1800, 1, 1800, 600, CASE WHEN status = 'refunded' THEN 1 ELSE 0 END,
  CASE WHEN status = 'refunded' THEN 1800 ELSE 0 END
FROM seed_orders WHERE second`},
	{"payments", `
INSERT INTO payments (id, created_at, updated_at, out_trade_no, description, amount, payer_openid, profit_sharing, state,
  prepay_id, transaction_id, paid_at, expires_at, refunded)
SELECT g, at, at + interval '1 minute', 'GBO' || g || '-1', '社区团购订单', amount, 'oShopper' || lpad((user_id - {L})::text, 7, '0'), true,
  CASE WHEN status = 'cancelled' THEN 'closed' ELSE 'paid' END, 'wx' || g,
  CASE WHEN status <> 'cancelled' THEN '4200' || lpad(g::text, 12, '0') END,
  CASE WHEN status <> 'cancelled' THEN at + interval '1 minute' END, at + interval '15 minutes',
  CASE WHEN status = 'refunded' THEN amount ELSE 0 END
FROM seed_orders`},
	{"refunds", `
INSERT INTO payment_refunds (created_at, updated_at, out_refund_no, out_trade_no, amount, total, reason, state, refund_id, transaction_id, success_at)
SELECT at + interval '2 days', at + interval '2 days', 'GBR' || g || '-' || g, 'GBO' || g || '-1', amount, amount, '售后退款', 'success',
  '5030' || lpad(g::text, 12, '0'), '4200' || lpad(g::text, 12, '0'), at + interval '2 days 1 minute'
FROM seed_orders WHERE status = 'refunded'`},
	{"after-sales", `
INSERT INTO after_sales (created_at, updated_at, order_id, user_id, leader_id, status, reason, lines, amount, reviewer_id, review_note, reviewed_at, out_refund_no)
SELECT at + interval '1 day', at + interval '2 days', g, user_id, leader_id,
  CASE WHEN status = 'refunded' THEN 'refunded' WHEN d >= {D} - 3 THEN 'requested' ELSE 'rejected' END,
  '商品有损坏', convert_to(json_build_array(json_build_object('line_id', g, 'quantity', units, 'amount', line1))::text, 'UTF8'),
  CASE WHEN status = 'refunded' THEN amount ELSE line1 END,
  CASE WHEN status = 'refunded' OR d < {D} - 3 THEN 1 END, CASE WHEN status <> 'refunded' AND d < {D} - 3 THEN '照片不清' END,
  CASE WHEN status = 'refunded' OR d < {D} - 3 THEN at + interval '2 days' END,
  CASE WHEN status = 'refunded' THEN 'GBR' || g || '-' || g END
FROM seed_orders WHERE status = 'refunded' OR (g % 100 = 23 AND status <> 'cancelled')`},
	{"commission entries", `
INSERT INTO commission_entries (id, order_id, line_id, leader_id, level, base, rate_bp, amount, reversed, plan_id, grid_cell, state, paid_at, settleable_at)
SELECT g, g, g, leader_id, 0, line1, bp, c0, CASE WHEN status = 'refunded' THEN c0 ELSE 0 END, 0, grid_cell, cstate,
  at + interval '1 minute', CASE WHEN cstate IN ('settled', 'settleable') THEN at + interval '7 days' END
FROM seed_orders WHERE cstate IS NOT NULL
UNION ALL
SELECT {N} + g, g, g, upline_id, 1, line1, 500, c1, CASE WHEN status = 'refunded' THEN c1 ELSE 0 END, 1, grid_cell, cstate,
  at + interval '1 minute', CASE WHEN cstate IN ('settled', 'settleable') THEN at + interval '7 days' END
FROM seed_orders WHERE cstate IS NOT NULL AND c1 > 0`},
	{"commission plan", `
INSERT INTO commission_plans (id, grid_cell, version, rates, effective_from, created_by, created_at)
VALUES (1, '', 1, '[500]'::jsonb, {T0} - interval '30 days', 1, {T0} - interval '30 days')`},
	// Account ids are computed: the platform's 1 (clearing) and 2 (revenue), a leader's four
	// from 10 + (id-1)*4 in the order pending, settleable, settled, receivable.
	{"ledger accounts", `
INSERT INTO ledger_accounts (id, owner_kind, owner_id, purpose, balance, created_at)
VALUES (1, 'platform', 0, 'clearing', 0, {T0}), (2, 'platform', 0, 'revenue', 0, {T0})
UNION ALL
SELECT 10 + (l.id - 1) * 4 + k, 'leader', l.id, (ARRAY['pending', 'settleable', 'settled', 'receivable'])[k + 1], 0, l.created_at
FROM leaders l, generate_series(0, 3) k`},
	{"ledger transactions", `
INSERT INTO ledger_transactions (id, key, kind, order_id, grid_cell, created_at)
SELECT g, 'order/' || g || '/paid', 'order_paid', g, grid_cell, at + interval '1 minute' FROM seed_orders WHERE cstate IS NOT NULL
UNION ALL
SELECT {N} + g, 'order/' || g || '/settleable', 'commission_settleable', g, grid_cell, at + interval '7 days'
FROM seed_orders WHERE cstate IN ('settled', 'settleable')
UNION ALL
SELECT 2 * {N} + g, 'settlement/' || (d + 1) || '/order/' || g, 'commission_settled', g, grid_cell, {T0} + (d + 30) * interval '1 day' + interval '2 hours'
FROM seed_orders WHERE cstate = 'settled' AND g % 300 <> 5
UNION ALL
SELECT 3 * {N} + g, 'order/' || g || '/refund/GBR' || g || '-' || g, 'order_refund', g, grid_cell, at + interval '2 days'
FROM seed_orders WHERE status = 'refunded'`},
	// The postings of the transactions above, whose ids and times are computed the same way.
	{"ledger postings", `
INSERT INTO ledger_postings (transaction_id, account_id, amount, created_at)
SELECT g, p.account_id, p.amount, at + interval '1 minute' FROM seed_orders
CROSS JOIN LATERAL (VALUES (1::bigint, amount), (10 + (leader_id - 1) * 4, -c0), (10 + (upline_id - 1) * 4, -c1),
  (2, -(amount - c0 - c1))) AS p(account_id, amount)
WHERE cstate IS NOT NULL AND p.amount <> 0
UNION ALL
SELECT {N} + g, p.account_id, p.amount, at + interval '7 days' FROM seed_orders
CROSS JOIN LATERAL (VALUES (10 + (leader_id - 1) * 4, c0), (11 + (leader_id - 1) * 4, -c0),
  (10 + (upline_id - 1) * 4, c1), (11 + (upline_id - 1) * 4, -c1)) AS p(account_id, amount)
WHERE cstate IN ('settled', 'settleable') AND p.amount <> 0
UNION ALL
SELECT 2 * {N} + g, p.account_id, p.amount, {T0} + (d + 30) * interval '1 day' + interval '2 hours' FROM seed_orders
CROSS JOIN LATERAL (VALUES (11 + (leader_id - 1) * 4, c0), (12 + (leader_id - 1) * 4, -c0),
  (11 + (upline_id - 1) * 4, c1), (12 + (upline_id - 1) * 4, -c1)) AS p(account_id, amount)
WHERE cstate = 'settled' AND g % 300 <> 5 AND p.amount <> 0
UNION ALL
SELECT 3 * {N} + g, p.account_id, p.amount, at + interval '2 days' FROM seed_orders
CROSS JOIN LATERAL (VALUES (1::bigint, -amount), (10 + (leader_id - 1) * 4, c0), (10 + (upline_id - 1) * 4, c1),
  (2, amount - c0 - c1)) AS p(account_id, amount)
WHERE status = 'refunded' AND p.amount <> 0`},
	{"ledger balances", `
UPDATE ledger_accounts a SET balance = s.total
FROM (SELECT account_id, sum(amount) AS total FROM ledger_postings GROUP BY account_id) s WHERE a.id = s.account_id`},
	{"settlement runs", `
INSERT INTO settlement_runs (id, key, cutoff, trigger, started_by, state, created_at, selected_at, finished_at)
SELECT d + 1, 'seed-run-' || (d + 1), {T0} + (d + 30) * interval '1 day', 'schedule', 0, 'done',
  {T0} + (d + 30) * interval '1 day' + interval '2 hours', {T0} + (d + 30) * interval '1 day' + interval '2 hours 1 minute',
  {T0} + (d + 30) * interval '1 day' + interval '3 hours'
FROM generate_series(0, {D} - 31) d`},
	{"settlement items", `
INSERT INTO settlement_items (id, run_id, order_id, grid_cell, transaction_id, out_order_no, kind, amount, deadline, state, active,
  retriable, attempts, next_attempt_at, wechat_order_id, last_error, created_at, finished_at)
SELECT g, d + 1, g, grid_cell, '4200' || lpad(g::text, 12, '0'), 'GBS' || g, 'share', c0 + c1, at + interval '30 days',
  CASE WHEN g % 300 = 5 THEN 'failed' ELSE 'finished' END, false, g % 300 = 5, 1,
  {T0} + (d + 30) * interval '1 day' + interval '2 hours', CASE WHEN g % 300 <> 5 THEN '3008' || lpad(g::text, 12, '0') END,
  CASE WHEN g % 300 = 5 THEN 'RECEIVER_INVALID' END, {T0} + (d + 30) * interval '1 day' + interval '2 hours',
  {T0} + (d + 30) * interval '1 day' + interval '2 hours 30 minutes'
FROM seed_orders WHERE cstate = 'settled'`},
	{"settlement shares", `
INSERT INTO settlement_shares (item_id, run_id, leader_id, level, source_order_id, account, amount, result, fail_reason, detail_id, finished_at)
SELECT g, d + 1, leader_id, 0, g, 'oLeader' || lpad(leader_id::text, 6, '0'), c0,
  CASE WHEN g % 300 = 5 THEN 'closed' ELSE 'success' END, CASE WHEN g % 300 = 5 THEN 'RECEIVER_INVALID' END,
  'd' || g, {T0} + (d + 30) * interval '1 day' + interval '2 hours 30 minutes'
FROM seed_orders WHERE cstate = 'settled'
UNION ALL
SELECT g, d + 1, upline_id, 1, g, 'oLeader' || lpad(upline_id::text, 6, '0'), c1,
  CASE WHEN g % 300 = 5 THEN 'closed' ELSE 'success' END, CASE WHEN g % 300 = 5 THEN 'RECEIVER_INVALID' END,
  'e' || g, {T0} + (d + 30) * interval '1 day' + interval '2 hours 30 minutes'
FROM seed_orders WHERE cstate = 'settled' AND c1 > 0`},
	{"shipping declarations", `
INSERT INTO shipping_declarations (created_at, updated_at, order_id, kind, transaction_id, out_trade_no, payer_openid, item_desc,
  state, attempts, next_attempt_at, last_error, uploaded_at)
SELECT at + interval '2 days 5 hours', at + interval '2 days 6 hours', g, 'pickup', '4200' || lpad(g::text, 12, '0'), 'GBO' || g || '-1',
  'oShopper' || lpad((user_id - {L})::text, 7, '0'), '草莓等',
  CASE WHEN status = 'ready_for_pickup' THEN 'pending' WHEN g % 500 = 3 THEN 'failed' ELSE 'uploaded' END,
  CASE WHEN g % 500 = 3 THEN 8 ELSE 1 END, at + interval '2 days 6 hours',
  CASE WHEN g % 500 = 3 THEN 'SYSTEM_ERROR' END, CASE WHEN status = 'completed' AND g % 500 <> 3 THEN at + interval '2 days 6 hours' END
FROM seed_orders WHERE status IN ('completed', 'ready_for_pickup')`},
	{"receiver registrations", `
INSERT INTO receiver_registrations (created_at, updated_at, leader_id, op, receiver_type, account, relation_type, state, attempts, last_error, next_attempt_at, name)
SELECT approved_at, approved_at, id, 'add', 'PERSONAL_OPENID', 'oLeader' || lpad(id::text, 6, '0'), 'DISTRIBUTOR',
  CASE WHEN id % 97 = 0 THEN 'failed' WHEN id % 89 = 0 THEN 'pending' ELSE 'done' END,
  CASE WHEN id % 97 = 0 THEN 5 ELSE 1 END, CASE WHEN id % 97 = 0 THEN 'PARAM_ERROR' END, approved_at, NULL
FROM leaders WHERE approved_at IS NOT NULL
UNION ALL
SELECT updated_at, updated_at, id, 'delete', 'PERSONAL_OPENID', 'oLeader' || lpad(id::text, 6, '0'), 'DISTRIBUTOR', 'done', 1, NULL, updated_at, NULL
FROM leaders WHERE status = 'suspended'`},
	{"audit entries", `
INSERT INTO audit_entries (at, subject_kind, subject_id, username, role, operation, target, outcome, status, channel, request_id, client_ip)
SELECT {T0} + (i - 1) * ({D} * 86400.0 / {A}) * interval '1 second', 'console', 1 + i % 20,
  (ARRAY['ops', 'finance', 'admin'])[1 + i % 3] || '.' || (i % 20), (ARRAY['ops', 'finance', 'admin'])[1 + i % 3],
  (ARRAY['/groupbuy.v1.LeaderOps/ApproveLeader', '/groupbuy.v1.BatchOps/CreateBatch', '/groupbuy.v1.AfterSalesOps/ReviewAfterSale',
         '/groupbuy.v1.FinanceSettlement/StartSettlementRun', '/groupbuy.v1.Console/Login', '/groupbuy.v1.ShippingOps/RetryDeclaration',
         '/groupbuy.v1.CommissionOps/CreatePlan'])[1 + i % 7],
  'id=' || (i % 10000), CASE WHEN i % 50 = 0 THEN 'FORBIDDEN' WHEN i % 37 = 0 THEN 'INVALID_ARGUMENT' ELSE 'ok' END,
  CASE WHEN i % 50 = 0 THEN 403 WHEN i % 37 = 0 THEN 400 ELSE 200 END, CASE WHEN i % 4 = 0 THEN 'api' ELSE 'console' END,
  'req-' || i, '10.0.' || (i % 250) || '.' || (i % 200)
FROM generate_series(1, {A}) i`},
	{"drop the plan", `DROP TABLE seed_orders, seed_leaders`},
	{"build the indexes", `
SET maintenance_work_mem = '256MB';
DO $$ DECLARE d text; BEGIN
  FOR d IN SELECT indexdef FROM seed_indexes LOOP EXECUTE d; END LOOP;
END $$;
DROP TABLE seed_indexes`},
	// Ids were given explicitly: move every identity past them so the service's own inserts work.
	{"identities", `
DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'batches', 'batch_items', 'orders', 'order_lines', 'payments', 'commission_entries',
    'commission_plans', 'ledger_accounts', 'ledger_transactions', 'settlement_runs', 'settlement_items'] LOOP
    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), (SELECT max(id) FROM %I))', t, t);
  END LOOP;
END $$`},
	// The test server runs without autovacuum: gather the statistics it would.
	{"analyze", `ANALYZE`},
}
