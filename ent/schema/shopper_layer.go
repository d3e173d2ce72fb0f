package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LayerSnapshot is one Beijing day's snapshot of the shopper layers: the rules it was taken with
// and when. Its row is also what serialises two runs of one day (the run locks it first).
type LayerSnapshot struct{ ent.Schema }

func (LayerSnapshot) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		// rules is the thresholds the snapshot was taken with, as text, so an audience can be
		// explained after the configuration changed.
		field.String("rules").MaxLen(512),
		field.Int("shoppers").NonNegative().Default(0),
		field.Time("taken_at"),
	}
}

func (LayerSnapshot) Indexes() []ent.Index {
	return []ent.Index{index.Fields("day").Unique()}
}

// ShopperLayer is one shopper's layer and RFM scores on one Beijing day, as of the end of that
// day. Rows of a day are replaced only by a re-run of that day: later days never touch them, so a
// campaign's audience can be read again as it was.
type ShopperLayer struct{ ent.Schema }

func (ShopperLayer) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		field.Int("user_id").Immutable(),
		field.Enum("layer").Values("new", "active", "loyal", "dormant", "other").Immutable(),
		// from_share says whether the shopper's first paid order was placed from a shared link.
		field.Bool("from_share").Immutable(),
		// The shopper's bound leader at the end of the day and its grid; 0 and "" when unbound.
		field.Int("leader_id").Immutable(),
		field.String("grid_cell").MaxLen(16).Immutable(),
		// The figures the layer and scores were read from.
		field.Time("first_paid_at").Immutable(),
		field.Time("last_paid_at").Immutable(),
		field.Int("orders_month").NonNegative().Immutable(),
		field.Int("orders_quarter").NonNegative().Immutable(),
		field.Int("orders_year").NonNegative().Immutable(),
		field.Int64("spend_year").NonNegative().Immutable(),
		field.Int8("r").Range(1, 5).Immutable(),
		field.Int8("f").Range(1, 5).Immutable(),
		field.Int8("m").Range(1, 5).Immutable(),
	}
}

func (ShopperLayer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("day", "user_id").Unique(),
		// An audience: one layer of one grid on one day.
		index.Fields("day", "grid_cell", "layer", "user_id"),
	}
}

// SubscriptionConsent is one acceptance of a one-time subscription message template (一次性订阅消息)
// reported by the mini-program: WeChat lets the service send that template to the shopper once per
// acceptance, so each row allows one message and is used by the send that sends it.
type SubscriptionConsent struct{ ent.Schema }

func (SubscriptionConsent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.String("template_id").NotEmpty().MaxLen(64).Immutable(),
		// request_id is the mini-program's id of the acceptance: a resent report counts once.
		field.String("request_id").NotEmpty().MaxLen(64).Immutable(),
		field.Time("accepted_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
		field.Int("used_by").Optional().Nillable(),
	}
}

func (SubscriptionConsent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "request_id", "template_id").Unique(),
		index.Fields("user_id", "template_id", "used_at"),
	}
}

// TargetedSend is ops sending a coupon or a subscription message to one layer of one grid as a
// day's snapshot had it. A coupon goes through an ops coupon send (coupon_send_id); a message has
// its own targets.
type TargetedSend struct{ ent.Schema }

func (TargetedSend) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (TargetedSend) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		field.Enum("layer").Values("new", "active", "loyal", "dormant", "other").Immutable(),
		field.String("grid_cell").NotEmpty().MaxLen(16).Immutable(),
		field.Enum("kind").Values("coupon", "message").Immutable(),
		field.Int("coupon_send_id").Optional().Nillable().Immutable(),
		field.String("template_id").Optional().MaxLen(64).Immutable(),
		field.String("page").Optional().MaxLen(128).Immutable(),
		// data is the message's keyword values, as JSON.
		field.String("data").Optional().MaxLen(2048).Immutable(),
		field.String("note").Optional().MaxLen(256).Immutable(),
		field.Enum("status").Values("running", "done").Default("running"),
		field.Int("total").NonNegative().Immutable(),
		field.Int("created_by").Immutable(),
		field.Time("leased_until").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
	}
}

func (TargetedSend) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "id"), index.Fields("day", "grid_cell")}
}

// TargetedSendTarget is one shopper of a message send and what became of it: pending, sent,
// no_consent (no unused acceptance of the template), refused (WeChat would not deliver) or sending
// (a consent was used and the call was made, its outcome unknown: never sent again).
type TargetedSendTarget struct{ ent.Schema }

func (TargetedSendTarget) Fields() []ent.Field {
	return []ent.Field{
		field.Int("send_id").Immutable(),
		field.Int("user_id").Immutable(),
		field.Enum("status").Values("pending", "sending", "sent", "no_consent", "refused").Default("pending"),
		field.Int("consent_id").Optional().Nillable(),
		field.String("reason").Optional().MaxLen(64),
	}
}

func (TargetedSendTarget) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("send_id", "user_id").Unique(),
		index.Fields("send_id", "status", "user_id"),
	}
}
