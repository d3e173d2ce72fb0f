package order

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// asOrder is an order of two lines: 3 × 250 and 2 × 999 fen, nothing refunded.
func asOrder() *Order {
	return &Order{ID: 7, UserID: 1, LeaderID: 2, BatchID: 3, Status: Ready, Amount: 3*250 + 2*999, Lines: []Line{
		{ID: 71, Price: 250, Quantity: 3, Amount: 750},
		{ID: 72, Price: 999, Quantity: 2, Amount: 1998},
	}}
}

func TestPlanAfterSaleTakesWhatIsLeft(t *testing.T) {
	o := asOrder()
	lines, total, err := planAfterSale(o, nil, nil)
	if err != nil || total != o.Amount || len(lines) != 2 || lines[0].Quantity != 3 || lines[1].Amount != 1998 {
		t.Fatalf("whole order: %+v %d %v", lines, total, err)
	}

	// Part of a line is its share of what was paid, floor(749 × 2 / 3); the last units take
	// what remains of the amount.
	o.Lines[0].Amount = 749 // e.g. a discount allocated to the line
	lines, total, err = planAfterSale(o, nil, []AfterSaleLine{{LineID: 71, Quantity: 2}})
	if err != nil || total != 499 || lines[0].Amount != 499 {
		t.Fatalf("two of three: %+v %d %v", lines, total, err)
	}
	open := []*AfterSale{{Status: AfterSaleRequested, Lines: lines}}
	lines, total, err = planAfterSale(o, open, []AfterSaleLine{{LineID: 71, Quantity: 1}})
	if err != nil || total != 250 {
		t.Fatalf("the last unit: %+v %d %v", lines, total, err)
	}

	// Units held by open requests and refunded ones are not offered again.
	open = append(open, &AfterSale{Status: AfterSaleApproved, Lines: lines})
	o.Lines[1].RefundedQty, o.Lines[1].RefundedAmount = 1, 999
	if _, _, err := planAfterSale(o, open, []AfterSaleLine{{LineID: 71, Quantity: 1}}); !isInvalid(err, "lines.quantity") {
		t.Errorf("a unit held by an open request: %v", err)
	}
	if _, _, err := planAfterSale(o, open, []AfterSaleLine{{LineID: 72, Quantity: 2}}); !isInvalid(err, "lines.quantity") {
		t.Errorf("a refunded unit: %v", err)
	}
	lines, total, err = planAfterSale(o, open, nil)
	if err != nil || total != 999 || len(lines) != 1 || lines[0].LineID != 72 || lines[0].Quantity != 1 {
		t.Errorf("everything left: %+v %d %v", lines, total, err)
	}
	o.Lines[1].RefundedQty, o.Lines[1].RefundedAmount = 2, 1998
	if _, _, err := planAfterSale(o, open, nil); !isInvalid(err, "lines") {
		t.Errorf("nothing left: %v", err)
	}
	if _, _, err := planAfterSale(o, nil, []AfterSaleLine{{LineID: 99, Quantity: 1}}); !isInvalid(err, "lines.line_id") {
		t.Errorf("a line of another order: %v", err)
	}
}

// A discounted line refunds what was paid for it, never its presale price: unit by unit the
// floors of amount × units / quantity, the last unit what remains, so the refunds add up to
// exactly the paid amount. A gift line is refused alone but does not keep the order from being
// refunded whole.
func TestPartialRefundsOfADiscountedLineAddUpToWhatWasPaid(t *testing.T) {
	o := &Order{ID: 8, Status: Ready, Amount: 1001, Lines: []Line{
		{ID: 81, Price: 500, Quantity: 3, Amount: 1001, PromoOff: 300, CouponOff: 199},
		{ID: 82, Price: 800, Quantity: 1, Amount: 0, PromoOff: 800, Gift: true},
	}}
	var open []*AfterSale
	var got []int64
	for range 3 {
		lines, total, err := planAfterSale(o, open, []AfterSaleLine{{LineID: 81, Quantity: 1}})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, total)
		open = append(open, &AfterSale{Status: AfterSaleApproved, Lines: lines})
	}
	if got[0] != 333 || got[1] != 333 || got[2] != 335 {
		t.Fatalf("unit refunds %v, want 333 333 335 (1001 in all)", got)
	}
	if _, _, err := planAfterSale(o, nil, []AfterSaleLine{{LineID: 82, Quantity: 1}}); !isInvalid(err, "lines.line_id") {
		t.Fatalf("a gift alone: %v", err)
	}
	lines, total, err := planAfterSale(o, nil, nil)
	if err != nil || total != 1001 || len(lines) != 1 || lines[0].LineID != 81 {
		t.Fatalf("everything: %+v %d %v", lines, total, err)
	}
	if _, err := applyAfterSale(o, &AfterSale{ID: 1, Lines: lines, Amount: total}); err != nil || o.Status != Refunded {
		t.Fatalf("every bought unit back: %s %v", o.Status, err)
	}
	// Never above what is left, whatever was refunded before.
	for _, c := range [][5]int64{{1001, 3, 2, 3, 100}, {1001, 3, 1, 1, 7}, {0, 1, 1, 1, 0}, {10, 3, 1, 3, -1}} {
		if r := partRefund(c[0], c[1], c[2], c[3], c[4]); r > max(c[4], 0) || r < 0 {
			t.Errorf("partRefund%v = %d", c, r)
		}
	}
}

// refusedBy reports whether err is a move or action the table refused.
func refusedBy[S ~string](err error, table *lifecycle.Table[S]) bool {
	var te *lifecycle.TransitionError
	return errors.As(err, &te) && errors.Is(err, lifecycle.ErrRefused) && te.Entity == table.Entity()
}

func isInvalid(err error, field string) bool {
	var inv *bizerr.InvalidError
	return errors.As(err, &inv) && inv.Field == field
}

func TestAfterSalesAllowedAfterCutoffAndWithinTheWindow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	closed := &presale.Batch{Status: presale.Arrived, CutoffAt: now.Add(-time.Hour)}
	open := &presale.Batch{Status: presale.Open, CutoffAt: now.Add(time.Hour)}
	window := 48 * time.Hour
	cases := []struct {
		name string
		o    Order
		b    *presale.Batch
		ok   bool
		is   func(error) bool
	}{
		{"paid after the cut-off", Order{Status: Paid}, closed, true, nil},
		{"ready", Order{Status: Ready}, closed, true, nil},
		{"paid before the cut-off", Order{Status: Paid}, open, false, func(err error) bool { return refusedBy(err, Lifecycle) }},
		{"picked up within the window", Order{Status: PickedUp, PickedUpAt: now.Add(-window + time.Second)}, closed, true, nil},
		{"picked up, window passed", Order{Status: PickedUp, PickedUpAt: now.Add(-window)}, closed, false,
			func(err error) bool { return errors.Is(err, ErrAfterSalesOver) }},
		{"completed", Order{Status: Completed}, closed, false, func(err error) bool { return errors.Is(err, ErrAfterSalesOver) }},
		{"refunded", Order{Status: Refunded}, closed, false, func(err error) bool { return refusedBy(err, Lifecycle) }},
		{"unpaid", Order{Status: PendingPayment}, closed, false, func(err error) bool { return refusedBy(err, Lifecycle) }},
		{"batch cancelled", Order{Status: Paid}, &presale.Batch{Status: presale.Cancelled, CutoffAt: now.Add(-time.Hour)}, false,
			func(err error) bool { return refusedBy(err, Lifecycle) }},
	}
	for _, c := range cases {
		err := afterSalesAllowed(&c.o, c.b, now, window)
		if c.ok != (err == nil) || (err != nil && !c.is(err)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestApplyAfterSaleCountsOnceAndRefundsTheOrderWhenEmpty(t *testing.T) {
	o := asOrder()
	first := &AfterSale{ID: 1, Amount: 500, Lines: []AfterSaleLine{{LineID: 71, Quantity: 2, Amount: 500}}}
	got, err := applyAfterSale(o, first)
	if err != nil || len(got) != 1 || got[0] != (RefundedLine{LineID: 71, Quantity: 2, Amount: 500}) {
		t.Fatalf("first refund: %+v %v", got, err)
	}
	if o.Status != Ready || o.Refunded != 500 || o.Lines[0].RefundedQty != 2 {
		t.Fatalf("after the first refund: %+v", o)
	}
	rest := &AfterSale{ID: 2, Amount: 250 + 1998, Lines: []AfterSaleLine{{LineID: 71, Quantity: 1, Amount: 250},
		{LineID: 72, Quantity: 2, Amount: 1998}}}
	if _, err := applyAfterSale(o, rest); err != nil {
		t.Fatal(err)
	}
	if o.Status != Refunded || o.Refunded != o.Amount {
		t.Fatalf("after everything: %+v", o)
	}
	if _, err := applyAfterSale(o, first); !errors.Is(err, bizerr.ErrConflict) {
		t.Errorf("refunding beyond the line: %v", err)
	}
}

func TestAfterSaleStatusesAndMoney(t *testing.T) {
	for s, open := range map[AfterSaleStatus]bool{AfterSaleRequested: true, AfterSaleApproved: true,
		AfterSaleRejected: false, AfterSaleRefunded: false, AfterSaleFailed: false} {
		if s.Open() != open || !s.valid() {
			t.Errorf("%s: open %v", s, s.Open())
		}
	}
	if AfterSaleStatus("x").valid() {
		t.Error("unknown status is valid")
	}
	if err := AfterSaleLifecycle.Refuse(AfterSaleRefunded, "review"); !refusedBy(err, AfterSaleLifecycle) {
		t.Error("a refused review is not the after-sales request's TransitionError")
	}
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 1999: "19.99", 100000: "1000.00"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %s", fen, got)
		}
	}
	if err := checkAfterSaleLines([]AfterSaleLine{{LineID: 1, Quantity: 1}, {LineID: 1, Quantity: 1}}); !isInvalid(err, "lines.line_id") {
		t.Errorf("a line twice: %v", err)
	}
	if err := checkAfterSaleLines([]AfterSaleLine{{LineID: 1, Quantity: 0}}); !isInvalid(err, "lines.quantity") {
		t.Errorf("no units: %v", err)
	}
	if !refundHopeless(bizerr.Invalid("amount", "x")) || refundHopeless(bizerr.ErrUnavailable) {
		t.Error("refundHopeless")
	}
}
