package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LeaderEvent records every change of a leader: what, who did it and when. Append-only.
type LeaderEvent struct{ ent.Schema }

func (LeaderEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("leader_id").Immutable(),
		field.String("action").NotEmpty().MaxLen(32).Immutable(),
		field.Enum("actor_kind").Values("user", "console", "system").Immutable(),
		field.Int("actor_id").Immutable(),
		field.String("reason").Optional().MaxLen(256).Immutable(),
		field.Time("at").Immutable(),
	}
}

func (LeaderEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("leader_id", "at")}
}
