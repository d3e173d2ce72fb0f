// Package bjtime is Beijing time, the one zone of this service's calendar days: batches' pickup
// dates, statement months and report periods, WeChat Pay's times and bill days, shipping uploads.
package bjtime

import (
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Zone is Beijing time, UTC+8 without daylight saving.
var Zone = time.FixedZone("CST", 8*3600)

// Day is t's Beijing calendar day, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// StartOfDay is midnight, Beijing time, at the start of t's Beijing calendar day.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// Period reads the Beijing days [from, to) ("YYYY-MM-DD", to exclusive) of a report of at most
// maxDays days: the start of from and of to, or a bizerr.InvalidError naming the field at fault.
func Period(from, to string, maxDays int) (time.Time, time.Time, error) {
	f, err := time.ParseInLocation(time.DateOnly, from, Zone)
	if err != nil {
		return f, f, bizerr.Invalid("from", "must be a date YYYY-MM-DD")
	}
	t, err := time.ParseInLocation(time.DateOnly, to, Zone)
	switch {
	case err != nil:
		return f, t, bizerr.Invalid("to", "must be a date YYYY-MM-DD")
	case !t.After(f):
		return f, t, bizerr.Invalid("to", "must be after from (to is exclusive)")
	case t.After(f.AddDate(0, 0, maxDays)):
		return f, t, bizerr.Invalid("to", fmt.Sprintf("the period is at most %d days", maxDays))
	}
	return f, t, nil
}
