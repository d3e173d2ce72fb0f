package event

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Dispatch limits.
const (
	claimBatch = 100
	lease      = 30 * time.Second
	// handlerTimeout bounds one event's handlers; an event is only started while its lease has
	// at least this long to run, so no event is worked on after its lease ends.
	handlerTimeout = 10 * time.Second
	idlePoll       = 500 * time.Millisecond
	maxBackoff     = 5 * time.Minute
	firstRetry     = time.Second
	errorLength    = 500
)

// Dispatcher delivers outbox events to the handlers registered for their topics. An event with
// no handler is marked delivered: the outbox keeps it for any reader added later.
type Dispatcher struct {
	store    Store
	now      port.Clock
	handlers map[string][]Handler
}

// Subscriber is one handler of a topic, named for the event map's readers and its test.
type Subscriber struct {
	Name   string // "package.Type.Method" of the handler
	Handle Handler
}

// Map is every topic published through the outbox and its subscribers, in the order they run
// on each event. A topic with none still has its entry: the outbox keeps its events for any
// reader added later. The service's map is internal/server/events.go.
type Map map[string][]Subscriber

// NewDispatcher builds a dispatcher delivering to the subscribers of m.
func NewDispatcher(store Store, now port.Clock, m Map) *Dispatcher {
	d := &Dispatcher{store: store, now: now, handlers: map[string][]Handler{}}
	for topic, subs := range m {
		for _, s := range subs {
			d.Handle(topic, s.Handle)
		}
	}
	return d
}

// Handle adds h for events of topic. Not safe to call once Run started.
func (d *Dispatcher) Handle(topic string, h Handler) {
	d.handlers[topic] = append(d.handlers[topic], h)
}

// Run dispatches until ctx ends, polling when there is nothing to do.
func (d *Dispatcher) Run(ctx context.Context) error {
	for {
		n, err := d.DispatchOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(idlePoll):
			}
		}
	}
}

// DispatchOnce claims one batch and delivers it, returning how many events it claimed.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	now := d.now()
	events, err := d.store.Claim(ctx, now, now.Add(lease), claimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim events: %w", err)
	}
	leaseEnd := now.Add(lease)
	var errs []error
	for _, e := range events {
		if d.now().Add(handlerTimeout).After(leaseEnd) {
			break // the rest go back when the lease ends, for whichever dispatcher is free
		}
		errs = append(errs, d.deliver(ctx, e))
	}
	return len(events), errors.Join(errs...)
}

// deliver runs every handler of the event's topic, then records the outcome. A failed event is
// retried after a back-off that doubles with each attempt, up to maxBackoff.
func (d *Dispatcher) deliver(ctx context.Context, e Event) error {
	hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()
	var err error
	for _, h := range d.handlers[e.Topic] {
		if err = h(hctx, e); err != nil {
			break
		}
	}
	if err == nil {
		return d.store.Delivered(ctx, e, d.now())
	}
	reason := err.Error()
	if len(reason) > errorLength {
		reason = reason[:errorLength]
	}
	if rerr := d.store.Retry(ctx, e, d.now().Add(backoff(e.Attempts)), reason); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil // retried later: not an error of the dispatch
}

// backoff is the wait before the next attempt after attempts failed ones.
func backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}
