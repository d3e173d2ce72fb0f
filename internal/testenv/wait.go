package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond every 5 ms until it holds, and fails tb when it has not within within.
// It is for what another goroutine or process does in its own time: a message arriving, a
// subscription coming back.
func Eventually(tb testing.TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
