package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LeaderBinding is a shopper's choice of leader, where its orders are picked up. The current
// binding has no unbound_at; earlier ones stay as the history.
type LeaderBinding struct{ ent.Schema }

func (LeaderBinding) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Int("leader_id").Immutable(),
		field.Time("bound_at").Immutable(),
		field.Time("unbound_at").Optional().Nillable(),
	}
}

func (LeaderBinding) Indexes() []ent.Index {
	return []ent.Index{
		// At most one current binding per shopper, enforced by the database.
		index.Fields("user_id").Unique().Annotations(entsql.IndexWhere("unbound_at IS NULL")),
		index.Fields("user_id", "bound_at"),
		index.Fields("leader_id"),
	}
}
