package schedule

import (
	"slices"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

func TestDueDaysStartAtTheConfiguredBeijingTime(t *testing.T) {
	at := 2 * time.Hour
	for _, c := range []struct {
		name string
		now  time.Time
		want []string
	}{
		// 01:59 Beijing on the 7th: the 6th is not due yet.
		{"before", time.Date(2026, 12, 7, 1, 59, 0, 0, bjtime.Zone), []string{"2026-12-03", "2026-12-04", "2026-12-05"}},
		{"at", time.Date(2026, 12, 7, 2, 0, 0, 0, bjtime.Zone), []string{"2026-12-04", "2026-12-05", "2026-12-06"}},
		// 17:30 UTC on the 6th is 01:30 Beijing on the 7th.
		{"utc clock", time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC), []string{"2026-12-03", "2026-12-04", "2026-12-05"}},
		// Across a month's end.
		{"new month", time.Date(2027, 1, 1, 23, 0, 0, 0, bjtime.Zone), []string{"2026-12-29", "2026-12-30", "2026-12-31"}},
	} {
		if got := DueDays(c.now, at, 3); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Midnight is a time like any other: at 00:00 the day before is due as soon as the Beijing day
// turns (16:00 UTC), not at a default hour.
func TestDueDaysAtMidnight(t *testing.T) {
	cfg := Config{At: 0}.WithDefaults()
	if cfg.At != 0 {
		t.Fatalf("at midnight became %s", cfg.At)
	}
	now := time.Date(2026, 12, 7, 16, 8, 0, 0, time.UTC) // 00:08 Beijing on the 8th
	if got := DueDays(now, cfg.At, 2); !slices.Equal(got, []string{"2026-12-06", "2026-12-07"}) {
		t.Errorf("due at 00:08 Beijing: %v", got)
	}
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.At != 0 || c.CatchUp != DefaultCatchUp || c.Poll != DefaultPoll || c.Lease != DefaultLease || c.RetryAfter != DefaultRetryAfter {
		t.Fatalf("defaults %+v", c)
	}
	for _, at := range []time.Duration{24 * time.Hour, -time.Minute} {
		if err := (Config{At: at}).Validate(); err == nil {
			t.Fatalf("at %s accepted", at)
		}
	}
}
