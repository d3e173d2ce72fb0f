package presale

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/geo"
)

func validInput(t *testing.T) Input {
	t.Helper()
	cell, err := geo.CellAt(geo.LatLng{Lat: 31.2304, Lng: 121.4737}, geo.DefaultGridRes)
	if err != nil {
		t.Fatal(err)
	}
	opens := time.Date(2026, 12, 1, 10, 0, 0, 0, bjtime.Zone)
	return Input{Title: "周末水果团", OpensAt: opens, CutoffAt: opens.Add(24 * time.Hour), PickupDate: "2026-12-03",
		Items: []ItemInput{{SKUID: 1, Price: 3990, Quota: 100, Limit: 2, CommissionBP: 1000}},
		Grids: []geo.Cell{cell}}
}

func TestInputCheckRefusesWhatABatchCannotSellBy(t *testing.T) {
	in := validInput(t)
	day, err := in.check()
	if err != nil {
		t.Fatal(err)
	}
	if got := day.Format(time.DateOnly); got != "2026-12-03" || day.Location() != bjtime.Zone {
		t.Fatalf("pickup day %s in %s", got, day.Location())
	}
	cases := map[string]func(*Input){
		"one-rune title":        func(in *Input) { in.Title = "团" },
		"blank title":           func(in *Input) { in.Title = " \u3000 " },
		"cut-off before open":   func(in *Input) { in.CutoffAt = in.OpensAt.Add(-time.Minute) },
		"no opening":            func(in *Input) { in.OpensAt = time.Time{} },
		"pickup before cut-off": func(in *Input) { in.PickupDate = "2026-11-30" },
		"not a date":            func(in *Input) { in.PickupDate = "12/03/2026" },
		"no items":              func(in *Input) { in.Items = nil },
		"zero price":            func(in *Input) { in.Items[0].Price = 0 },
		"price over the cap":    func(in *Input) { in.Items[0].Price = maxPrice + 1 },
		"zero quota":            func(in *Input) { in.Items[0].Quota = 0 },
		"limit above quota":     func(in *Input) { in.Items[0].Limit = 101 },
		"negative limit":        func(in *Input) { in.Items[0].Limit = -1 },
		"commission over 100%":  func(in *Input) { in.Items[0].CommissionBP = 10001 },
		"sku twice":             func(in *Input) { in.Items = append(in.Items, in.Items[0]) },
		"no grids":              func(in *Input) { in.Grids = nil },
		"grid twice":            func(in *Input) { in.Grids = append(in.Grids, in.Grids[0]) },
		"invalid cell":          func(in *Input) { in.Grids = []geo.Cell{12345} },
	}
	for name, breakIt := range cases {
		in := validInput(t)
		breakIt(&in)
		if _, err := in.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestInputCheckWhenRefusesDatesOutOfTheBatchRange(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, bjtime.Zone)
	in := validInput(t)
	day, err := in.check()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.checkWhen(day, now); err != nil {
		t.Fatalf("a batch of next week: %v", err)
	}
	in.OpensAt = now.Add(-5 * time.Minute)
	if err := in.checkWhen(day, now); err != nil {
		t.Fatalf("a window opening a moment ago: %v", err)
	}
	far := now.AddDate(1, 1, 0)
	cases := map[string]func(in *Input, day *time.Time){
		"window opening in 1970":     func(in *Input, _ *time.Time) { in.OpensAt = time.Unix(0, 0) },
		"window opening an hour ago": func(in *Input, _ *time.Time) { in.OpensAt = now.Add(-time.Hour) },
		"cut-off next year":          func(in *Input, _ *time.Time) { in.CutoffAt = far },
		"pickup in 9999":             func(_ *Input, day *time.Time) { *day = time.Date(9999, 12, 31, 0, 0, 0, 0, bjtime.Zone) },
		"pickup next year":           func(_ *Input, day *time.Time) { *day = far },
	}
	for name, breakIt := range cases {
		in, d := validInput(t), day
		breakIt(&in, &d)
		if err := in.checkWhen(d, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTakesOrdersOnlyInsideTheWindowWhileOpen(t *testing.T) {
	opens := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	b := &Batch{Status: Open, OpensAt: opens, CutoffAt: opens.Add(time.Hour)}
	for _, c := range []struct {
		at     time.Time
		status Status
		want   bool
	}{
		{opens.Add(-time.Second), Open, false},
		{opens, Open, true},
		{opens.Add(59 * time.Minute), Open, true},
		{opens.Add(time.Hour), Open, false}, // the cut-off itself is closed, whatever the scheduler did
		{opens.Add(time.Minute), Scheduled, false},
		{opens.Add(time.Minute), Cancelled, false},
	} {
		b.Status = c.status
		if got := b.TakesOrders(c.at); got != c.want {
			t.Errorf("%s at %s: TakesOrders = %v", c.status, c.at.Sub(opens), got)
		}
	}
}

// The latest pickup date counts from the earliest payment (opens_at): the whole pickup day, the
// after-sales window and the margin must end within the freeze window.
func TestLatestPickupKeepsCommissionPayable(t *testing.T) {
	cfg := Config{FreezeWindow: 30 * 24 * time.Hour, AfterSalesWindow: 48 * time.Hour, SettleMargin: 48 * time.Hour}
	opens := time.Date(2026, 12, 1, 10, 0, 0, 0, bjtime.Zone)
	// Deadline 2026-12-27 10:00 (31 Dec 10:00 − 4 days): 12-26 ends before it, 12-27 does not.
	if got := cfg.LatestPickup(opens).Format(time.DateOnly); got != "2026-12-26" {
		t.Fatalf("latest pickup %s, want 2026-12-26", got)
	}
	b := &Batch{OpensAt: opens.UTC()}
	for day, ok := range map[string]bool{"2026-12-03": true, "2026-12-26": true, "2026-12-27": false, "2027-02-01": false} {
		b.PickupDate, _ = time.ParseInLocation(time.DateOnly, day, bjtime.Zone)
		err := cfg.checkSettleable(b)
		var late *PickupTooLateError
		switch {
		case ok && err != nil:
			t.Errorf("%s refused: %v", day, err)
		case !ok && (!errors.As(err, &late) || late.Latest != "2026-12-26" || late.PickupDate != day):
			t.Errorf("%s: %v, want refused naming 2026-12-26", day, err)
		}
	}
}
