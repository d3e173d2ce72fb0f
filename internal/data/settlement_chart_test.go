package data_test

import (
	"database/sql"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// SettledByDay sums a run's successful shares on the Beijing day they finished, per level, to
// the run's own summary; the days around it hold none, and a backwards period is refused.
func TestSettledByDayMatchesTheRun(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 3, nil)
	for i := range 12 {
		e.complete(t, e.paidOrder(t, e.leaders[i%len(e.leaders)], 1+int64(i%3), 1000, 0))
	}
	uc := e.usecase()
	v := e.settle(t, uc)
	if v.Summary.Amount == 0 {
		t.Fatalf("the run paid nothing: %+v", v.Summary)
	}
	var finished time.Time
	for _, it := range e.items(t, v.ID) {
		for _, s := range it.Shares {
			if s.FinishedAt.After(finished) {
				finished = s.FinishedAt
			}
		}
	}
	day := bjtime.StartOfDay(finished)
	rows, err := uc.SettledByDay(t.Context(), day.AddDate(0, 0, -3).Format(time.DateOnly), day.AddDate(0, 0, 3).Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]int64{}
	for _, r := range rows {
		if r.Day != day.Format(time.DateOnly) {
			t.Errorf("settled on %s, but every share finished on %s", r.Day, day.Format(time.DateOnly))
		}
		got[r.Level] += r.Amount
	}
	if len(got) != len(v.Summary.ByLevel) {
		t.Fatalf("by level %v, the run's summary %v", got, v.Summary.ByLevel)
	}
	for l, a := range v.Summary.ByLevel {
		if got[l] != a {
			t.Errorf("level %d: %d fen by day, %d in the run's summary", l, got[l], a)
		}
	}
	before, err := uc.SettledByDay(t.Context(), day.AddDate(0, 0, -3).Format(time.DateOnly), day.Format(time.DateOnly))
	if err != nil || len(before) != 0 {
		t.Errorf("the days before: %v, %v", before, err)
	}
	var invalid *bizerr.InvalidError
	if _, err := uc.SettledByDay(t.Context(), "2026-12-02", "2026-12-01"); !errors.As(err, &invalid) || invalid.Field != "to" {
		t.Errorf("a backwards period: %v", err)
	}
}

// A closed day is summed once and kept in settlement_days, the days without shares too: later
// reads take the kept sums even if the shares were to change, while a day still open is summed
// live from the shares each time.
func TestSettledByDayKeepsClosedDays(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 3, nil)
	for i := range 6 {
		e.complete(t, e.paidOrder(t, e.leaders[i%len(e.leaders)], 1+int64(i%3), 1000, 0))
	}
	v := e.settle(t, e.usecase())
	ctx := t.Context()
	var finished time.Time
	for _, it := range e.items(t, v.ID) {
		finished = it.Shares[0].FinishedAt
	}
	day := bjtime.StartOfDay(finished)
	from, to, closed := day.AddDate(0, 0, -2), day.AddDate(0, 0, 2), day.AddDate(0, 0, 1)
	sum := func(closedBefore time.Time) map[int]int64 {
		t.Helper()
		rows, err := e.store.SettledByDay(ctx, from, to, closedBefore)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]int64{}
		for _, r := range rows {
			got[r.Level] += r.Amount
		}
		return got
	}
	if got := sum(closed); !maps.Equal(got, v.Summary.ByLevel) {
		t.Fatalf("closed day: %v, the run's summary %v", got, v.Summary.ByLevel)
	}
	kept := map[string]string{}
	err := e.stack.db.Query(ctx, `SELECT day, amounts::text FROM settlement_days`, nil, func(r *sql.Rows) error {
		var d, a string
		err := r.Scan(&d, &a)
		kept[d] = a
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3 || kept[day.AddDate(0, 0, -1).Format(time.DateOnly)] != "{}" || kept[day.Format(time.DateOnly)] == "{}" {
		t.Fatalf("kept days %v: want the two before %s and that day", kept, day.Format(time.DateOnly))
	}
	shares := int64(e.count(`SELECT count(*) FROM settlement_shares WHERE result = 'success'`))
	e.exec(`UPDATE settlement_shares SET amount = amount + 1 WHERE result = 'success'`)
	if got := sum(closed); !maps.Equal(got, v.Summary.ByLevel) {
		t.Errorf("a kept day read again: %v, want %v as kept", got, v.Summary.ByLevel)
	}
	var total, live int64
	for l, a := range sum(day) {
		live += a
		total += v.Summary.ByLevel[l]
	}
	if live != total+shares {
		t.Errorf("the day open: %d fen, want %d live (%d shares one fen more)", live, total+shares, shares)
	}
}
