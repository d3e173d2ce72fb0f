package event

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	want := []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for attempts, w := range want {
		if got := backoff(attempts); got != w {
			t.Errorf("backoff(%d) = %v, want %v", attempts, got, w)
		}
	}
	if got := backoff(40); got != maxBackoff {
		t.Errorf("backoff(40) = %v, want the cap %v", got, maxBackoff)
	}
}
