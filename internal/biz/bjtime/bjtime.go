// Package bjtime is Beijing time, the one zone of this service's calendar days: batches' pickup
// dates, statement months and report periods, WeChat Pay's times and bill days, shipping uploads.
package bjtime

import "time"

// Zone is Beijing time, UTC+8 without daylight saving.
var Zone = time.FixedZone("CST", 8*3600)

// Day is t's Beijing calendar day, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// StartOfDay is midnight, Beijing time, at the start of t's Beijing calendar day.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}
