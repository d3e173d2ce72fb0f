package wxsim

import (
	"testing"
	"time"
)

// The window admits a call when fewer than the limit were admitted in the second before it:
// at most limit calls in any one-second span, refused calls not counted.
func TestSlidingWindowAdmitsAtMostTheLimitInAnySecond(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
	w := newSlidingWindow(2)
	for _, step := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{500 * time.Millisecond, true},
		{900 * time.Millisecond, false},  // 0 and 0.5 are within the second before
		{999 * time.Millisecond, false},  // still
		{time.Second, true},              // 0 has left the window
		{1200 * time.Millisecond, false}, // 0.5 and 1.0 are within it
		{1500 * time.Millisecond, true},  // 0.5 has left
		{1500 * time.Millisecond, false}, // 1.0 and 1.5
		{3 * time.Second, true},
		{3 * time.Second, true},
		{3 * time.Second, false},
	} {
		if got := w.admit(t0.Add(step.at)); got != step.want {
			t.Fatalf("call at +%v admitted = %v, want %v", step.at, got, step.want)
		}
	}
}

// A limit changed at runtime starts every merchant's window of the operation afresh and leaves
// other operations' windows alone.
func TestRateLimiterSetStartsTheWindowAfresh(t *testing.T) {
	now := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
	l := newRateLimiter(map[string]int{OpSharingCreateOrder: 1, OpSharingQueryOrder: 1})
	for _, op := range []string{OpSharingCreateOrder, OpSharingQueryOrder} {
		if l.refuse(op, "m1", now) != 0 || l.refuse(op, "m1", now) != 1 {
			t.Fatalf("%s: a limit of 1 admitted other than one call", op)
		}
	}
	l.set(OpSharingCreateOrder, 2)
	if l.refuse(OpSharingCreateOrder, "m1", now) != 0 || l.refuse(OpSharingCreateOrder, "m1", now) != 0 ||
		l.refuse(OpSharingCreateOrder, "m1", now) != 2 {
		t.Error("after raising the limit to 2 the window did not admit exactly 2")
	}
	if l.refuse(OpSharingQueryOrder, "m1", now) != 1 {
		t.Error("changing one operation's limit cleared another's window")
	}
	if _, limited := l.snapshot(); limited[OpSharingCreateOrder].Count != 2 || limited[OpSharingQueryOrder].Count != 2 {
		t.Errorf("refusals recorded: %+v", limited)
	}
}
