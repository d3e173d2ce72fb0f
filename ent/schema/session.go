package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Session is one refresh token. Only its SHA-256 is stored. Refreshing rotates the token: the old
// row is marked used and a new row joins the same family. Presenting a used token again means it
// leaked, so the whole family is revoked.
type Session struct{ ent.Schema }

func (Session) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("subject_kind").Values("user", "console").Immutable(),
		field.Int("subject_id").Immutable(),
		field.String("family").NotEmpty().MaxLen(64).Immutable(),
		field.String("token_hash").NotEmpty().MaxLen(64).Immutable().Sensitive(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		index.Fields("family"),
		index.Fields("subject_kind", "subject_id"),
	}
}
