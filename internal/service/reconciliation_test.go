package service

import (
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

func TestReconciliationDay(t *testing.T) {
	// 2026-05-10 01:30 in Beijing is still 2026-05-09 in UTC.
	now := time.Date(2026, 5, 9, 17, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		day string
		ok  bool
	}{
		{"2026-05-10", true},  // Beijing's today: allowed (its bills are simply not out yet)
		{"2026-05-09", true},  // yesterday
		{"2026-02-10", true},  // three months back
		{"2026-05-11", false}, // the future in Beijing
		{"2026-02-09", false}, // more than three months back
		{"2026-02-30", false}, // not a date
		{"101", false},
	} {
		d, err := reconcile.ParseDay(c.day, now)
		if c.ok {
			if err != nil || d.In(bjtime.Zone).Format(time.DateOnly) != c.day || d.In(bjtime.Zone).Hour() != 0 {
				t.Errorf("%s: %v %v", c.day, d, err)
			}
			continue
		}
		e := kerrors.FromError(toAPIError(err))
		if e.Reason != v1.ErrorReason_INVALID_ARGUMENT.String() || e.Code != 400 || e.Metadata["field"] != "day" {
			t.Errorf("%s: %v → %s %d", c.day, err, e.Reason, e.Code)
		}
	}
}
