package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
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
		// One error type for every refused move; each entity keeps the reason it always had.
		{leader.Lifecycle.Check(leader.StatusRemoved, leader.StatusApproved), v1.ErrorReason_LEADER_STATE_CONFLICT, 409, "removed"},
		{fmt.Errorf("lock: %w", presale.Lifecycle.Refuse(presale.Open, "dispatch")), v1.ErrorReason_BATCH_STATE_CONFLICT, 409, "open"},
		{order.Lifecycle.Refuse(order.Refunded, "cancel"), v1.ErrorReason_ORDER_STATE_CONFLICT, 409, "refunded"},
		{order.AfterSaleLifecycle.Refuse(order.AfterSaleRefunded, "review it again"), v1.ErrorReason_ORDER_STATE_CONFLICT, 409, "refunded"},
		{fmt.Errorf("template 3: amount budget: %w", promo.ErrBudgetSpent), v1.ErrorReason_COUPON_BUDGET_SPENT, 409, ""},
		{fmt.Errorf("template 3: %w", promo.ErrShopperLimit), v1.ErrorReason_COUPON_LIMIT_REACHED, 409, ""},
		{fmt.Errorf("template 3: %w", promo.ErrNotIssuing), v1.ErrorReason_COUPON_NOT_ISSUING, 409, ""},
		{fmt.Errorf("template 3: %w", promo.ErrBudgetBusy), v1.ErrorReason_COUPON_BUSY, 503, ""},
		{fmt.Errorf("claim: %w", promo.ErrNotLoaded), v1.ErrorReason_COUPON_BUSY, 503, ""},
		{promo.TemplateLifecycle.Refuse(promo.TemplateEnded, "edit"), v1.ErrorReason_CONFLICT, 409, "ended"},
	} {
		e := kerrors.FromError(toAPIError(c.err))
		if e.Reason != c.reason.String() || e.Code != c.code || e.Metadata["state"] != c.state {
			t.Errorf("%v → %s %d %v, want %s %d state %q", c.err, e.Reason, e.Code, e.Metadata, c.reason, c.code, c.state)
		}
	}
}

// A fixed-reason error keeps what went wrong as its cause, for the log: WECHAT_UNAVAILABLE says
// the same to the client whether the base URL is unset, DNS failed or WeChat answered 5xx.
func TestAPIErrorsKeepTheirCause(t *testing.T) {
	for _, cause := range []error{
		fmt.Errorf("code2session: dial tcp: lookup api.weixin.qq.com: no such host: %w", bizerr.ErrUnavailable),
		fmt.Errorf("load order 7: %w", bizerr.ErrNotFound),
		leader.Lifecycle.Refuse(leader.StatusRemoved, "invite"),
		errors.New("pq: relation \"orders\" does not exist"),
	} {
		e := kerrors.FromError(toAPIError(cause))
		if !errors.Is(e.Unwrap(), cause) {
			t.Errorf("%s: cause %v, want %v", e.Reason, e.Unwrap(), cause)
		}
		if strings.Contains(e.Message, "no such host") || strings.Contains(e.Message, "relation") {
			t.Errorf("%s: message %q reveals the cause", e.Reason, e.Message)
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

// The messages of refused moves read as they did before every entity shared one error type.
func TestTransitionMessages(t *testing.T) {
	for err, want := range map[error]string{
		presale.Lifecycle.Refuse(presale.Open, "dispatch"):      "the batch is open: cannot dispatch",
		order.Lifecycle.Refuse(order.Paid, "pay"):               "the order is paid: cannot pay",
		leader.Lifecycle.Check(leader.StatusPending, "removed"): "the leader is pending; this action is not allowed",
	} {
		if got := kerrors.FromError(toAPIError(err)).Message; got != want {
			t.Errorf("%v → %q, want %q", err, got, want)
		}
	}
}

// A coupon that cannot go on an order is 422 COUPON_NOT_APPLICABLE naming the coupon and why;
// a payable that moved since the quote is PRICE_CHANGED with the payable now.
func TestCouponAndAmountErrors(t *testing.T) {
	for why, cause := range map[string]error{"not_usable": promo.ErrCouponNotUsable, "below_threshold": promo.ErrBelowThreshold,
		"out_of_scope": promo.ErrOutOfScope, "leader_cannot_fund": promo.ErrLeaderCannotFund} {
		e := kerrors.FromError(toAPIError(fmt.Errorf("place: %w", &promo.CouponError{CouponID: 9, Err: cause})))
		if e.Reason != v1.ErrorReason_COUPON_NOT_APPLICABLE.String() || e.Code != 422 || e.Metadata["why"] != why ||
			e.Metadata["coupon_id"] != "9" {
			t.Errorf("%v → %s %d %v", cause, e.Reason, e.Code, e.Metadata)
		}
	}
	e := kerrors.FromError(toAPIError(&order.AmountError{Expected: 1000, Amount: 990}))
	if e.Reason != v1.ErrorReason_PRICE_CHANGED.String() || e.Code != 409 || e.Metadata["amount_fen"] != "990" {
		t.Errorf("amount changed → %s %d %v", e.Reason, e.Code, e.Metadata)
	}
}

func TestEventErrorsNameTheEventOrWhenToRetry(t *testing.T) {
	e := kerrors.FromError(toAPIError(fmt.Errorf("record: %w", &tracking.EventError{Index: 3, Field: "share_key", Reason: "required for share"})))
	if e.Reason != v1.ErrorReason_EVENT_INVALID.String() || e.Code != 400 || e.Metadata["index"] != "3" ||
		e.Metadata["field"] != "share_key" || !strings.Contains(e.Message, "events[3].share_key") {
		t.Errorf("event error → %s %d %v %q", e.Reason, e.Code, e.Metadata, e.Message)
	}
	e = kerrors.FromError(toAPIError(&tracking.RateError{UserID: 1, Limit: 600, Window: time.Minute, RetryAfter: 12400 * time.Millisecond}))
	if e.Reason != v1.ErrorReason_EVENTS_RATE_LIMITED.String() || e.Code != 429 || e.Metadata["retry_after_seconds"] != "12" {
		t.Errorf("rate error → %s %d %v", e.Reason, e.Code, e.Metadata)
	}
}
