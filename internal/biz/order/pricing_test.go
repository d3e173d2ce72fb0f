package order

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

var pricingNow = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func pricingCheckout() *Checkout {
	return &Checkout{cfg: Config{OrderTTL: 15 * time.Minute}, now: func() time.Time { return pricingNow },
		activities: noActivities{}}
}

// randomBatch is an open batch of up to eight items, some limited per shopper.
func randomBatch(rng *rand.Rand) *presale.Batch {
	b := &presale.Batch{ID: 3, Status: presale.Open, OpensAt: pricingNow.Add(-time.Hour), CutoffAt: pricingNow.Add(time.Hour)}
	for i := range 1 + rng.IntN(8) {
		it := presale.Item{ID: int64(10 + i), SKUID: int64(100 + i), Title: "item" + strconv.Itoa(i), Spec: "1kg",
			Price: 1 + rng.Int64N(100_000), CommissionBP: rng.IntN(3001)}
		if rng.IntN(2) == 0 {
			it.Limit = 1 + rng.Int64N(10)
		}
		b.Items = append(b.Items, it)
	}
	return b
}

// An order asked at the prices shown, within the limits, is priced by the batch: each line
// is its price times its quantity, the order the sum of its lines, with the item's SKU and
// commission rate, pending payment until the order's time to live runs out.
func TestBuildPricesEveryLineAtTheBatchPrice(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	c := pricingCheckout()
	for n := range 3000 {
		b := randomBatch(rng)
		in := PlaceInput{Key: "checkout-" + strconv.Itoa(n), BatchID: b.ID}
		for _, i := range rng.Perm(len(b.Items))[:1+rng.IntN(len(b.Items))] {
			it := b.Items[i]
			qty := 1 + rng.Int64N(maxQty)
			if it.Limit > 0 {
				qty = 1 + rng.Int64N(it.Limit)
			}
			in.Lines = append(in.Lines, LineInput{ItemID: it.ID, Qty: qty, Price: it.Price})
		}
		if err := in.check(); err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		o, err := c.build(t.Context(), b, 77, in)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		var sum int64
		for i, l := range o.Lines {
			it, _ := b.Item(in.Lines[i].ItemID)
			if l.ItemID != it.ID || l.Quantity != in.Lines[i].Qty || l.Price != it.Price || l.Amount != it.Price*l.Quantity ||
				l.SKUID != it.SKUID || l.CommissionBP != it.CommissionBP || l.RefundedQty != 0 || l.RefundedAmount != 0 {
				t.Fatalf("case %d: line %+v of item %+v asked %+v", n, l, it, in.Lines[i])
			}
			sum += l.Amount
		}
		if len(o.Lines) != len(in.Lines) || o.Amount != sum || o.Amount <= 0 || o.Refunded != 0 {
			t.Fatalf("case %d: order of %d, lines sum to %d", n, o.Amount, sum)
		}
		if o.Status != PendingPayment || o.UserID != 77 || o.BatchID != b.ID || o.IdempotencyKey != in.Key ||
			!o.ExpiresAt.Equal(pricingNow.Add(15*time.Minute)) || o.PayAttempt != 1 {
			t.Fatalf("case %d: order %+v", n, o)
		}
		if err := sameRequest(o, in); err != nil {
			t.Fatalf("case %d: the order does not answer its own request: %v", n, err)
		}
		r := o.Reservation(limits(b))
		for i, sl := range r.Lines {
			it, _ := b.Item(sl.ItemID)
			if sl.Qty != o.Lines[i].Quantity || sl.Limit != it.Limit || r.Token != Token(77, in.Key) {
				t.Fatalf("case %d: reservation %+v of order %+v", n, r, o)
			}
		}
	}
}

// A line whose price is not the batch's, or above the shopper's limit, or of an item the batch
// does not sell, refuses the whole order; so does a batch that does not take orders now.
func TestBuildRefusesAStalePriceALimitAndAClosedBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	c := pricingCheckout()
	for n := range 2000 {
		b := randomBatch(rng)
		it := b.Items[rng.IntN(len(b.Items))]
		good := LineInput{ItemID: it.ID, Qty: 1, Price: it.Price}
		seen := it.Price + 1 + rng.Int64N(500)
		if rng.IntN(2) == 0 && it.Price > 1 {
			seen = 1 + rng.Int64N(it.Price-1) // cheaper than now: refused too
		}
		var pe *PriceError
		_, err := c.build(t.Context(), b, 1, PlaceInput{Key: "k", Lines: []LineInput{{ItemID: it.ID, Qty: 1, Price: seen}}})
		if !errors.As(err, &pe) || pe.ItemID != it.ID || pe.Price != it.Price {
			t.Fatalf("case %d: price %d seen for %d: %v", n, seen, it.Price, err)
		}
		if it.Limit > 0 {
			var se *StockError
			over := LineInput{ItemID: it.ID, Qty: it.Limit + 1 + rng.Int64N(5), Price: it.Price}
			_, err = c.build(t.Context(), b, 1, PlaceInput{Key: "k", Lines: []LineInput{over}})
			if !errors.As(err, &se) || !errors.Is(err, ErrLimitExceeded) || se.Limit != it.Limit || se.ItemID != it.ID {
				t.Fatalf("case %d: %d of an item limited to %d: %v", n, over.Qty, it.Limit, err)
			}
			at := LineInput{ItemID: it.ID, Qty: it.Limit, Price: it.Price}
			if _, err := c.build(t.Context(), b, 1, PlaceInput{Key: "k", Lines: []LineInput{at}}); err != nil {
				t.Fatalf("case %d: exactly the limit %d: %v", n, it.Limit, err)
			}
		}
		_, err = c.build(t.Context(), b, 1, PlaceInput{Key: "k", Lines: []LineInput{good, {ItemID: 999, Qty: 1, Price: 1}}})
		if !isInvalid(err, "lines.item_id") {
			t.Fatalf("case %d: an item not in the batch: %v", n, err)
		}
	}
	b := randomBatch(rng)
	good := []LineInput{{ItemID: b.Items[0].ID, Qty: 1, Price: b.Items[0].Price}}
	for name, mod := range map[string]func(*presale.Batch){
		"scheduled":          func(b *presale.Batch) { b.Status = presale.Scheduled },
		"closed":             func(b *presale.Batch) { b.Status = presale.Closed },
		"not open yet":       func(b *presale.Batch) { b.OpensAt = pricingNow.Add(time.Second) },
		"at the cut-off":     func(b *presale.Batch) { b.CutoffAt = pricingNow },
		"after the cut-off":  func(b *presale.Batch) { b.CutoffAt = pricingNow.Add(-time.Second) },
		"cancelled, in time": func(b *presale.Batch) { b.Status = presale.Cancelled },
	} {
		nb := *b
		mod(&nb)
		if _, err := c.build(t.Context(), &nb, 1, PlaceInput{Key: "k", Lines: good}); !errors.Is(err, presale.ErrNotOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.build(t.Context(), b, 1, PlaceInput{Key: "k", Lines: good}); err != nil {
		t.Fatalf("open batch: %v", err)
	}
}

// What a shopper may ask: a key of 8 to 64 safe characters, 1 to 50 lines, each item once, 1 to
// 1000 units of it, at a positive price.
func TestPlaceInputQuantitiesAndLines(t *testing.T) {
	line := func(id, qty, price int64) LineInput { return LineInput{ItemID: id, Qty: qty, Price: price} }
	many := func(n int) []LineInput {
		var out []LineInput
		for i := range n {
			out = append(out, line(int64(i+1), 1, 1))
		}
		return out
	}
	for name, c := range map[string]struct {
		in    PlaceInput
		field string
	}{
		"one unit":         {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, 1, 1)}}, ""},
		"a thousand units": {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, maxQty, 1)}}, ""},
		"fifty lines":      {PlaceInput{Key: "abcdefgh", Lines: many(maxLines)}, ""},
		"64-char key":      {PlaceInput{Key: strings.Repeat("a", 64), Lines: many(1)}, ""},
		"no unit":          {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, 0, 1)}}, "lines.quantity"},
		"negative units":   {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, -1, 1)}}, "lines.quantity"},
		"1001 units":       {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, maxQty+1, 1)}}, "lines.quantity"},
		"free":             {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, 1, 0)}}, "lines.price_fen"},
		"an item twice":    {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(1, 1, 1), line(1, 2, 1)}}, "lines.item_id"},
		"no item":          {PlaceInput{Key: "abcdefgh", Lines: []LineInput{line(0, 1, 1)}}, "lines.item_id"},
		"no lines":         {PlaceInput{Key: "abcdefgh"}, "lines"},
		"51 lines":         {PlaceInput{Key: "abcdefgh", Lines: many(maxLines + 1)}, "lines"},
		"short key":        {PlaceInput{Key: "abcdefg", Lines: many(1)}, "idempotency_key"},
		"65-char key":      {PlaceInput{Key: strings.Repeat("a", 65), Lines: many(1)}, "idempotency_key"},
		"key with a space": {PlaceInput{Key: "abcd efgh", Lines: many(1)}, "idempotency_key"},
	} {
		err := c.in.check()
		if (c.field == "" && err != nil) || (c.field != "" && !isInvalid(err, c.field)) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A repeated key answers with its order only when it asks for the same batch, items and
// quantities (the lines in any order).
func TestSameRequestComparesBatchItemsAndQuantities(t *testing.T) {
	o := &Order{BatchID: 3, Lines: []Line{{ItemID: 10, Quantity: 2}, {ItemID: 11, Quantity: 1}}}
	in := PlaceInput{BatchID: 3, Lines: []LineInput{{ItemID: 11, Qty: 1}, {ItemID: 10, Qty: 2}}}
	if err := sameRequest(o, in); err != nil {
		t.Fatalf("same request: %v", err)
	}
	for name, mod := range map[string]func(*PlaceInput){
		"another batch":    func(p *PlaceInput) { p.BatchID = 4 },
		"another quantity": func(p *PlaceInput) { p.Lines[0].Qty = 2 },
		"another item":     func(p *PlaceInput) { p.Lines[0].ItemID = 12 },
		"a line fewer":     func(p *PlaceInput) { p.Lines = p.Lines[:1] },
	} {
		p := in
		p.Lines = append([]LineInput{}, in.Lines...)
		mod(&p)
		if err := sameRequest(o, p); !errors.Is(err, ErrKeyReused) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// An item bought and given as the 满减's gift is reserved as one stock line of both quantities,
// so the counters check its stock and the shopper's limit once for all of its units.
func TestReservationMergesAGiftOfABoughtItem(t *testing.T) {
	o := &Order{UserID: 5, BatchID: 3, IdempotencyKey: "gift-merge", Lines: []Line{
		{ItemID: 10, Quantity: 2}, {ItemID: 11, Quantity: 1}, {ItemID: 10, Quantity: 1, Gift: true}}}
	r := o.Reservation(map[int64]int64{10: 4})
	if len(r.Lines) != 2 || r.Lines[0] != (StockLine{ItemID: 10, Qty: 3, Limit: 4}) || r.Lines[1].ItemID != 11 {
		t.Fatalf("reservation lines %+v", r.Lines)
	}
}

type fixedActivities []*promo.Activity

func (f fixedActivities) Applying(context.Context, time.Time) ([]*promo.Activity, error) {
	return f, nil
}

// A gift tier adds its gift as a line paid nothing, unless the shopper buys the gift item on the
// order (one line per item): then the tier does not apply and the order is priced without it.
func TestGiftTierSkipsAnItemTheShopperBuys(t *testing.T) {
	c := pricingCheckout()
	b := &presale.Batch{ID: 3, Status: presale.Open, OpensAt: pricingNow.Add(-time.Hour), CutoffAt: pricingNow.Add(time.Hour),
		Items: []presale.Item{{ID: 10, SKUID: 100, Price: 3000}, {ID: 11, SKUID: 101, Price: 500}}}
	c.activities = fixedActivities{{ID: 1, Status: promo.ActivityActive, Scope: promo.Scope{Kind: promo.ScopeAll},
		Window: promo.Window{From: pricingNow.Add(-time.Hour), Until: pricingNow.Add(time.Hour)},
		Tiers:  []promo.Tier{{Threshold: 3000, GiftItemID: 11, GiftQty: 1}}}}
	o, err := c.build(t.Context(), b, 1, PlaceInput{Key: "gift-test", BatchID: 3, Lines: []LineInput{{ItemID: 10, Qty: 1, Price: 3000}}})
	if err != nil || len(o.Lines) != 2 || !o.Lines[1].Gift || o.Lines[1].Amount != 0 || o.Amount != 3000 || o.ActivityID != 1 {
		t.Fatalf("gift: %+v, %v", o, err)
	}
	o, err = c.build(t.Context(), b, 1, PlaceInput{Key: "gift-test", BatchID: 3,
		Lines: []LineInput{{ItemID: 10, Qty: 1, Price: 3000}, {ItemID: 11, Qty: 1, Price: 500}}})
	if err != nil || len(o.Lines) != 2 || o.Lines[1].Gift || o.Amount != 3500 || o.ActivityID != 0 {
		t.Fatalf("the gift item bought: %+v, %v", o, err)
	}
}

// noActivities is a store of 满减 activities holding none: the pricing rules of a cart without
// promotions need no database.
type noActivities struct{}

func (noActivities) Applying(context.Context, time.Time) ([]*promo.Activity, error) { return nil, nil }
