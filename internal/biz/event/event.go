// Package event carries domain events out of the transaction that caused them: a change
// publishes its events in its own transaction (the outbox), and a Dispatcher, safe to run on
// every replica, delivers each at least once to the in-process handlers of its topic. Handlers
// must therefore be idempotent, keyed by the event's ID.
package event

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one domain event as stored in the outbox.
type Event struct {
	ID      int64
	Topic   string
	Key     string // the aggregate it is about, e.g. "order/123"
	Payload []byte // JSON
	// Attempts counts deliveries started, this one included.
	Attempts  int
	CreatedAt time.Time
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("event %d (%s): decode payload: %w", e.ID, e.Topic, err)
	}
	return nil
}

// Publisher writes events. Called with the context of port.Transactor.InTx, the event is part of
// that transaction: it exists exactly when the change it reports does.
type Publisher interface {
	Publish(ctx context.Context, topic, key string, payload []byte) error
}

// PublishJSON publishes v as the event's JSON payload.
func PublishJSON(ctx context.Context, p Publisher, topic, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("event %s %s: encode payload: %w", topic, key, err)
	}
	return p.Publish(ctx, topic, key, b)
}

// Store is the outbox as the dispatcher uses it.
type Store interface {
	Publisher
	// Claim leases up to limit events available at now until leaseUntil, oldest first. An event
	// leased by one dispatcher is invisible to the others until its lease ends, so replicas
	// share the work; a dispatcher that dies mid-delivery loses its lease and the event is
	// delivered again.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Event, error)
	// Delivered marks an event done, and Retry makes a failed one available again at at with the
	// reason — both only if e is still this dispatcher's claim (its Attempts is the fencing
	// token): a dispatcher whose lease ran out and was claimed again changes nothing.
	Delivered(ctx context.Context, e Event, at time.Time) error
	Retry(ctx context.Context, e Event, at time.Time, reason string) error
}

// Handler reacts to one event. It must be idempotent: an event can arrive more than once.
type Handler func(ctx context.Context, e Event) error
