package passhash

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Of many callers at most Size hold a slot at once, counted inside the slot; every caller gets
// one in the end, and one whose context ends while it waits gets ErrBusy.
func TestLimiterBoundsConcurrentChecks(t *testing.T) {
	l := NewLimiter(2)
	var inside, peak atomic.Int32
	entered := make(chan struct{}, 24)
	leave := make(chan struct{})
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			release, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			n := inside.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			entered <- struct{}{}
			<-leave
			inside.Add(-1)
		})
	}
	<-entered
	<-entered // two callers hold the slots; the 22 others wait
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(20*time.Millisecond))
	defer cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a third caller past its deadline: %v, want ErrBusy", err)
	}
	close(leave)
	wg.Wait()
	if got := peak.Load(); got != 2 {
		t.Errorf("%d checks ran at once, want at most (and here exactly) 2", got)
	}
	if len(entered) != 22 {
		t.Errorf("%d of the 22 waiting callers got a slot", len(entered))
	}
}

func TestLimiterSize(t *testing.T) {
	if got := NewLimiter(0).Size(); got != 1 {
		t.Errorf("NewLimiter(0).Size() = %d, want 1", got)
	}
}
