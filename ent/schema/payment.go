package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Payment is one JSAPI order at WeChat Pay, saved before the prepay call. Amounts are fen.
type Payment struct{ ent.Schema }

func (Payment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Payment) Fields() []ent.Field {
	return []ent.Field{
		// out_trade_no: WeChat's idempotency key of the order, 6–32 characters.
		field.String("out_trade_no").NotEmpty().MaxLen(32).Unique().Immutable(),
		field.String("description").NotEmpty().MaxLen(255).Immutable(),
		field.Int64("amount").Positive().Immutable(),
		field.String("payer_openid").NotEmpty().MaxLen(128).Immutable(),
		field.Bool("profit_sharing").Default(false).Immutable(),
		field.Enum("state").Values("created", "paid", "closed", "failed").Default("created"),
		field.String("prepay_id").Optional().MaxLen(64),
		// transaction_id is WeChat's number of the paid transaction; unique, so one transaction
		// is never recorded against two payments.
		field.String("transaction_id").Optional().Nillable().MaxLen(32).Unique(),
		field.Time("paid_at").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable().Immutable(),
		field.Int64("refunded").Default(0).NonNegative(),
	}
}

func (Payment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("state", "created_at")}
}

// PaymentRefund is one refund of a payment, saved before the refund call. Amounts are fen.
type PaymentRefund struct{ ent.Schema }

func (PaymentRefund) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (PaymentRefund) Fields() []ent.Field {
	return []ent.Field{
		field.String("out_refund_no").NotEmpty().MaxLen(64).Unique().Immutable(),
		field.String("out_trade_no").NotEmpty().MaxLen(32).Immutable(),
		field.Int64("amount").Positive().Immutable(),
		field.Int64("total").Positive().Immutable(),
		field.String("reason").Optional().MaxLen(80).Immutable(),
		field.Enum("state").Values("created", "processing", "success", "closed", "abnormal").Default("created"),
		field.String("refund_id").Optional().MaxLen(32),
		field.String("transaction_id").Optional().MaxLen(32),
		field.Time("success_at").Optional().Nillable(),
	}
}

func (PaymentRefund) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("out_trade_no"),
		// The daily rollup reads the refunds that succeeded on one day.
		index.Fields("success_at"),
	}
}

// PaymentNotification is the inbox of WeChat Pay notifications: one row per notification id,
// written in the transaction that applies it, so a duplicate finds its row and changes nothing.
// The decrypted resource stays for audit. Append-only.
type PaymentNotification struct{ ent.Schema }

func (PaymentNotification) Fields() []ent.Field {
	return []ent.Field{
		field.String("notification_id").NotEmpty().MaxLen(64).Unique().Immutable(),
		field.String("event_type").NotEmpty().MaxLen(64).Immutable(),
		field.String("resource_type").Optional().MaxLen(64).Immutable(),
		field.String("summary").Optional().MaxLen(128).Immutable(),
		field.Time("create_time").Optional().Nillable().Immutable(),
		field.Text("resource").Immutable(),
		field.Time("received_at").Immutable(),
		// Why a verified notification could not be applied (an unknown order, an amount that
		// differs from the order's): kept for finance instead of letting WeChat retry for a day.
		// Empty when it was applied.
		field.String("rejected_reason").Optional().MaxLen(512).Immutable(),
	}
}
