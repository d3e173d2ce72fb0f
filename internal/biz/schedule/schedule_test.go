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

func TestConfigDefaultsAndLimits(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.At != DefaultAt || c.CatchUp != DefaultCatchUp || c.Poll != DefaultPoll || c.Lease != DefaultLease || c.RetryAfter != DefaultRetryAfter {
		t.Fatalf("defaults %+v", c)
	}
	if err := (Config{At: 24 * time.Hour}).Validate(); err == nil {
		t.Fatal("at 24h accepted")
	}
}
