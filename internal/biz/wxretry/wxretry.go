// Package wxretry is the one retry policy of calls to WeChat (payments, refunds,
// profit-sharing, receiver registrations, shipping uploads): which failures a later attempt of
// the same request may get past, and how long to wait before it.
//
// The adapters in internal/data map WeChat's answers into the classification of bizerr:
// SYSTEM_ERROR, BANKERROR and any 5xx into bizerr.ErrUnavailable, FREQUENCY_LIMITED,
// RATELIMIT_EXCEED and 429 into bizerr.ErrRateLimited, no answer at all (a connection error, a
// timeout) into bizerr.ErrUnavailable or the context's error. Transient reads that.
package wxretry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Transient reports whether a later attempt of the same request may succeed: WeChat was
// unavailable or rate limiting, or no answer came in time. A business refusal is not transient.
func Transient(err error) bool {
	return errors.Is(err, bizerr.ErrUnavailable) || errors.Is(err, bizerr.ErrRateLimited) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// RetryWithinCall reports whether a call may try the same request again before returning: only
// when WeChat was unavailable or did not answer. A rate-limited answer is returned at once:
// asking again straight away is what the limit refuses, so the caller's queue retries it after
// its back-off, and settlement slows the whole merchant down (internal/biz/pace).
func RetryWithinCall(err error) bool {
	return Transient(err) && !errors.Is(err, bizerr.ErrRateLimited)
}

// Backoff is capped exponential back-off: Base after the first failed attempt, doubling with
// each one after, never more than Max. Callers differ only in Base and Max: a call retried
// within one request waits milliseconds, a queued job retried by a worker waits seconds to an
// hour.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay is the wait after attempt failed attempts (1 for the first; less counts as 1). A Base
// of zero or less waits Max.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	if d <= 0 {
		return max(b.Max, 0)
	}
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return max(min(d, b.Max), 0)
}

// Jittered is Delay with full jitter: uniform in [0, Delay(attempt)], so that many callers
// failing at once do not come back at once. For waits inside one call; a worker's due time is
// Delay, as its queue already spreads the load.
func (b Backoff) Jittered(attempt int) time.Duration {
	d := b.Delay(attempt)
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1) //nolint:gosec // jitter, not security
}
