package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ReceiverRegistration is the work item that makes a leader a WeChat Pay profit-sharing receiver
// (or removes it). Approval queues it in the same transaction; a worker makes the call.
type ReceiverRegistration struct{ ent.Schema }

func (ReceiverRegistration) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ReceiverRegistration) Fields() []ent.Field {
	return []ent.Field{
		field.Int("leader_id").Immutable(),
		field.Enum("op").Values("add", "delete").Immutable(),
		// PERSONAL_OPENID: the account is the leader's openid under the mini-program's app id;
		// MERCHANT_ID: the merchant id of a company that runs the pickup point.
		field.String("receiver_type").NotEmpty().MaxLen(32).Immutable(),
		field.String("account").NotEmpty().MaxLen(64).Immutable(),
		// name is a MERCHANT_ID receiver's registered company name (WeChat requires it).
		field.String("name").Optional().MaxLen(128).Immutable(),
		field.String("relation_type").NotEmpty().MaxLen(32).Immutable(),
		field.Enum("state").Values("pending", "done", "failed").Default("pending"),
		field.Int("attempts").Default(0).NonNegative(),
		field.String("last_error").Optional().MaxLen(512),
		field.Time("next_attempt_at"),
	}
}

func (ReceiverRegistration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("state", "next_attempt_at"),
		index.Fields("leader_id"),
	}
}
