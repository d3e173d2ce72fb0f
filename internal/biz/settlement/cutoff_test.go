package settlement

import (
	"testing"
	"time"
)

func TestCutoffLiesBetweenTheServiceStartAndNow(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		cutoff time.Time
		ok     bool
	}{
		{"now", now, true},
		{"last month", now.AddDate(0, -1, 0), true},
		{"in a minute", now.Add(time.Minute), false},
		{"1970", time.Unix(0, 0), false},
		{"1999", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), false},
	} {
		if err := checkCutoff(c.cutoff, now); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
