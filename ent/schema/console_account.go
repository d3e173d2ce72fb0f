package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ConsoleAccount is a staff member of the ops or finance console. Accounts are created by the
// program's own command, never through the API; repeated failed logins lock the account.
type ConsoleAccount struct{ ent.Schema }

func (ConsoleAccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ConsoleAccount) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").NotEmpty().MaxLen(64).Immutable(),
		field.String("password_hash").NotEmpty().Sensitive(),
		field.Enum("role").Values("ops", "finance", "admin"),
		field.Int("failed_attempts").Default(0).NonNegative(),
		field.Time("locked_until").Optional().Nillable(),
		field.Bool("disabled").Default(false),
		field.Time("last_login_at").Optional().Nillable(),
	}
}

func (ConsoleAccount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("username").Unique()}
}
