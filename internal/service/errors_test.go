package service

import (
	"context"
	"fmt"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
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

// A login that found no free password check is the server at capacity (503), not the caller
// going too fast: RATE_LIMITED keeps its 429 everywhere.
func TestLoginBusyIsUnavailableNotRateLimited(t *testing.T) {
	busy := kerrors.FromError(toAPIError(fmt.Errorf("%w: %w", identity.ErrLoginBusy, context.DeadlineExceeded)))
	if busy.Reason != v1.ErrorReason_LOGIN_BUSY.String() || busy.Code != 503 || busy.Metadata["retry_after_seconds"] == "" {
		t.Errorf("busy login → %s %d %v, want LOGIN_BUSY 503 with retry_after_seconds", busy.Reason, busy.Code, busy.Metadata)
	}
	limited := kerrors.FromError(toAPIError(fmt.Errorf("verify: %w", bizerr.ErrRateLimited)))
	if !v1.IsRateLimited(limited) {
		t.Errorf("rate limited → %s %d, want RATE_LIMITED 429", limited.Reason, limited.Code)
	}
}
