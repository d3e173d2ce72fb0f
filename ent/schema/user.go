package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person who signed in through a WeChat mini-program (shopper, and later leader).
// The phone number is stored only sealed (AES-GCM); phone_key_id names the key that sealed it so
// that rows can be found and re-sealed when the key rotates.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("openid").NotEmpty().MaxLen(64).Immutable(),
		field.String("unionid").Optional().MaxLen(64),
		field.Strings("roles"),
		field.String("phone_sealed").Optional().Sensitive(),
		field.String("phone_key_id").Optional().MaxLen(32),
		field.Time("last_login_at").Optional().Nillable(),
	}
}

func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("openid").Unique(),
		index.Fields("phone_key_id"),
	}
}
