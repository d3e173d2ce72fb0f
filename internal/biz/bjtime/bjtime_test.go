package bjtime

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
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

func TestPeriodNamesTheFieldAtFault(t *testing.T) {
	f, to, err := Period("2026-03-01", "2026-04-01", 366)
	if err != nil || !f.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, Zone)) || !to.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, Zone)) {
		t.Fatalf("Period = %v %v %v", f, to, err)
	}
	for _, c := range []struct{ from, to, field string }{
		{"2026-3-1", "2026-04-01", "from"},
		{"2026-03-01", "tomorrow", "to"},
		{"2026-03-01", "2026-03-01", "to"},
		{"2026-03-01", "2027-03-03", "to"},
	} {
		var inv *bizerr.InvalidError
		if _, _, err := Period(c.from, c.to, 366); !errors.As(err, &inv) || inv.Field != c.field {
			t.Errorf("Period(%s, %s) = %v, want invalid %s", c.from, c.to, err, c.field)
		}
	}
}
