package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ShippingDeclaration is one declaration of a paid order to WeChat's shipping information
// management service (发货信息管理): the self-pickup upload when the goods reach the pickup point
// (kind pickup), or the presale declaration made at payment when the pickup date is more than
// 15 days away (kind presale). Event handlers queue it; a worker makes the call and records
// WeChat's answer. It is never deleted: ops see the failed ones with WeChat's reason.
type ShippingDeclaration struct{ ent.Schema }

func (ShippingDeclaration) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ShippingDeclaration) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Enum("kind").Values("pickup", "presale").Immutable(),
		// The payment declared: filled from the order's paid payment when the call is made.
		field.String("transaction_id").Optional().MaxLen(32),
		field.String("out_trade_no").Optional().MaxLen(32),
		field.String("payer_openid").Optional().MaxLen(128),
		// item_desc is what the goods are, at most 120 characters (WeChat's limit).
		field.String("item_desc").Optional().MaxLen(512),
		// promised_at is the presale's promised shipping date (delay_to).
		field.Time("promised_at").Optional().Nillable().Immutable(),
		field.Enum("state").Values("pending", "uploaded", "failed", "skipped").Default("pending"),
		// attempts counts calls started; a claim increments it and fences off older claims.
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("next_attempt_at"),
		// last_error is WeChat's code and message of the last failed call, or why the
		// declaration was skipped.
		field.String("last_error").Optional().MaxLen(512),
		field.Time("uploaded_at").Optional().Nillable(),
	}
}

func (ShippingDeclaration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("order_id", "kind").Unique(),
		index.Fields("state", "next_attempt_at"),
		index.Fields("state", "created_at"),
		// Ops list the declarations of a state newest first, page by page (keyset on id).
		index.Fields("state", "id"),
	}
}
