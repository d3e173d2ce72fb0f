package order

import (
	"math/rand/v2"
	"testing"
)

// randomRefundOrder is a ready order of one to five lines; some lines carry a discount below
// one unit's price, which the last unit refunded absorbs.
func randomRefundOrder(rng *rand.Rand) *Order {
	o := &Order{ID: 1, Status: Ready}
	for i := range 1 + rng.IntN(5) {
		l := Line{ID: int64(i + 1), Price: 1 + rng.Int64N(20_000), Quantity: 1 + rng.Int64N(10)}
		l.Amount = l.Price * l.Quantity
		if rng.IntN(2) == 0 {
			l.Amount -= rng.Int64N(l.Price)
		}
		o.Lines = append(o.Lines, l)
		o.Amount += l.Amount
	}
	return o
}

// held sums what open requests hold of each line.
func held(open []*AfterSale) (map[int64]int64, map[int64]int64) {
	qty, amt := map[int64]int64{}, map[int64]int64{}
	for _, a := range open {
		for _, l := range a.Lines {
			qty[l.LineID] += l.Quantity
			amt[l.LineID] += l.Amount
		}
	}
	return qty, amt
}

// randomAsk asks for some units of some lines with units left, or (nil) for everything left.
func randomAsk(rng *rand.Rand, o *Order, open []*AfterSale) []AfterSaleLine {
	if rng.IntN(4) == 0 {
		return nil
	}
	hq, _ := held(open)
	var ask []AfterSaleLine
	for _, l := range o.Lines {
		if left := l.Quantity - l.RefundedQty - hq[l.ID]; left > 0 && rng.IntN(2) == 0 {
			ask = append(ask, AfterSaleLine{LineID: l.ID, Quantity: 1 + rng.Int64N(left)})
		}
	}
	return ask
}

// A seeded random loop of after-sales requests on an order — partial or whole, approved and
// refunded, or failed and asked again, interleaved: a request never takes a unit or a fen that
// was refunded or that an open request holds, a part costs at most price × units, the units of
// a line refunded in full give back exactly the line's amount, and the order counts every
// refund once and is refunded when and only when every unit is.
func TestAfterSalesNeverRefundMoreThanTheLineAndAllOfItInTheEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	for c := range 2000 {
		o := randomRefundOrder(rng)
		var open []*AfterSale
		for step := 0; step < 40 && o.Status != Refunded; step++ {
			if len(open) > 0 && rng.IntN(2) == 0 {
				i := rng.IntN(len(open))
				if rng.IntN(4) > 0 {
					if _, err := applyAfterSale(o, open[i]); err != nil {
						t.Fatalf("case %d: refund of %+v: %v", c, open[i], err)
					}
				}
				open = append(open[:i], open[i+1:]...)
			} else if ask := randomAsk(rng, o, open); ask != nil || rng.IntN(2) == 0 {
				lines, total, err := planAfterSale(o, open, ask)
				if err != nil {
					continue // nothing left that is not held: refused, nothing taken
				}
				checkTaken(t, c, o, open, ask, lines, total)
				open = append(open, &AfterSale{ID: int64(step + 1), Lines: lines, Amount: total})
			}
			checkRefunded(t, c, o, open)
		}
		// Whatever is open is refunded, then everything left is asked for and refunded.
		for _, a := range open {
			if _, err := applyAfterSale(o, a); err != nil {
				t.Fatalf("case %d: %v", c, err)
			}
		}
		if o.Status != Refunded {
			lines, total, err := planAfterSale(o, nil, nil)
			if err != nil {
				t.Fatalf("case %d: the rest of %+v: %v", c, o, err)
			}
			if _, err := applyAfterSale(o, &AfterSale{Lines: lines, Amount: total}); err != nil {
				t.Fatalf("case %d: %v", c, err)
			}
		}
		checkRefunded(t, c, o, nil)
		if o.Status != Refunded || o.Refunded != o.Amount {
			t.Fatalf("case %d: everything refunded gave back %d of %d, status %s", c, o.Refunded, o.Amount, o.Status)
		}
	}
}

func checkTaken(t *testing.T, c int, o *Order, open []*AfterSale, ask, lines []AfterSaleLine, total int64) {
	t.Helper()
	hq, ha := held(open)
	var sum int64
	for i, tl := range lines {
		var l Line
		for _, x := range o.Lines {
			if x.ID == tl.LineID {
				l = x
			}
		}
		leftQty, leftAmt := l.Quantity-l.RefundedQty-hq[l.ID], l.Amount-l.RefundedAmount-ha[l.ID]
		switch {
		case tl.Quantity <= 0 || tl.Amount <= 0 || tl.Quantity > leftQty || tl.Amount > leftAmt:
			t.Fatalf("case %d: took %+v of line %+v with %d units and %d fen left", c, tl, l, leftQty, leftAmt)
		case ask != nil && tl.Quantity != ask[i].Quantity:
			t.Fatalf("case %d: asked %+v, took %+v", c, ask[i], tl)
		case tl.Quantity < leftQty && tl.Amount > l.Price*tl.Quantity:
			t.Fatalf("case %d: %d units of %d fen cost %d", c, tl.Quantity, l.Price, tl.Amount)
		case tl.Quantity == leftQty && tl.Amount != leftAmt:
			t.Fatalf("case %d: the last %d units of line %+v give back %d of the %d left", c, tl.Quantity, l, tl.Amount, leftAmt)
		}
		sum += tl.Amount
	}
	if sum != total || (ask != nil && len(lines) != len(ask)) {
		t.Fatalf("case %d: request of %d for lines summing to %d", c, total, sum)
	}
}

func checkRefunded(t *testing.T, c int, o *Order, open []*AfterSale) {
	t.Helper()
	hq, ha := held(open)
	var refunded int64
	all := true
	for _, l := range o.Lines {
		if l.RefundedQty+hq[l.ID] > l.Quantity || l.RefundedAmount+ha[l.ID] > l.Amount || l.RefundedAmount < 0 {
			t.Fatalf("case %d: line %+v with %d units and %d fen held", c, l, hq[l.ID], ha[l.ID])
		}
		if l.RefundedQty == l.Quantity && l.RefundedAmount != l.Amount {
			t.Fatalf("case %d: line %+v refunded in full gave back %d", c, l, l.RefundedAmount)
		}
		refunded += l.RefundedAmount
		all = all && l.RefundedQty == l.Quantity
	}
	if o.Refunded != refunded || (o.Status == Refunded) != all {
		t.Fatalf("case %d: order refunded %d (lines %d), status %s, all units %v", c, o.Refunded, refunded, o.Status, all)
	}
}
