-- The counts of one Beijing day at every level, from the day's events, orders, refunds and
-- invitations. $1 the day, $2 and $3 its start and end, $4 the start of the 30 days before it,
-- $5 the time of the rollup. GROUPING SETS count the distinct shoppers of each level by
-- themselves: () the city, (g) a grid, (l) a leader, (b) a batch, (g, l, b) a cell; GROUPING(g,
-- l, b) tells them apart (a bit set for each column not grouped by).
INSERT INTO metric_days (day, level, grid_cell, leader_id, batch_id, visitors, page_views, sessions,
	bounces, carters, sharers, shares, share_opens, buyers, payers, orders, items, paid,
	refunded_by_order_day, refunded_on_day, new_payers, repeat_payers, share_orders, invitees,
	inviters, computed_at)
WITH ev AS (
	SELECT user_id, kind, COALESCE(session, '') AS session, COALESCE(grid_cell, '') AS g,
		COALESCE(leader_id, 0) AS l, COALESCE(batch_id, 0) AS b
	FROM shopper_events WHERE day = $1
), events AS (
	SELECT GROUPING(g, l, b) AS gs, g, l, b,
		count(DISTINCT user_id) AS visitors,
		count(*) FILTER (WHERE kind = 'page_view') AS page_views,
		count(DISTINCT user_id) FILTER (WHERE kind = 'add_to_cart') AS carters,
		count(DISTINCT user_id) FILTER (WHERE kind = 'share') AS sharers,
		count(*) FILTER (WHERE kind = 'share') AS shares,
		count(*) FILTER (WHERE kind = 'share_open') AS share_opens
	FROM ev GROUP BY GROUPING SETS ((), (g), (l), (b), (g, l, b))
), views AS (
	SELECT GROUPING(g, l, b) AS gs, g, l, b, count(*) AS n
	FROM ev WHERE kind = 'page_view' AND session <> ''
	GROUP BY GROUPING SETS ((user_id, session), (g, user_id, session), (l, user_id, session),
		(b, user_id, session), (g, l, b, user_id, session))
), visits AS (
	SELECT gs, g, l, b, count(*) AS sessions, count(*) FILTER (WHERE n = 1) AS bounces
	FROM views GROUP BY gs, g, l, b
), od AS (
	SELECT o.id, o.user_id, o.grid_cell AS g, o.leader_id AS l, o.batch_id AS b,
		o.paid_at IS NOT NULL AS paid, o.amount, o.refunded, COALESCE(o.share_key, '') <> '' AS shared
	FROM orders o WHERE o.created_at >= $2 AND o.created_at < $3
), items AS (
	SELECT ol.order_id, sum(ol.quantity) AS items
	FROM order_lines ol JOIN od ON od.id = ol.order_id AND od.paid GROUP BY ol.order_id
), before AS (
	-- Whether each of the day's payers paid for an order placed earlier, ever and within the 30
	-- days before: two probes of (user_id, created_at) a payer, however long its history.
	SELECT u.user_id,
		EXISTS (SELECT 1 FROM orders p WHERE p.user_id = u.user_id AND p.created_at < $2
			AND p.paid_at IS NOT NULL) AS ever,
		EXISTS (SELECT 1 FROM orders p WHERE p.user_id = u.user_id AND p.created_at >= $4
			AND p.created_at < $2 AND p.paid_at IS NOT NULL) AS recent
	FROM (SELECT DISTINCT user_id FROM od WHERE paid) u
), ordered AS (
	SELECT GROUPING(g, l, b) AS gs, g, l, b,
		count(DISTINCT od.user_id) AS buyers,
		count(DISTINCT od.user_id) FILTER (WHERE paid) AS payers,
		count(*) FILTER (WHERE paid) AS orders,
		COALESCE(sum(items.items) FILTER (WHERE paid), 0) AS items,
		COALESCE(sum(amount) FILTER (WHERE paid), 0) AS paid,
		COALESCE(sum(refunded) FILTER (WHERE paid), 0) AS refunded_by_order_day,
		count(DISTINCT od.user_id) FILTER (WHERE paid AND NOT before.ever) AS new_payers,
		count(DISTINCT od.user_id) FILTER (WHERE paid AND before.recent) AS repeat_payers,
		count(*) FILTER (WHERE paid AND shared) AS share_orders
	FROM od LEFT JOIN items ON items.order_id = od.id LEFT JOIN before ON before.user_id = od.user_id
	GROUP BY GROUPING SETS ((), (g), (l), (b), (g, l, b))
), refunds AS (
	SELECT GROUPING(g, l, b) AS gs, g, l, b, sum(r.amount) AS refunded_on_day
	FROM (
		SELECT CASE WHEN out_refund_no ~ '^GBR[0-9]+-' THEN split_part(substr(out_refund_no, 4), '-', 1)::bigint END AS order_id, amount
		FROM payment_refunds WHERE state = 'success' AND success_at >= $2 AND success_at < $3
	) r JOIN (SELECT id, grid_cell AS g, leader_id AS l, batch_id AS b FROM orders) o ON o.id = r.order_id
	GROUP BY GROUPING SETS ((), (g), (l), (b), (g, l, b))
), invites AS (
	SELECT 7 AS gs, count(*) AS invitees, count(DISTINCT inviter_id) AS inviters
	FROM invitations WHERE created_at >= $2 AND created_at < $3 AND state <> 'refused'
), counted AS (
	SELECT gs, g, l, b, visitors, page_views, 0 AS sessions, 0 AS bounces, carters, sharers, shares,
		share_opens, 0 AS buyers, 0 AS payers, 0 AS orders, 0 AS items, 0 AS paid,
		0 AS refunded_by_order_day, 0 AS refunded_on_day, 0 AS new_payers, 0 AS repeat_payers,
		0 AS share_orders, 0 AS invitees, 0 AS inviters FROM events
	UNION ALL
	SELECT gs, g, l, b, 0, 0, sessions, bounces, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM visits
	UNION ALL
	SELECT gs, g, l, b, 0, 0, 0, 0, 0, 0, 0, 0, buyers, payers, orders, items, paid,
		refunded_by_order_day, 0, new_payers, repeat_payers, share_orders, 0, 0 FROM ordered
	UNION ALL
	SELECT gs, g, l, b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, refunded_on_day, 0, 0, 0, 0, 0 FROM refunds
	UNION ALL
	SELECT gs, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, invitees, inviters FROM invites
)
SELECT $1, CASE gs WHEN 7 THEN 'city' WHEN 3 THEN 'grid' WHEN 5 THEN 'leader' WHEN 6 THEN 'batch' ELSE 'cell' END,
	COALESCE(g, ''), COALESCE(l, 0), COALESCE(b, 0),
	sum(visitors), sum(page_views), sum(sessions), sum(bounces), sum(carters), sum(sharers),
	sum(shares), sum(share_opens), sum(buyers), sum(payers), sum(orders), sum(items), sum(paid),
	sum(refunded_by_order_day), sum(refunded_on_day), sum(new_payers), sum(repeat_payers),
	sum(share_orders), sum(invitees), sum(inviters), $5
FROM counted GROUP BY gs, COALESCE(g, ''), COALESCE(l, 0), COALESCE(b, 0)
