package service

import (
	"context"
	"fmt"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

func TestErrorReasons(t *testing.T) {
	for _, c := range []struct {
		err    error
		reason v1.ErrorReason
		code   int32
		state  string
	}{
		{fmt.Errorf("query: %w", context.DeadlineExceeded), v1.ErrorReason_TIMEOUT, 504, ""},
		{&payment.RegistrationStateError{ID: 1, State: payment.RegistrationDone}, v1.ErrorReason_CONFLICT, 409, "done"},
		{fmt.Errorf("retry: %w", payment.ErrRegistrationSuperseded), v1.ErrorReason_CONFLICT, 409, "failed"},
		{fmt.Errorf("reconcile 2026-05-01: %w", payment.ErrBillNotReady), v1.ErrorReason_BILL_NOT_READY, 409, ""},
	} {
		e := kerrors.FromError(toAPIError(c.err))
		if e.Reason != c.reason.String() || e.Code != c.code || e.Metadata["state"] != c.state {
			t.Errorf("%v → %s %d %v, want %s %d state %q", c.err, e.Reason, e.Code, e.Metadata, c.reason, c.code, c.state)
		}
	}
}

// A refused change of leader says which rule applies and when the next change is allowed.
func TestRebindErrorSaysWhenAndWhy(t *testing.T) {
	bound := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	err := fmt.Errorf("%w: %w", bizerr.ErrRateLimited,
		&leader.RebindError{BoundAt: bound, NextAllowed: bound.Add(24 * time.Hour), Interval: 24 * time.Hour})
	e := kerrors.FromError(toAPIError(err))
	want := "once you have ordered, your leader can be changed once every 24h: the current one was chosen at " +
		"2026-12-07T10:00:00+08:00, the next change is allowed at 2026-12-08T10:00:00+08:00"
	if e.Code != 429 || e.Reason != v1.ErrorReason_RATE_LIMITED.String() || e.Message != want ||
		e.Metadata["next_allowed_at"] != "2026-12-08T10:00:00+08:00" || e.Metadata["retry_after_seconds"] == "" {
		t.Fatalf("got %d %s %q %v", e.Code, e.Reason, e.Message, e.Metadata)
	}
}
