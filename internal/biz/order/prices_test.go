package order

import (
	"reflect"
	"testing"
	"time"
)

// A unit price is the line's amount ÷ quantity, rounded down; lines paid nothing are no price;
// the lowest of an SKU's lines counts; the day is Beijing's.
func TestDayPricesFromPaidAmounts(t *testing.T) {
	o := &Order{Lines: []Line{
		{SKUID: 1, Price: 1000, Quantity: 3, Amount: 2999}, // 999.67 a unit: 999
		{SKUID: 2, Price: 500, Quantity: 1, Amount: 0},     // a gift
		{SKUID: 3, Price: 800, Quantity: 2, Amount: 1500},  // discounted: 750, not the price
		{SKUID: 3, Price: 800, Quantity: 1, Amount: 800},
	}}
	lastSecond := time.Date(2026, 12, 1, 15, 59, 59, 0, time.UTC) // 23:59:59 in Beijing
	want := []DayPrice{{SKUID: 1, Day: "2026-12-01", LowestFen: 999}, {SKUID: 3, Day: "2026-12-01", LowestFen: 750}}
	if got := DayPrices(o, lastSecond); !reflect.DeepEqual(got, want) {
		t.Errorf("at %s: %+v, want %+v", lastSecond, got, want)
	}
	midnight := lastSecond.Add(time.Second)
	if got := DayPrices(o, midnight); len(got) != 2 || got[0].Day != "2026-12-02" {
		t.Errorf("at Beijing midnight: %+v, want the 2nd", got)
	}
	if got := DayPrices(&Order{Lines: []Line{{SKUID: 1, Quantity: 1, Amount: 0}}}, midnight); len(got) != 0 {
		t.Errorf("an order of gifts only: %+v", got)
	}
}
