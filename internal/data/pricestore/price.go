// Package pricestore keeps the SKUs' lowest unit transaction prices per Beijing day
// (sku_price_days): written as orders are paid, read when a batch's list prices are judged.
package pricestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// PriceStore is order.PriceBook and presale.PriceHistory on sku_price_days.
type PriceStore struct{ data *sqldb.DB }

var (
	_ order.PriceBook      = (*PriceStore)(nil)
	_ presale.PriceHistory = (*PriceStore)(nil)
)

// NewPriceStore stores price history on data.
func NewPriceStore(data *sqldb.DB) *PriceStore { return &PriceStore{data: data} }

// Record upserts the days in one statement. The row changes only when the new price is lower
// (the WHERE of DO UPDATE), so a replayed event writes nothing, updated_at included, and two
// orders paid at once on the same day keep the lower price whichever commits last.
func (s *PriceStore) Record(ctx context.Context, prices []order.DayPrice) error {
	if len(prices) == 0 {
		return nil
	}
	const perRow = 4
	now := time.Now().UTC()
	values := make([]string, len(prices))
	args := make([]any, 0, perRow*len(prices))
	for i, p := range prices {
		n := perRow * i
		values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
		args = append(args, p.SKUID, p.Day, p.LowestFen, now)
	}
	_, err := s.data.Exec(ctx, `INSERT INTO sku_price_days (sku_id, day, lowest_fen, updated_at) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (sku_id, day) DO UPDATE
SET lowest_fen = EXCLUDED.lowest_fen, updated_at = EXCLUDED.updated_at
WHERE EXCLUDED.lowest_fen < sku_price_days.lowest_fen`, args...)
	if err != nil {
		return fmt.Errorf("record %d day prices: %w", len(prices), err)
	}
	return nil
}

// Lowest reads the lowest price of each SKU over [from, to) in one grouped query on the
// (sku_id, day) index.
func (s *PriceStore) Lowest(ctx context.Context, skuIDs []int64, from, to string) (map[int64]int64, error) {
	out := make(map[int64]int64, len(skuIDs))
	if len(skuIDs) == 0 {
		return out, nil
	}
	args := append([]any{from, to}, sqldb.Args(skuIDs)...)
	err := s.data.Query(ctx, `SELECT sku_id, MIN(lowest_fen) FROM sku_price_days
WHERE day >= $1 AND day < $2 AND sku_id IN (`+sqldb.List(3, len(skuIDs))+`)
GROUP BY sku_id`, args, func(r *sql.Rows) error {
		var sku, low int64
		if err := r.Scan(&sku, &low); err != nil {
			return err
		}
		out[sku] = low
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lowest prices of %d SKUs from %s to %s: %w", len(skuIDs), from, to, err)
	}
	return out, nil
}

// Days reads a SKU's recorded days in [from, to), oldest first: the evidence for ops and tests.
func (s *PriceStore) Days(ctx context.Context, skuID int64, from, to string) ([]order.DayPrice, error) {
	var out []order.DayPrice
	err := s.data.Query(ctx, `SELECT day, lowest_fen FROM sku_price_days
WHERE sku_id = $1 AND day >= $2 AND day < $3 ORDER BY day`, []any{skuID, from, to}, func(r *sql.Rows) error {
		p := order.DayPrice{SKUID: skuID}
		if err := r.Scan(&p.Day, &p.LowestFen); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("price days of SKU %d: %w", skuID, err)
	}
	return out, nil
}
