package wxsim

import (
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// beijingTime is t in WeChat Pay's time zone: its times are written with +08:00 and its bill
// days start at midnight there.
func beijingTime(t time.Time) time.Time { return t.In(bjtime.Zone) }

// wechatTime formats t as WeChat Pay writes times (RFC 3339 to the second, +08:00).
func wechatTime(t time.Time) string { return beijingTime(t).Format(time.RFC3339) }

// optionalTime is wechatTime, or "" for the zero time so `omitempty` drops the field.
func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return wechatTime(t)
}

// Now is the simulator's time: Config.Now (or the wall clock) moved by AdvanceClock.
func (s *Simulator) Now() time.Time { return s.now() }

// AdvanceClock moves the simulator's time forward by d (not backward: WeChat's time does not go
// back). Everything that waits for simulated time (refund and profit-sharing delays, the
// sharing window, bill availability, code and token lifetimes) sees the move at once. Signature
// timestamps stay on the wall clock, because the SDK checks them against time.Now.
func (s *Simulator) AdvanceClock(d time.Duration) {
	if d <= 0 {
		return
	}
	s.clockOffset.Add(int64(d))
	s.pay.settleDue()
}
