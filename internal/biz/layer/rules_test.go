package layer

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

func day(t *testing.T, s string) Day {
	t.Helper()
	d, err := ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at is hh:mm Beijing time, n days before d.
func at(d Day, n, hh, mm int) time.Time {
	return time.Date(d.start.Year(), d.start.Month(), d.start.Day()-n, hh, mm, 0, 0, bjtime.Zone)
}

// The windows turn at Beijing midnight: a purchase on day D-29 is within 30 days, one on D-30 is
// not, whatever the hour.
func TestNewIsExactAt29_30_31Days(t *testing.T) {
	d := day(t, "2026-12-06")
	cases := []struct {
		ago, hh, mm int
		want        Layer
	}{
		{0, 23, 59, New},
		{29, 0, 0, New},
		{29, 23, 59, New},
		{30, 23, 59, Other},
		{30, 0, 0, Other},
		{31, 12, 0, Other},
	}
	for _, c := range cases {
		got, ok := DefaultRules.Snapshot(d, 1, []Purchase{{ID: 1, PaidAt: at(d, c.ago, c.hh, c.mm), Net: 100}})
		if !ok || got.Layer != c.want {
			t.Errorf("first order %d days ago at %02d:%02d: %q (%v), want %q", c.ago, c.hh, c.mm, got.Layer, ok, c.want)
		}
	}
	// In UTC the last minute of D-30 Beijing is 15:59 of D-30: still outside.
	edge := DefaultRules.Bounds(d).NewSince
	if got := DefaultRules.Classify(d, Figures{FirstPaidAt: edge.Add(-time.Nanosecond), LastPaidAt: edge}); got == New {
		t.Errorf("a first order an instant before %v is new", edge.UTC())
	}
	if edge.UTC().Hour() != 16 {
		t.Errorf("the window starts at %v, want 16:00 UTC", edge.UTC())
	}
}

// An order paid after the end of the day is not in its snapshot; a refunded one never is.
func TestFiguresCountPaidOrdersUpToTheEndOfTheDay(t *testing.T) {
	d := day(t, "2026-12-06")
	if _, ok := DefaultRules.FiguresOf(d, []Purchase{{ID: 1, PaidAt: d.End(), Net: 100}, {ID: 2, PaidAt: at(d, 1, 9, 0)}}); ok {
		t.Error("an order paid at the next midnight and a refunded one make a purchase")
	}
	f, ok := DefaultRules.FiguresOf(d, []Purchase{
		{ID: 7, PaidAt: at(d, 40, 9, 0), Net: 300, FromShare: false},
		{ID: 5, PaidAt: at(d, 40, 9, 0), Net: 200, FromShare: true}, // same instant, lower id: the first
		{ID: 9, PaidAt: at(d, 29, 0, 0), Net: 100},
		{ID: 10, PaidAt: at(d, 89, 0, 0), Net: 100},
		{ID: 11, PaidAt: at(d, 90, 0, 0), Net: 100},
		{ID: 12, PaidAt: at(d, 365, 0, 0), Net: 1000},
	})
	want := Figures{FirstPaidAt: at(d, 365, 0, 0), LastPaidAt: at(d, 29, 0, 0), FromShare: false,
		OrdersMonth: 1, OrdersQuarter: 4, OrdersYear: 5, SpendYear: 800}
	if !ok || f != want {
		t.Errorf("figures %+v, want %+v", f, want)
	}
	f, _ = DefaultRules.FiguresOf(d, []Purchase{{ID: 7, PaidAt: at(d, 40, 9, 0), Net: 300},
		{ID: 5, PaidAt: at(d, 40, 9, 0), Net: 200, FromShare: true}})
	if !f.FromShare {
		t.Error("the first order (lowest id of the earliest payment) came from a share")
	}
}

func purchases(d Day, agos ...int) []Purchase {
	ps := make([]Purchase, len(agos))
	for i, a := range agos {
		ps[i] = Purchase{ID: int64(i + 1), PaidAt: at(d, a, 12, 0), Net: 1000}
	}
	return ps
}

func TestLayersAndPrecedence(t *testing.T) {
	d := day(t, "2026-12-06")
	cases := []struct {
		name string
		agos []int
		want Layer
	}{
		{"new and active: new first", []int{1, 2, 10}, New},
		{"new and loyal: new first", []int{1, 2, 3, 4, 5, 6}, New},
		{"3 in the month", []int{1, 5, 29, 100}, Active},
		{"5 in the month is loyal first", []int{1, 2, 3, 4, 29, 100}, Loyal},
		{"6 in the month", []int{1, 2, 3, 4, 5, 6, 100}, Loyal},
		{"5 in the quarter", []int{1, 40, 50, 60, 89, 100}, Loyal},
		{"4 in the quarter, fifth at 90 days", []int{1, 40, 50, 89, 90}, Other},
		{"2 in the month", []int{1, 29, 30, 300}, Other},
		{"third at 30 days", []int{1, 2, 30, 300}, Other},
		{"last at 179 days", []int{179, 400}, Other},
		{"last at 180 days", []int{180, 400}, Dormant},
		{"last at 181 days", []int{181}, Dormant},
	}
	for _, c := range cases {
		got, ok := DefaultRules.Snapshot(d, 1, purchases(d, c.agos...))
		if !ok || got.Layer != c.want {
			t.Errorf("%s: %q, want %q", c.name, got.Layer, c.want)
		}
	}
}

func TestScores(t *testing.T) {
	d := day(t, "2026-12-06")
	cases := []struct {
		agos    []int
		net     int64
		r, f, m int
	}{
		{[]int{6}, 4_999, 5, 1, 1},
		{[]int{7}, 5_000, 4, 1, 2},
		{[]int{29, 400}, 10_000, 4, 1, 2}, // the order 400 days ago is outside F and M
		{[]int{30, 31}, 10_000, 3, 2, 3},
		{[]int{90, 91, 92}, 20_000, 2, 3, 4},
		{[]int{179, 180, 181, 182, 183}, 20_000, 2, 4, 5},
		{[]int{180, 181, 182, 183, 184, 185, 186, 187, 188, 189}, 10_000, 1, 5, 5},
	}
	for _, c := range cases {
		ps := purchases(d, c.agos...)
		for i := range ps {
			ps[i].Net = c.net
		}
		s, _ := DefaultRules.Snapshot(d, 1, ps)
		if s.R != c.r || s.F != c.f || s.M != c.m {
			t.Errorf("orders %v of %d fen: RFM %d%d%d, want %d%d%d", c.agos, c.net, s.R, s.F, s.M, c.r, c.f, c.m)
		}
	}
}

func TestRulesValidate(t *testing.T) {
	if err := DefaultRules.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Rules){
		func(r *Rules) { r.NewDays = 0 },
		func(r *Rules) { r.ActiveMax = 2 },
		func(r *Rules) { r.RecencyDays = [4]int{7, 7, 90, 180} },
		func(r *Rules) { r.FrequencyOrders = [4]int{1, 3, 5, 10} },
		func(r *Rules) { r.MonetaryFen = [4]int64{0, 1, 2, 3} },
	}
	for i, change := range bad {
		r := DefaultRules
		change(&r)
		var invalid *bizerr.InvalidError
		if err := r.Validate(); !errors.As(err, &invalid) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if _, err := ParseDay("2026-13-01"); err == nil {
		t.Error("month 13 parsed")
	}
}

// The coupon send's note names the audience and keeps within the coupon send's 200 characters.
func TestCouponNote(t *testing.T) {
	a := Audience{Day: "2026-12-06", Layer: Dormant, Grid: "872830820ffffff"}
	if got := couponNote(a, "回馈"); got != "2026-12-06 872830820ffffff dormant 回馈" {
		t.Errorf("note %q", got)
	}
	long := strings.Repeat("券", 200)
	if got := couponNote(a, long); utf8.RuneCountInString(got) != 200 || !strings.HasPrefix(got, "2026-12-06 872830820ffffff dormant 券") {
		t.Errorf("note of %d characters: %q", utf8.RuneCountInString(got), got)
	}
}
