package wxretry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

func TestTransient(t *testing.T) {
	refused := errors.New("INVALID_REQUEST: 商户订单号重复")
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"unavailable (SYSTEM_ERROR, 5xx, no connection)", fmt.Errorf("wechat pay prepay: %w", bizerr.ErrUnavailable), true},
		{"rate limited (FREQUENCY_LIMITED, 429)", fmt.Errorf("wechat pay add receiver: %w", bizerr.ErrRateLimited), true},
		{"timed out", fmt.Errorf("post: %w", context.DeadlineExceeded), true},
		{"cancelled", context.Canceled, true},
		{"a business refusal", refused, false},
		{"a conflict", fmt.Errorf("%w: reused", bizerr.ErrConflict), false},
		{"not found", bizerr.ErrNotFound, false},
		{"no error", nil, false},
	} {
		if got := Transient(c.err); got != c.want {
			t.Errorf("%s: Transient(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	const s = time.Second
	for _, c := range []struct {
		name    string
		b       Backoff
		attempt int
		want    time.Duration
	}{
		{"first attempt waits the base", Backoff{10 * s, time.Hour}, 1, 10 * s},
		{"attempt 0 counts as the first", Backoff{10 * s, time.Hour}, 0, 10 * s},
		{"doubles", Backoff{10 * s, time.Hour}, 2, 20 * s},
		{"doubles again", Backoff{10 * s, time.Hour}, 4, 80 * s},
		{"stops at the cap", Backoff{10 * s, time.Hour}, 50, time.Hour},
		{"a cap under the next doubling", Backoff{10 * s, 15 * s}, 3, 15 * s},
		{"a cap under the base", Backoff{10 * s, 5 * s}, 1, 5 * s},
		{"no base waits the cap", Backoff{0, 2 * s}, 1, 2 * s},
		{"no cap waits nothing", Backoff{s, 0}, 3, 0},
		{"in-call: 200 ms doubling to 2 s", Backoff{200 * time.Millisecond, 2 * s}, 4, 1600 * time.Millisecond},
		{"in-call, capped", Backoff{200 * time.Millisecond, 2 * s}, 5, 2 * s},
	} {
		if got := c.b.Delay(c.attempt); got != c.want {
			t.Errorf("%s: %+v.Delay(%d) = %v, want %v", c.name, c.b, c.attempt, got, c.want)
		}
	}
}

func TestBackoffJitteredStaysUnderTheDelay(t *testing.T) {
	b := Backoff{Base: 200 * time.Millisecond, Max: 2 * time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		ceiling := b.Delay(attempt)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := b.Jittered(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("Jittered(%d) = %v, outside [0, %v]", attempt, d, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("Jittered(%d) gave %v every time: no jitter", attempt, seen)
		}
	}
	if d := (Backoff{Base: time.Second}).Jittered(3); d != 0 {
		t.Errorf("Jittered with no cap = %v, want 0", d)
	}
}

func TestRateLimitsAreNotRetriedWithinTheCall(t *testing.T) {
	limited := fmt.Errorf("wechat pay request sharing: %w", bizerr.ErrRateLimited)
	if !Transient(limited) || RetryWithinCall(limited) {
		t.Errorf("rate limited: transient %v, retried within the call %v; want true, false",
			Transient(limited), RetryWithinCall(limited))
	}
	down := fmt.Errorf("wechat pay query: %w", bizerr.ErrUnavailable)
	if !RetryWithinCall(down) {
		t.Error("unavailable is not retried within the call")
	}
	if RetryWithinCall(fmt.Errorf("refused: %w", bizerr.ErrConflict)) {
		t.Error("a business refusal is retried within the call")
	}
}
