package wxsim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxLatency bounds injected latency so a typo cannot hang a test run.
const maxLatency = time.Minute

// ErrInvalidFault reports a fault that cannot be injected.
var ErrInvalidFault = errors.New("wxsim: invalid fault")

// Fault makes the next Count calls of one operation fail with a WeChat error, or be slow, or
// both.
type Fault struct {
	Operation string
	// Errcode is the WeChat error to answer with; 0 injects latency only.
	Errcode int
	// Errmsg is the message; empty means WeChat's own message for Errcode.
	Errmsg string
	// Count is how many calls the fault affects; 0 means 1.
	Count int
	// Latency is added (in real time) before answering.
	Latency time.Duration
}

// faultQueue holds the pending faults (Fault, PayFault) of each operation in the order they
// were injected, so a test can script a sequence ("two 45011s, then a -1").
type faultQueue[F any] struct {
	mu      sync.Mutex
	pending map[string][]*queuedFault[F]
}

// queuedFault is a fault and how many more calls it affects.
type queuedFault[F any] struct {
	fault F
	left  int
}

func newFaultQueue[F any]() *faultQueue[F] {
	return &faultQueue[F]{pending: make(map[string][]*queuedFault[F])}
}

// push queues f for the next count (at least 1) calls of op after those already queued.
func (q *faultQueue[F]) push(op string, count int, f F) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending[op] = append(q.pending[op], &queuedFault[F]{fault: f, left: max(count, 1)})
}

// take consumes one call's worth of the oldest fault pending for op. It happens under the lock
// so that, however many requests race, exactly count of them get the fault.
func (q *faultQueue[F]) take(op string) (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	queue := q.pending[op]
	if len(queue) == 0 {
		var none F
		return none, false
	}
	head := queue[0]
	if head.left--; head.left == 0 {
		q.pending[op] = queue[1:]
	}
	return head.fault, true
}

// clear drops every pending fault and says how many there were.
func (q *faultQueue[F]) clear() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, queue := range q.pending {
		n += len(queue)
	}
	clear(q.pending)
	return n
}

// InjectFault queues f behind any fault already pending for its operation.
func (s *Simulator) InjectFault(f Fault) error {
	_, err := s.injectFault(f)
	return err
}

// FailNext makes the next count calls (at least 1) of operation fail with errcode and errmsg
// (empty for WeChat's own message). It panics on an unknown operation or a zero errcode: both
// are bugs in the calling test that would otherwise pass silently.
func (s *Simulator) FailNext(operation string, errcode int, errmsg string, count int) {
	if errcode == 0 {
		panic("wxsim: FailNext with errcode 0 injects nothing")
	}
	if err := s.InjectFault(Fault{Operation: operation, Errcode: errcode, Errmsg: errmsg, Count: max(count, 1)}); err != nil {
		panic(err)
	}
}

// ClearFaults drops every pending fault.
func (s *Simulator) ClearFaults() { s.faults.clear() }

// injectFault validates f, fills in its defaults, queues it and returns it as queued.
func (s *Simulator) injectFault(f Fault) (Fault, error) {
	if err := s.checkOperation(f.Operation); err != nil {
		return Fault{}, fmt.Errorf("%w: %w", ErrInvalidFault, err)
	}
	switch {
	case f.Count < 0:
		return Fault{}, fmt.Errorf("%w: count %d is negative", ErrInvalidFault, f.Count)
	case f.Latency < 0 || f.Latency > maxLatency:
		return Fault{}, fmt.Errorf("%w: latency %v is not within 0..%v", ErrInvalidFault, f.Latency, maxLatency)
	case f.Errcode == 0 && f.Latency == 0:
		return Fault{}, fmt.Errorf("%w: neither an errcode nor a latency", ErrInvalidFault)
	}
	f.Count = max(f.Count, 1)
	if f.Errcode != 0 && f.Errmsg == "" {
		f.Errmsg = errmsgFor(f.Errcode)
	}
	s.faults.push(f.Operation, f.Count, f)
	return f, nil
}

// applyFault plays the fault pending for op, if any: it waits out the latency (or until the
// client gives up) and returns the error to answer with, nil to answer normally.
func (s *Simulator) applyFault(ctx context.Context, op string) *wxError {
	f, ok := s.faults.take(op)
	if !ok {
		return nil
	}
	if f.Latency > 0 {
		wait(ctx, f.Latency)
	}
	if f.Errcode == 0 {
		return nil
	}
	return &wxError{Errcode: f.Errcode, Errmsg: f.Errmsg}
}

// wait sleeps for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
