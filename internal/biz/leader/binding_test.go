package leader

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// The switching rule: the daily limit binds only a shopper who has ordered, outside the first
// choice's grace period, while its leader still serves.
func TestLeaveRule(t *testing.T) {
	cfg := Config{RebindInterval: 24 * time.Hour, FirstChoiceGrace: 30 * time.Minute}
	bound := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		st      Standing
		after   time.Duration
		limited bool
	}{
		{"first choice, no order yet, an hour later", Standing{First: true, Serving: true}, time.Hour, false},
		{"a later choice, still no order", Standing{Serving: true}, time.Minute, false},
		{"first choice, ordered, within the grace", Standing{First: true, Ordered: true, Serving: true}, 29 * time.Minute, false},
		{"first choice, ordered, grace over", Standing{First: true, Ordered: true, Serving: true}, 30 * time.Minute, true},
		{"a switch, ordered, within what would be a grace", Standing{Ordered: true, Serving: true}, time.Minute, true},
		{"a switch, ordered, a day later", Standing{Ordered: true, Serving: true}, 24 * time.Hour, false},
		{"ordered, the leader stopped serving", Standing{Ordered: true}, time.Minute, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.BoundAt = bound
			err := cfg.leave(tt.st, bound.Add(tt.after))
			if !tt.limited {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var rebind *RebindError
			if !errors.Is(err, bizerr.ErrRateLimited) || !errors.As(err, &rebind) {
				t.Fatalf("err = %v, want a rate-limited RebindError", err)
			}
			if want := bound.Add(24 * time.Hour); !rebind.NextAllowed.Equal(want) || !rebind.BoundAt.Equal(bound) ||
				rebind.Interval != 24*time.Hour {
				t.Fatalf("refusal %+v, want next allowed at %s", rebind, want)
			}
		})
	}
}
