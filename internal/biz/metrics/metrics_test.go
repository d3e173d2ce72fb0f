package metrics

import (
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// A day worked by hand: 8 visitors with 20 page views in 10 sessions, 3 of one page; 4 added to
// the cart, 2 shared 5 times; 3 shoppers ordered, 2 paid for 3 orders of 7 items, 100 yuan in
// all, 15 of it refunded; 1 of the 2 payers had bought in the last 30 days; 1 order came from a
// share; 2 inviters brought 3 shoppers.
var handDay = Counts{
	Visitors: 8, PageViews: 20, Sessions: 10, Bounces: 3, Carters: 4, Sharers: 2, Shares: 5,
	Buyers: 3, Payers: 2, Orders: 3, Items: 7, Paid: 10_000, RefundedByOrderDay: 1_500,
	NewPayers: 1, RepeatPayers: 1, ShareOrders: 1, Invitees: 3, Inviters: 2,
}

func TestRatesOfAHandComputedDay(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Ratio
		bp   int64
		show string
	}{
		{"UV/PV 8/20", handDay.UVPerPV(), 4000, "40.00%"},
		{"bounce 3/10", handDay.BounceRate(), 3000, "30.00%"},
		{"add to cart 4/8", handDay.AddToCartRate(), 5000, "50.00%"},
		{"payment conversion 2/8", handDay.PaymentConversion(), 2500, "25.00%"},
		{"order conversion 3/8", handDay.OrderConversion(), 3750, "37.50%"},
		{"repurchase 1/2", handDay.RepurchaseRate(), 5000, "50.00%"},
		{"share rate 2/8", handDay.ShareRate(), 2500, "25.00%"},
		{"orders from shares 1/3", handDay.ShareOrderRate(), 3333, "33.33%"},
	} {
		if got := c.r.BP(); got != c.bp {
			t.Errorf("%s: %d bp, want %d", c.name, got, c.bp)
		}
		if got := c.r.Percent(); got != c.show {
			t.Errorf("%s: %q, want %q", c.name, got, c.show)
		}
	}
	if got := handDay.PerOrder().Yuan(); got != "33.33" { // 10000 fen / 3 orders = 3333.3 fen
		t.Errorf("客单价 %q, want 33.33", got)
	}
	if got := handDay.PerBuyer().Yuan(); got != "50.00" { // 10000 fen / 2 payers
		t.Errorf("spend per buyer %q, want 50.00", got)
	}
	if got := handDay.ItemsPerOrder().Decimal(); got != "2.33" { // 7 items / 3 orders
		t.Errorf("连带率 %q, want 2.33", got)
	}
	if got := handDay.InvitationCoefficient().Decimal(); got != "1.50" { // 3 invitees / 2 inviters
		t.Errorf("invitation coefficient %q, want 1.50", got)
	}
	if got := handDay.NetPaid(); got != 8_500 {
		t.Errorf("net paid %d, want 8500", got)
	}
}

func TestRatioRoundsHalfUpAndShowsUndefined(t *testing.T) {
	for _, c := range []struct {
		r  Ratio
		bp int64
	}{{Ratio{1, 3}, 3333}, {Ratio{2, 3}, 6667}, {Ratio{1, 20_000}, 1}, {Ratio{1, 20_001}, 0}, {Ratio{5, 5}, 10_000}, {Ratio{3, 0}, 0}} {
		if got := c.r.BP(); got != c.bp {
			t.Errorf("%d/%d = %d bp, want %d", c.r.Num, c.r.Den, got, c.bp)
		}
	}
	zero := Ratio{3, 0}
	if zero.Defined() || zero.Percent() != "-" || zero.Yuan() != "-" || zero.Decimal() != "-" {
		t.Errorf("3/0 shows %q %q %q, want -", zero.Percent(), zero.Yuan(), zero.Decimal())
	}
}

// A period's rate is the ratio of its summed counts, not the mean of its days' rates: 1/2 and
// 0/8 make 1/10, not 25%.
func TestPeriodRatesComeFromSummedCounts(t *testing.T) {
	days := []Day{{Day: "2026-12-01", Counts: Counts{Visitors: 2, Payers: 1}}, {Day: "2026-12-02", Counts: Counts{Visitors: 8}}}
	total := Total(days)
	if got := total.PaymentConversion(); got != (Ratio{1, 10}) || got.BP() != 1000 {
		t.Fatalf("conversion over the period %+v (%d bp), want 1/10", got, got.BP())
	}
	if sum := handDay.Add(handDay); sum.Paid != 20_000 || sum.Inviters != 4 || sum.Bounces != 6 || sum.RefundedOnDay != 0 {
		t.Fatalf("sum %+v", sum)
	}
}

func TestKeysMatchTheirLevel(t *testing.T) {
	for _, k := range []Key{CityKey(), GridKey("8631a8c3fffffff"), LeaderKey(7), BatchKey(3), {Level: Cell, GridCell: "g", LeaderID: 1, BatchID: 2}} {
		if err := k.Validate(); err != nil {
			t.Errorf("%+v: %v", k, err)
		}
	}
	for _, k := range []Key{{Level: Grid}, {Level: Leader, LeaderID: 7, BatchID: 1}, {Level: City, GridCell: "g"}, {Level: "town"}, {Level: Batch}} {
		var invalid *bizerr.InvalidError
		if err := k.Validate(); !errors.As(err, &invalid) {
			t.Errorf("%+v: %v, want invalid", k, err)
		}
	}
}
