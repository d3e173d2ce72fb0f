package sqldb_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Calls that arrive while a read runs share the next one: 400 concurrent calls through one
// runner take far fewer reads than calls, each call gets its own key's value, a key the read
// does not find is reported missing, and no read holds more keys than a batch allows.
func TestCoalescerBatchesConcurrentCalls(t *testing.T) {
	var reads, widest atomic.Int64
	c := sqldb.NewCoalescer(50, 1, func(ctx context.Context, keys []int) (map[int]string, error) {
		reads.Add(1)
		if n := int64(len(keys)); n > widest.Load() {
			widest.Store(n)
		}
		time.Sleep(2 * time.Millisecond)
		out := map[int]string{}
		for _, k := range keys {
			if k%10 != 0 {
				out[k] = string(rune('a' + k%26))
			}
		}
		return out, nil
	})
	var wg sync.WaitGroup
	for k := range 400 {
		wg.Go(func() {
			v, found, err := c.Get(t.Context(), k)
			switch {
			case err != nil:
				t.Errorf("key %d: %v", k, err)
			case k%10 == 0 && found:
				t.Errorf("key %d: found %q, want missing", k, v)
			case k%10 != 0 && (!found || v != string(rune('a'+k%26))):
				t.Errorf("key %d: %q, %v", k, v, found)
			}
		})
	}
	wg.Wait()
	if n := reads.Load(); n >= 400/4 {
		t.Errorf("%d reads for 400 concurrent calls", n)
	}
	if w := widest.Load(); w > 50 {
		t.Errorf("a read of %d keys, more than the batch of 50", w)
	}
}

// A failed read fails the calls of its batch; a caller whose context ends stops waiting at once.
func TestCoalescerErrorsAndCancellation(t *testing.T) {
	boom := errors.New("boom")
	release := make(chan struct{})
	c := sqldb.NewCoalescer(10, 1, func(ctx context.Context, keys []int) (map[int]int, error) {
		<-release
		return nil, boom
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := c.Get(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call past its deadline: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Get(t.Context(), 2)
		done <- err
	}()
	close(release)
	if err := <-done; !errors.Is(err, boom) {
		t.Errorf("a call of a failed read: %v", err)
	}
}
