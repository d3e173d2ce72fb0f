package leader

import (
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// The review state machine allows exactly these moves; every other is refused.
func TestReviewTransitions(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[Status][]Status{
		StatusPending:   {StatusApproved, StatusRejected},
		StatusApproved:  {StatusSuspended, StatusRemoved},
		StatusSuspended: {StatusApproved, StatusRemoved},
		StatusRejected:  {StatusPending},
	}); len(bad) > 0 {
		t.Errorf("leader life cycle: %v", bad)
	}
	if err := Lifecycle.Refuse(StatusRemoved, "invite"); !errors.Is(err, lifecycle.ErrRefused) {
		t.Errorf("a refusal is not lifecycle.ErrRefused")
	}
}

func TestServingNeedsApprovalAndNoPause(t *testing.T) {
	for _, tt := range []struct {
		l    Leader
		want bool
	}{
		{Leader{Status: StatusApproved}, true},
		{Leader{Status: StatusApproved, Paused: true}, false},
		{Leader{Status: StatusSuspended}, false},
		{Leader{Status: StatusPending}, false},
	} {
		if got := tt.l.Serving(); got != tt.want {
			t.Errorf("%+v serving = %v", tt.l, got)
		}
	}
}

func TestOpeningHours(t *testing.T) {
	for _, ok := range []string{"08:00-20:00", "08:00-12:00,15:00-20:30", "00:00-24:00", "06:00-07:00, 08:00-09:00"} {
		if err := CheckOpeningHours(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "8:00-20:00", "20:00-08:00", "08:00-08:00", "08:00", "25:00-26:00",
		"08:60-09:00", "24:30-24:45", "a-b", "01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00"} {
		var invalid *bizerr.InvalidError
		if err := CheckOpeningHours(bad); !errors.As(err, &invalid) || invalid.Field != "opening_hours" {
			t.Errorf("%q: %v, want an invalid opening_hours", bad, err)
		}
	}
}

func TestInviteCodesAreShortUnambiguousAndVaried(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		code, err := newInviteCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != 8 {
			t.Fatalf("code %q is not 8 symbols", code)
		}
		for _, c := range code {
			if c == 'I' || c == 'L' || c == 'O' || c == 'U' {
				t.Fatalf("code %q has an ambiguous symbol", code)
			}
		}
		seen[code] = true
	}
	if len(seen) < 999 {
		t.Fatalf("only %d distinct codes in 1000", len(seen))
	}
}
