package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
)

// reasons gives each domain error its API error. Order matters only where errors wrap each other.
var reasons = []struct {
	err  error
	make func(format string, args ...any) *kerrors.Error
	msg  string
}{
	{identity.ErrLoginCodeInvalid, v1.ErrorLoginCodeInvalid, "wx.login code is invalid or expired: call wx.login again"},
	{identity.ErrLoginCodeUsed, v1.ErrorLoginCodeUsed, "wx.login code was already used: call wx.login again"},
	{identity.ErrPhoneCodeInvalid, v1.ErrorPhoneCodeInvalid, "phone-number code is invalid, used or expired"},
	{identity.ErrRefreshTokenReused, v1.ErrorRefreshTokenReused, "refresh token was already used: log in again"},
	{identity.ErrRefreshTokenInvalid, v1.ErrorRefreshTokenInvalid, "refresh token is invalid, expired or revoked: log in again"},
	{identity.ErrCredentialsInvalid, v1.ErrorCredentialsInvalid, "wrong username or password"},
	{identity.ErrAccountDisabled, v1.ErrorAccountDisabled, "account is disabled"},
	{leader.ErrNotServedArea, v1.ErrorAreaNotServed, "the location is not in a served grid"},
	{leader.ErrInviteNotFound, v1.ErrorInviteCodeInvalid, "the invite code does not exist or its leader does not serve"},
	{leader.ErrInviteCycle, v1.ErrorInviteCycle, "the invite code would make a recruiting cycle"},
	{leader.ErrLeaderNotServing, v1.ErrorLeaderNotServing, "the leader does not serve now: choose another"},
	{leader.ErrNoMovePending, v1.ErrorNoMovePending, "no pickup-point move is waiting for review"},
	{presale.ErrNotOpen, v1.ErrorBatchNotOpen, "the batch is not taking orders now"},
	{order.ErrNotInGrid, v1.ErrorBatchNotInGrid, "the batch is not sold in your leader's grid"},
	{order.ErrNoBoundLeader, v1.ErrorNoBoundLeader, "choose a pickup leader first"},
	{order.ErrKeyReused, v1.ErrorIdempotencyKeyReused, "the idempotency key was used for another order"},
	{order.ErrStockBusy, v1.ErrorUnavailable, "stock is being recounted: retry in a moment"},
	{order.ErrNotLoaded, v1.ErrorUnavailable, "stock is being recounted: retry in a moment"},
	{promo.ErrBudgetSpent, v1.ErrorCouponBudgetSpent, "none of these coupons are left"},
	{promo.ErrShopperLimit, v1.ErrorCouponLimitReached, "you hold as many of these coupons as one shopper may"},
	{promo.ErrNotIssuing, v1.ErrorCouponNotIssuing, "these coupons are not being issued now"},
	{bizerr.ErrNotFound, v1.ErrorNotFound, "not found"},
	{bizerr.ErrConflict, v1.ErrorConflict, "conflicts with the current state"},
	{bizerr.ErrRateLimited, v1.ErrorRateLimited, "too many requests: slow down and retry"},
	{bizerr.ErrUnavailable, v1.ErrorWechatUnavailable, "WeChat is unavailable: retry later"},
	// A day's WeChat Pay bill (reconciliation); wraps no bizerr kind.
	{payment.ErrBillNotReady, v1.ErrorBillNotReady, "WeChat Pay has no bills of the day yet (they are out after 10:00 the next day, Beijing time; a day without trades has none): reconcile again later"},
	// The pickup day and after-sales (none of these wraps a bizerr kind).
	{invite.ErrSelfInvite, v1.ErrorInvitationSelf, "a shopper cannot invite itself"},
	{invite.ErrNotNewShopper, v1.ErrorInvitationNotNewShopper, "only a shopper who has never paid for an order can be invited"},
	{invite.ErrOff, v1.ErrorInvitationsOff, "invitations are not offered"},
	{order.ErrPickupCode, v1.ErrorPickupCodeInvalid, "the pickup code is not valid at this pickup point, or was used"},
	{order.ErrAfterSalesOver, v1.ErrorAfterSalesClosed, "the after-sales window of this order has closed"},
}

// rebindError says which rule refused a change of leader and when the next change is allowed, in
// Beijing time as the shopper reads it.
func rebindError(e *leader.RebindError) *kerrors.Error {
	retry := int64(time.Until(e.NextAllowed).Round(time.Second) / time.Second)
	next := e.NextAllowed.In(bjtime.Zone).Format(time.RFC3339)
	return v1.ErrorRateLimited("once you have ordered, your leader can be changed once every %s: the current one was chosen at %s, "+
		"the next change is allowed at %s", shortDuration(e.Interval), e.BoundAt.In(bjtime.Zone).Format(time.RFC3339), next).
		WithMetadata(map[string]string{"retry_after_seconds": strconv.FormatInt(max(retry, 1), 10),
			"next_allowed_at": next})
}

// pickupTooLateError names the latest pickup date a batch may have and why.
func pickupTooLateError(e *presale.PickupTooLateError) *kerrors.Error {
	return v1.ErrorInvalidArgument("pickup_date: %s is too late for the commission to be paid; the latest allowed is %s "+
		"(WeChat Pay shares a payment only within %s of it, the earliest payment is at opens_at, and the after-sales "+
		"window of %s and a settlement margin of %s must pass after pickup)", e.PickupDate, e.Latest,
		shortDuration(e.Config.FreezeWindow), shortDuration(e.Config.AfterSalesWindow), shortDuration(e.Config.SettleMargin)).
		WithMetadata(map[string]string{"field": "pickup_date", "latest_pickup_date": e.Latest})
}

// shortDuration writes d without trailing zero units: 24h, 1h30m, 30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// toAPIError maps an error from biz to the API. Messages are fixed per reason, so internal
// details (SQL, upstream bodies) never reach a client; unknown errors become INTERNAL. The
// original error stays the API error's cause: the access log prints it (why WeChat was
// unavailable: no base URL, DNS, a 5xx), the reply never does.
func toAPIError(err error) error {
	if err == nil {
		return nil
	}
	return apiError(err).WithCause(err)
}

// apiError is the API error of err, without its cause.
func apiError(err error) *kerrors.Error {
	var locked *identity.LockedError
	if errors.As(err, &locked) {
		retry := int64(time.Until(locked.Until).Round(time.Second) / time.Second)
		return v1.ErrorAccountLocked("too many failed logins: try again later").
			WithMetadata(map[string]string{"retry_after_seconds": strconv.FormatInt(max(retry, 1), 10)})
	}
	if errors.Is(err, identity.ErrLoginBusy) {
		return v1.ErrorLoginBusy("too many logins in progress: retry in a moment").
			WithMetadata(map[string]string{"retry_after_seconds": "1"})
	}
	if errors.Is(err, promo.ErrBudgetBusy) || errors.Is(err, promo.ErrNotLoaded) {
		return v1.ErrorCouponBusy("the coupons are being recounted: retry in a moment").
			WithMetadata(map[string]string{"retry_after_seconds": "1"})
	}
	if e := eventsError(err); e != nil {
		return e
	}
	var rebind *leader.RebindError
	if errors.As(err, &rebind) {
		return rebindError(rebind)
	}
	var transition *lifecycle.TransitionError
	if errors.As(err, &transition) {
		return transitionError(transition)
	}
	var wording *catalog.WordingError
	if errors.As(err, &wording) {
		return v1.ErrorCopyNotAllowed("%s uses forbidden wording: %s", wording.Field, strings.Join(wording.Words, ", ")).
			WithMetadata(map[string]string{"field": wording.Field, "words": strings.Join(wording.Words, ",")})
	}
	if e := checkoutError(err); e != nil {
		return e
	}
	var registration *payment.RegistrationStateError
	if errors.As(err, &registration) {
		return v1.ErrorConflict("the receiver registration is %s: only a failed one can be retried", registration.State).
			WithMetadata(map[string]string{"state": string(registration.State)})
	}
	if errors.Is(err, payment.ErrRegistrationSuperseded) {
		return v1.ErrorConflict("the leader has a later receiver registration: this one can no longer be retried").
			WithMetadata(map[string]string{"state": string(payment.RegistrationFailed), "superseded": "true"})
	}
	var plan *commission.PlanError
	if errors.As(err, &plan) {
		return v1.ErrorPlanInvalid("%s", plan.Reason)
	}
	var late *presale.PickupTooLateError
	if errors.As(err, &late) {
		return pickupTooLateError(late)
	}
	var invalid *bizerr.InvalidError
	if errors.As(err, &invalid) {
		return v1.ErrorInvalidArgument("%s: %s", invalid.Field, invalid.Reason).
			WithMetadata(map[string]string{"field": invalid.Field})
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.make("%s", r.msg)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The server's own timeout ran out: an upstream or the database is slow. Logged as an
		// error (5xx), unlike a client that went away.
		return v1.ErrorTimeout("the request timed out: retry later")
	}
	if errors.Is(err, context.Canceled) {
		return kerrors.New(499, "CLIENT_CLOSED", "request cancelled")
	}
	return v1.ErrorInternal("internal error")
}

// checkoutError maps the refusals of checkout that carry details for the client, or is nil.
func checkoutError(err error) *kerrors.Error {
	var stock *order.StockError
	if errors.As(err, &stock) {
		meta := map[string]string{"item_id": strconv.FormatInt(stock.ItemID, 10)}
		if errors.Is(err, order.ErrLimitExceeded) {
			meta["limit"] = strconv.FormatInt(stock.Limit, 10)
			return v1.ErrorLimitExceeded("item %d: above the per-shopper limit", stock.ItemID).WithMetadata(meta)
		}
		return v1.ErrorSoldOut("item %d: not enough left", stock.ItemID).WithMetadata(meta)
	}
	var price *order.PriceError
	if errors.As(err, &price) {
		return v1.ErrorPriceChanged("item %d now costs %d fen", price.ItemID, price.Price).
			WithMetadata(map[string]string{"item_id": strconv.FormatInt(price.ItemID, 10),
				"price_fen": strconv.FormatInt(price.Price, 10)})
	}
	var amount *order.AmountError
	if errors.As(err, &amount) {
		return v1.ErrorPriceChanged("the order now costs %d fen, not %d", amount.Amount, amount.Expected).
			WithMetadata(map[string]string{"amount_fen": strconv.FormatInt(amount.Amount, 10),
				"expected_amount_fen": strconv.FormatInt(amount.Expected, 10)})
	}
	var coupon *promo.CouponError
	if errors.As(err, &coupon) {
		why := couponWhy[coupon.Err]
		if why == "" {
			why = "not_usable"
		}
		return v1.ErrorCouponNotApplicable("coupon %d cannot go on this order: %v", coupon.CouponID, coupon.Err).
			WithMetadata(map[string]string{"coupon_id": strconv.FormatInt(coupon.CouponID, 10), "why": why})
	}
	return nil
}

// couponWhy names why a coupon does not apply, for COUPON_NOT_APPLICABLE's metadata.
var couponWhy = map[error]string{
	promo.ErrCouponNotUsable:  "not_usable",
	promo.ErrBelowThreshold:   "below_threshold",
	promo.ErrOutOfScope:       "out_of_scope",
	promo.ErrLeaderCannotFund: "leader_cannot_fund",
}

// transitionError maps a move a life cycle refused. Every refusal is one error type; the reason
// stays the one each entity has always had (all 409), so clients keep telling a batch that
// moved on from an order that did; metadata names the entity and its state.
func transitionError(e *lifecycle.TransitionError) *kerrors.Error {
	meta := map[string]string{"entity": e.Entity, "state": e.From}
	var out *kerrors.Error
	switch e.Entity {
	case leader.Lifecycle.Entity():
		out = v1.ErrorLeaderStateConflict("the leader is %s; this action is not allowed", e.From)
	case presale.Lifecycle.Entity():
		out = v1.ErrorBatchStateConflict("the batch is %s: cannot %s", e.From, transitionAction(e))
	case order.Lifecycle.Entity():
		out = v1.ErrorOrderStateConflict("the order is %s: cannot %s", e.From, transitionAction(e))
	case order.AfterSaleLifecycle.Entity():
		out = v1.ErrorOrderStateConflict("the status of the order or the after-sales request does not allow this")
	default:
		out = v1.ErrorConflict("the %s is %s: cannot %s", e.Entity, e.From, transitionAction(e))
	}
	return out.WithMetadata(meta)
}

// transitionAction is what was refused: the action named, or the move.
func transitionAction(e *lifecycle.TransitionError) string {
	if e.Action != "" {
		return e.Action
	}
	return "move to " + e.To
}

// eventsError maps a refusal of a shopper's events, or is nil: which event and field, or when
// to send them again.
func eventsError(err error) *kerrors.Error {
	var bad *tracking.EventError
	if errors.As(err, &bad) {
		return v1.ErrorEventInvalid("events[%d].%s: %s", bad.Index, bad.Field, bad.Reason).
			WithMetadata(map[string]string{"index": strconv.Itoa(bad.Index), "field": bad.Field})
	}
	var rate *tracking.RateError
	if errors.As(err, &rate) {
		retry := int64(rate.RetryAfter.Round(time.Second) / time.Second)
		return v1.ErrorEventsRateLimited("too many events: keep them and send them again later").
			WithMetadata(map[string]string{"retry_after_seconds": strconv.FormatInt(max(retry, 1), 10)})
	}
	return nil
}
