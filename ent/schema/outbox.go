package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OutboxEvent is a domain event written in the same transaction as the change it reports (the
// transactional outbox). A dispatcher, safe on every replica, claims pending events with a lease
// and delivers them at least once to in-process handlers; a broker can later read the same table.
type OutboxEvent struct{ ent.Schema }

func (OutboxEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("topic").NotEmpty().MaxLen(64).Immutable(),
		// The aggregate the event is about, e.g. "order/123": handlers may use it to order work.
		field.String("key").NotEmpty().MaxLen(128).Immutable(),
		field.Bytes("payload").Immutable(),
		field.Time("created_at").Immutable(),
		// When the event may next be claimed: now for a new event, the lease's end while one
		// dispatcher works on it, the back-off's end after a failure.
		field.Time("available_at"),
		field.Int("attempts").Default(0).NonNegative(),
		field.String("last_error").Optional().MaxLen(512),
		field.Time("delivered_at").Optional().Nillable(),
	}
}

func (OutboxEvent) Indexes() []ent.Index {
	return []ent.Index{
		// Only pending events are scanned by the dispatcher.
		index.Fields("available_at", "id").Annotations(entsql.IndexWhere("delivered_at IS NULL")),
		index.Fields("topic", "key"),
	}
}
