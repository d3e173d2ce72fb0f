package data_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/data/metricstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The daily rollup and the dashboard read over PostgreSQL. The database is seeded with
// set-based SQL (generate_series): -metrics.orders orders (4 in 5 paid, 1 in 50 partly refunded
// on the day, 1 in 7 from a share) and -metrics.events events of -metrics.shoppers shoppers on
// the measured day, and -metrics.history-orders orders on each of the 89 days before it, all
// over 500 leaders in 50 grids and 20 batches. Sub-benchmarks share the database, in order:
//
//	rollup     the rollup of the measured day (b.N rounds; each replaces the day); s/op
//	dashboard  the city's 90 days read from the rollup (after the 89 earlier days were rolled
//	           up), -metrics.reads reads; ms/read
//	live       the same days' order figures counted by live queries over the orders; ms/read
//	           and how many times slower than dashboard
//
// Run with
//
//	go test -tags dev -run '^$' -bench '^BenchmarkMetrics$' -benchtime 1x -timeout 60m ./internal/data
var (
	metricsOrders        = flag.Int("metrics.orders", 1_000_000, "orders on the rolled-up day")
	metricsShoppers      = flag.Int("metrics.shoppers", 200_000, "shoppers the day's orders and events are spread over")
	metricsEvents        = flag.Int("metrics.events", 1_000_000, "events on the rolled-up day")
	metricsHistoryOrders = flag.Int("metrics.history-orders", 30_000, "orders on each of the 89 days before")
	metricsReads         = flag.Int("metrics.reads", 200, "dashboard reads measured")
)

const seedOrdersSQL = `INSERT INTO orders (created_at, updated_at, user_id, leader_id, batch_id, grid_cell,
		status, idempotency_key, amount, refunded, expires_at, paid_at, share_key)
	SELECT ts, ts, 1 + (g::bigint * 7919 + $5::bigint) % $3, l, 1 + (g / 7) % 20, 'g' || l % 50,
		CASE WHEN g % 5 = 0 THEN 'cancelled' ELSE 'paid' END, $4 || g, 1000 + (g * 31) % 20000,
		CASE WHEN g % 50 = 1 THEN 500 ELSE 0 END, ts + interval '15 minutes',
		CASE WHEN g % 5 = 0 THEN NULL ELSE ts + interval '1 minute' END,
		CASE WHEN g % 7 = 0 THEN 'k' || g % 1000 END
	FROM generate_series(1, $2::int) g,
		LATERAL (SELECT $1::timestamptz + (g % 86400) * interval '1 second' AS ts, 1 + g % 500 AS l) t`

const seedLinesSQL = `INSERT INTO order_lines (order_id, item_id, sku_id, title, price, quantity, amount, commission_bp)
	SELECT id, 1, 1, '菜', amount, 1 + id % 3, amount, 1000 FROM orders WHERE created_at >= $1 AND created_at < $2`

const seedRefundsSQL = `INSERT INTO payment_refunds (created_at, updated_at, out_refund_no, out_trade_no, amount, total, state, success_at)
	SELECT paid_at, paid_at, 'GBR' || id || '-1', 'GBO' || id || '-1', refunded, amount, 'success', paid_at + interval '1 hour'
	FROM orders WHERE created_at >= $1 AND created_at < $2 AND refunded > 0`

const seedEventsSQL = `INSERT INTO shopper_events (user_id, client_event_id, kind, at, day, session, leader_id, grid_cell, batch_id)
	SELECT 1 + (g::bigint * 104729) % $3, 'e' || g,
		CASE g % 10 WHEN 0 THEN 'add_to_cart' WHEN 1 THEN 'share' WHEN 2 THEN 'share_open' ELSE 'page_view' END,
		$1::timestamptz + (g % 86400) * interval '1 second', $4, 's' || g % 3, l, 'g' || l % 50, 1 + (g / 7) % 20
	FROM generate_series(1, $2::int) g, LATERAL (SELECT 1 + g % 500 AS l) t`

const seedInvitesSQL = `INSERT INTO invitations (inviter_id, invitee_id, state, created_at)
	SELECT 1 + g % 300, 1000000 + g, 'qualifying', $1::timestamptz + g * interval '1 second' FROM generate_series(1, 1000) g`

// liveCitySQL is the city's daily order figures counted from the orders themselves.
const liveCitySQL = `SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
		count(DISTINCT user_id) AS buyers, count(DISTINCT user_id) FILTER (WHERE paid_at IS NOT NULL) AS payers,
		count(*) FILTER (WHERE paid_at IS NOT NULL) AS orders,
		COALESCE(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0) AS paid,
		COALESCE(sum(refunded) FILTER (WHERE paid_at IS NOT NULL), 0) AS refunded
	FROM orders WHERE created_at >= $1 AND created_at < $2 GROUP BY 1 ORDER BY 1`

func seedMetricsDay(b *testing.B, db *sqldb.DB, start time.Time, orders int, events bool) {
	b.Helper()
	ctx := context.Background()
	day, end := start.Format(time.DateOnly), start.AddDate(0, 0, 1)
	exec := func(what, q string, args ...any) {
		if _, err := db.SQL.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("seed %s of %s: %v", what, day, err)
		}
	}
	// Each day's orders start at another shopper, so the history spreads over all of them.
	exec("orders", seedOrdersSQL, start, orders, *metricsShoppers, "b"+day+"/", start.YearDay()*104729)
	exec("order lines", seedLinesSQL, start, end)
	exec("refunds", seedRefundsSQL, start, end)
	if events {
		exec("events", seedEventsSQL, start, *metricsEvents, *metricsShoppers, day)
		exec("invitations", seedInvitesSQL, start)
	}
}

func BenchmarkMetrics(b *testing.B) {
	db := openPostgresTB(b)
	ctx := context.Background()
	store := metricstore.NewStore(db, time.Now)
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, bjtime.Zone)
	first := last.AddDate(0, 0, -89)
	day := last.Format(time.DateOnly)

	began := time.Now()
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		seedMetricsDay(b, db, d, *metricsHistoryOrders, false)
	}
	seedMetricsDay(b, db, last, *metricsOrders, true)
	if _, err := db.SQL.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d + 89 × %d orders, %d events in %s (%s/%s, %d CPUs)", *metricsOrders, *metricsHistoryOrders,
		*metricsEvents, time.Since(began).Round(time.Second), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	b.Run("rollup", func(b *testing.B) {
		for b.Loop() {
			if err := store.Rollup(ctx, day); err != nil {
				b.Fatal(err)
			}
		}
	})
	var city metrics.Counts
	if days, err := store.Days(ctx, metrics.CityKey(), day, last.AddDate(0, 0, 1).Format(time.DateOnly)); err != nil || len(days) != 1 {
		b.Fatalf("the rolled-up day: %v %v", days, err)
	} else {
		city = days[0].Counts
	}
	b.Logf("rolled up %s: %d visitors, %d page views, %d payers, %d paid orders, %d fen, %d rows", day,
		city.Visitors, city.PageViews, city.Payers, city.Orders, city.Paid, countRows(b, db, day))

	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		if err := store.Rollup(ctx, d.Format(time.DateOnly)); err != nil {
			b.Fatal(err)
		}
	}
	from, to := first.Format(time.DateOnly), last.AddDate(0, 0, 1).Format(time.DateOnly)
	var rolled []metrics.Day
	var perRead, perLive time.Duration
	b.Run("dashboard", func(b *testing.B) {
		for b.Loop() {
			t := time.Now()
			for range *metricsReads {
				var err error
				if rolled, err = store.Days(ctx, metrics.CityKey(), from, to); err != nil {
					b.Fatal(err)
				}
			}
			perRead = time.Since(t) / time.Duration(*metricsReads)
		}
		b.ReportMetric(float64(perRead.Microseconds())/1000, "ms/read")
	})
	b.Run("live", func(b *testing.B) {
		for b.Loop() {
			t := time.Now()
			live := liveCity(b, db, first, last.AddDate(0, 0, 1))
			perLive = time.Since(t)
			checkLiveAgrees(b, rolled, live)
		}
		b.ReportMetric(float64(perLive.Microseconds())/1000, "ms/read")
		if perRead > 0 {
			b.ReportMetric(float64(perLive)/float64(perRead), "x-slower-than-rollup")
		}
	})
}

func countRows(b *testing.B, db *sqldb.DB, day string) int {
	var n int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM metric_days WHERE day = $1`, day).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func liveCity(b *testing.B, db *sqldb.DB, from, to time.Time) []metrics.Day {
	rows, err := db.SQL.Query(liveCitySQL, from, to)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var days []metrics.Day
	for rows.Next() {
		var d metrics.Day
		if err := rows.Scan(&d.Day, &d.Buyers, &d.Payers, &d.Orders, &d.Paid, &d.RefundedByOrderDay); err != nil {
			b.Fatal(err)
		}
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return days
}

// checkLiveAgrees fails unless the rollup's order figures are the live queries'.
func checkLiveAgrees(b *testing.B, rolled, live []metrics.Day) {
	if len(rolled) != 90 || len(live) != 90 {
		b.Fatalf("%d rolled-up days, %d live, want 90", len(rolled), len(live))
	}
	for i, l := range live {
		r := rolled[i]
		if r.Day != l.Day || r.Buyers != l.Buyers || r.Payers != l.Payers || r.Orders != l.Orders || r.Paid != l.Paid || r.RefundedByOrderDay != l.RefundedByOrderDay {
			b.Fatalf("%s: rolled up %+v, live %+v", l.Day, r.Counts, fmt.Sprint(l.Counts))
		}
	}
}
