package passhash

import (
	"context"
	"errors"
	"fmt"
)

// ErrBusy is returned by Limiter.Acquire when no check could start before the caller's context
// ended.
var ErrBusy = errors.New("passhash: too many password checks in progress")

// Limiter bounds how many password checks run at once. Each argon2id check holds Params.Memory
// of memory for its whole run (64 MiB with DefaultParams), so without a bound a burst of logins
// — even for unknown usernames, which burn a check of the same cost — can exhaust the server.
// Waiters queue for a slot until their context ends.
type Limiter struct {
	slots chan struct{}
}

// NewLimiter lets n checks run at once; n below 1 is taken as 1.
func NewLimiter(n int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(n, 1))}
}

// Acquire waits for a slot until ctx ends, then returns the function that gives it back. Call
// the function exactly once, when the check is done.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
}

func (l *Limiter) release() { <-l.slots }

// Size is how many checks may run at once.
func (l *Limiter) Size() int { return cap(l.slots) }
