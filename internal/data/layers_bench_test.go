package data_test

import (
	"flag"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/data/layerstore"
)

// The nightly layer snapshot of one day over a generated history, on PostgreSQL:
//
//	go test -tags dev -run '^$' -bench LayerSnapshot -benchtime 3x ./internal/data [-layers.orders 1000000 -layers.shoppers 200000]
var (
	layerBenchOrders   = flag.Int("layers.orders", 200_000, "orders of the layer snapshot benchmark")
	layerBenchShoppers = flag.Int("layers.shoppers", 40_000, "shoppers of the layer snapshot benchmark")
)

// BenchmarkLayerSnapshot takes (replaces) one day's snapshot: every paid order of the last 400
// days of shoppers bound to 500 leaders in 50 grids, a tenth refunded in full.
func BenchmarkLayerSnapshot(b *testing.B) {
	db := openPostgresTB(b)
	ctx := b.Context()
	day, _ := layer.ParseDay("2026-12-06")
	setup := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO leaders (user_id, status, paused, real_name_sealed, phone_sealed, pii_key_id, point_name, address,
			lat, lng, pickup_cell, grid_cell, opening_hours, invite_code, created_at, updated_at)
			SELECT 1000000 + g, 'approved', false, 'x', 'x', 'k1', 'p' || g, 'a', 31.2, 121.4, '89283082' || g,
				'8728308' || (g % 50), '9-18', 'I' || g, now(), now() FROM generate_series(1, 500) g`, nil},
		{`INSERT INTO leader_bindings (user_id, leader_id, bound_at)
			SELECT u, (SELECT min(id) FROM leaders) + u % 500, $1 FROM generate_series(1, $2::int) u`,
			[]any{day.Since(500), *layerBenchShoppers}},
		{`INSERT INTO orders (user_id, leader_id, batch_id, grid_cell, status, idempotency_key, amount, promo_off,
			coupon_off, leader_funded, refunded, pay_attempt, expires_at, paid_at, release_pending, share_key, created_at, updated_at)
			SELECT 1 + (g::bigint * 7919) % $2::int, 1, 1, 'g', 'completed', 'k' || g, 1000 + g % 9000, 0, 0, 0,
				CASE WHEN g % 10 = 0 THEN 1000 + g % 9000 ELSE 0 END, 1, $3::timestamptz, $3::timestamptz - ((g::bigint * 104729) % 34560000) * interval '1 second',
				false, CASE WHEN g % 4 = 0 THEN 's' ELSE '' END, now(), now()
			FROM generate_series(1, $1::int) g`, []any{*layerBenchOrders, *layerBenchShoppers, day.End().Add(-time.Second)}},
		{`ANALYZE`, nil},
	}
	for _, s := range setup {
		if _, err := db.Exec(ctx, s.sql, s.args...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	store := layerstore.NewSnapshotStore(db)
	var n int
	b.ResetTimer()
	for b.Loop() {
		var err error
		if n, err = store.Take(ctx, day, layer.DefaultRules, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "shoppers")
}
