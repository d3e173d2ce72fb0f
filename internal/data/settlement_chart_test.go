package data_test

import (
	"errors"
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
