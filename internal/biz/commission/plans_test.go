package commission

import (
	"testing"
	"time"
)

func TestPlanStartsFromNowToAYearAhead(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		from time.Time
		ok   bool
	}{
		{"now", now, true},
		{"a moment ago", now.Add(-30 * time.Second), true},
		{"next month", now.AddDate(0, 1, 0), true},
		{"an hour ago", now.Add(-time.Hour), false},
		{"1970", time.Unix(0, 0), false},
		{"in two years", now.AddDate(2, 0, 0), false},
		{"year 9999", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		if err := checkEffectiveFrom(c.from, now); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
