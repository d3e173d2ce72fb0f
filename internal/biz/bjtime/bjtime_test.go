package bjtime

import (
	"testing"
	"time"
)

// A Beijing day runs from 16:00 UTC to 16:00 UTC.
func TestDayTurnsAtBeijingMidnight(t *testing.T) {
	before := time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC)
	after := before.Add(time.Second)
	if Day(before) != "2026-11-30" || Day(after) != "2026-12-01" {
		t.Errorf("Day(%v) = %s, Day(%v) = %s", before, Day(before), after, Day(after))
	}
	if got := StartOfDay(after); !got.Equal(after) || got.Location() != Zone {
		t.Errorf("StartOfDay(%v) = %v", after, got)
	}
	if got, want := StartOfDay(before), time.Date(2026, 11, 29, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("StartOfDay(%v) = %v, want %v", before, got, want)
	}
}
