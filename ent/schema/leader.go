package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Leader is a group leader (团长) and the pickup point (自提点) it runs; one per user. The real
// name and phone are stored sealed. A move of the pickup point into another grid waits in the
// move_* fields until ops approve it.
type Leader struct{ ent.Schema }

func (Leader) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Leader) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Enum("status").Values("pending", "approved", "rejected", "suspended", "removed").Default("pending"),
		field.Bool("paused").Default(false),
		field.String("status_reason").Optional().MaxLen(256),
		field.String("real_name_sealed").NotEmpty().Sensitive(),
		field.String("phone_sealed").NotEmpty().Sensitive(),
		field.String("pii_key_id").NotEmpty().MaxLen(32),
		field.String("point_name").NotEmpty().MaxLen(64),
		field.String("address").NotEmpty().MaxLen(256),
		field.Float("lat"),
		field.Float("lng"),
		field.String("pickup_cell").NotEmpty().MaxLen(16),
		field.String("grid_cell").NotEmpty().MaxLen(16),
		field.String("opening_hours").NotEmpty().MaxLen(128),
		field.String("invite_code").NotEmpty().MaxLen(16).Immutable(),
		field.Int("recruiter_id").Optional().Nillable(),
		// The recruiting chain fixed at approval: level 1 first. Never rewritten afterwards.
		field.Ints("upline").Optional(),
		field.String("move_point_name").Optional().MaxLen(64),
		field.String("move_address").Optional().MaxLen(256),
		field.Float("move_lat").Optional().Nillable(),
		field.Float("move_lng").Optional().Nillable(),
		field.String("move_pickup_cell").Optional().MaxLen(16),
		field.String("move_grid_cell").Optional().MaxLen(16),
		field.Time("approved_at").Optional().Nillable(),
	}
}

func (Leader) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id").Unique(),
		index.Fields("invite_code").Unique(),
		index.Fields("grid_cell", "status"),
		index.Fields("pickup_cell"),
		index.Fields("status"),
		// The nearby index of every replica polls for rows changed since it last looked.
		index.Fields("updated_at"),
	}
}
