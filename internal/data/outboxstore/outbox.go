package outboxstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent/outboxevent"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// OutboxStore is the transactional outbox: events are rows of outbox_events.
type OutboxStore struct {
	data *sqldb.DB
	now  port.Clock
}

// NewOutboxStore builds the outbox on data. now stamps new events; it must be the clock the
// dispatcher claims with.
func NewOutboxStore(data *sqldb.DB, now port.Clock) *OutboxStore {
	return &OutboxStore{data: data, now: now}
}

// Publish inserts the event with the caller's transaction, if ctx carries one.
func (s *OutboxStore) Publish(ctx context.Context, topic, key string, payload []byte) error {
	now := s.now().UTC()
	err := s.data.Client(ctx).OutboxEvent.Create().
		SetTopic(topic).SetKey(key).SetPayload(payload).
		SetCreatedAt(now).SetAvailableAt(now).
		Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("publish %s %s", topic, key))
}

// claimSQL leases a batch in one statement. On PostgreSQL FOR UPDATE SKIP LOCKED lets several
// dispatchers claim at once without waiting on, or taking, each other's rows; SQLite has one
// writer at a time and needs no row locks.
const claimSQL = `UPDATE outbox_events SET available_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM outbox_events WHERE delivered_at IS NULL AND available_at <= $2
             ORDER BY available_at, id LIMIT $3 %s)
RETURNING id, topic, key, payload, attempts, created_at`

func (s *OutboxStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]event.Event, error) {
	query := s.data.Rebind(fmt.Sprintf(claimSQL, s.data.SkipLocked()))
	rows, err := s.data.SQL.QueryContext(ctx, query, leaseUntil.UTC(), now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox events: %w", err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var e event.Event
		if err := rows.Scan(&e.ID, &e.Topic, &e.Key, &e.Payload, &e.Attempts, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("read claimed outbox event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *OutboxStore) Delivered(ctx context.Context, e event.Event, at time.Time) error {
	_, err := s.data.Client(ctx).OutboxEvent.Update().
		Where(stillClaimed(e)...).
		SetDeliveredAt(at.UTC()).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("mark outbox event %d delivered", e.ID))
}

func (s *OutboxStore) Retry(ctx context.Context, e event.Event, at time.Time, reason string) error {
	_, err := s.data.Client(ctx).OutboxEvent.Update().
		Where(stillClaimed(e)...).
		SetAvailableAt(at.UTC()).SetLastError(reason).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("retry outbox event %d", e.ID))
}

// stillClaimed matches the event only while the claim that returned e is the latest: every claim
// increments attempts, so a newer claim fences off the older dispatcher.
func stillClaimed(e event.Event) []predicate.OutboxEvent {
	return []predicate.OutboxEvent{
		outboxevent.ID(int(e.ID)), outboxevent.Attempts(e.Attempts), outboxevent.DeliveredAtIsNil(),
	}
}
