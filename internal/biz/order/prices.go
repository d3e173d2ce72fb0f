package order

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/event"
)

// DayPrice is the lowest unit price one SKU was paid at on one Beijing day.
type DayPrice struct {
	SKUID     int64
	Day       string // YYYY-MM-DD, Beijing
	LowestFen int64
}

// PriceBook keeps each SKU's lowest unit transaction price per Beijing day, the evidence that
// a list price (划线价) is one the shop sold at (presale.PriceHistory reads it).
type PriceBook interface {
	// Record lowers each (SKU, day)'s stored price to the given one when that is lower, and
	// adds the days not stored yet. Recording the same prices again changes nothing.
	Record(ctx context.Context, prices []DayPrice) error
}

// PriceRecorder records what paid orders' lines cost per unit, on the order.paid event.
type PriceRecorder struct {
	orders Repo
	book   PriceBook
}

// NewPriceRecorder builds the recorder of transaction prices.
func NewPriceRecorder(orders Repo, book PriceBook) *PriceRecorder {
	return &PriceRecorder{orders: orders, book: book}
}

// OnPaid records the paid order's unit prices on the Beijing day it was paid. A replayed event
// records the same prices, which the book's "lowest of" leaves as they are.
func (r *PriceRecorder) OnPaid(ctx context.Context, e event.Event) error {
	var ch Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	o, err := r.orders.Get(ctx, ch.OrderID)
	if err != nil {
		return fmt.Errorf("order %d of paid event: %w", ch.OrderID, err)
	}
	paidAt := o.PaidAt
	if paidAt.IsZero() {
		paidAt = ch.At
	}
	prices := DayPrices(o, paidAt)
	if len(prices) == 0 {
		return nil
	}
	if err := r.book.Record(ctx, prices); err != nil {
		return fmt.Errorf("prices of order %d: %w", o.ID, err)
	}
	return nil
}

// DayPrices is the lowest unit price of each SKU of o's lines, on paidAt's Beijing day. A unit
// price is what the line was paid, its amount, divided by its quantity and rounded down — the
// amount, not the item's price, so that whatever lowered what the shopper paid lowers it too.
// Lines paid nothing (a gift) are no transaction price and are left out.
func DayPrices(o *Order, paidAt time.Time) []DayPrice {
	day := bjtime.Day(paidAt)
	lowest := map[int64]int64{}
	var skus []int64
	for _, l := range o.Lines {
		if l.Amount <= 0 || l.Quantity <= 0 {
			continue
		}
		unit := l.Amount / l.Quantity
		if unit <= 0 {
			continue // less than a fen a unit: no price to compare with
		}
		if cur, ok := lowest[l.SKUID]; !ok {
			skus = append(skus, l.SKUID)
			lowest[l.SKUID] = unit
		} else if unit < cur {
			lowest[l.SKUID] = unit
		}
	}
	out := make([]DayPrice, len(skus))
	for i, sku := range skus {
		out[i] = DayPrice{SKUID: sku, Day: day, LowestFen: lowest[sku]}
	}
	return out
}
