package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// scopeFields are where a promotion applies: everything, or the listed batches, SKUs, leaders
// (scope_ids) or grid cells (scope_cells).
func scopeFields() []ent.Field {
	return []ent.Field{
		field.Enum("scope_kind").Values("all", "batches", "skus", "grids", "leaders"),
		field.JSON("scope_ids", []int64{}).Optional(),
		field.JSON("scope_cells", []string{}).Optional(),
	}
}

// CouponTemplate is a coupon as ops configure it; each shopper's coupon copies its rules at claim.
// Amounts are fen.
type CouponTemplate struct{ ent.Schema }

func (CouponTemplate) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (CouponTemplate) Fields() []ent.Field {
	return append([]ent.Field{
		field.String("name").NotEmpty().MaxLen(120),
		field.Enum("discount_kind").Values("fixed", "percent"),
		field.Int64("amount_off").Default(0).NonNegative(),
		field.Int("percent_bp").Default(0).NonNegative().Max(9999),
		field.Int64("max_off").Default(0).NonNegative(),
		field.Int64("threshold").Default(0).NonNegative(),
		// Validity is a window (valid_from, valid_until) or valid_days after the claim.
		field.Time("valid_from").Optional().Nillable(),
		field.Time("valid_until").Optional().Nillable(),
		field.Int("valid_days").Default(0).NonNegative(),
		field.Int64("budget_count").Positive(),
		field.Int64("budget_amount").Positive(),
		field.Int("per_shopper").Positive(),
		field.Enum("funded_by").Values("platform", "leader"),
		field.Enum("channel").Values("claim", "send", "new_shopper", "invitation"),
		field.Time("claim_from"),
		field.Time("claim_until"),
		field.Enum("status").Values("active", "paused", "ended").Default("active"),
		field.Int("created_by").Immutable(),
		// issued_count and issued_amount count the claims with promotions.coupon_counter:
		// database, taken by a conditional UPDATE in each claim's transaction; the Redis
		// counters leave them at zero.
		field.Int64("issued_count").Default(0).NonNegative(),
		field.Int64("issued_amount").Default(0).NonNegative(),
	}, scopeFields()...)
}

func (CouponTemplate) Indexes() []ent.Index {
	return []ent.Index{
		// The shop lists the templates that issue now; new-shopper and invitation rewards are
		// looked up by channel.
		index.Fields("channel", "status", "claim_until"),
	}
}

// Coupon is one coupon a shopper holds, with its template's rules as they were at claim.
type Coupon struct{ ent.Schema }

func (Coupon) Fields() []ent.Field {
	return []ent.Field{
		field.Int("template_id").Immutable(),
		field.Int("user_id").Immutable(),
		// seq numbers the shopper's coupons of the template, 1 to its per-shopper limit: with
		// the unique index below the database refuses a claim beyond the limit.
		field.Int("seq").Positive().Immutable(),
		// issue_key is derived from the cause of the issue (a claim's seq, an ops send, an
		// invitation): issuing again for the same cause finds this coupon.
		field.String("issue_key").NotEmpty().MaxLen(96).Immutable(),
		// rules are the template's discount, scope and funder as JSON, copied at claim.
		field.Bytes("rules").Immutable(),
		// most is what the claim booked against the template's amount budget.
		field.Int64("most").Positive().Immutable(),
		field.Enum("state").Values("available", "locked", "used", "expired").Default("available"),
		field.Time("valid_from").Immutable(),
		field.Time("valid_until").Immutable(),
		field.Int("order_id").Optional().Nillable(),
		// discount is what the coupon took off its order, set when the order is paid.
		field.Int64("discount").Default(0).NonNegative(),
		field.Time("claimed_at").Immutable(),
		field.Time("locked_at").Optional().Nillable(),
		field.Time("used_at").Optional().Nillable(),
		field.Time("released_at").Optional().Nillable(),
	}
}

func (Coupon) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("template_id", "user_id", "seq").Unique(),
		index.Fields("issue_key").Unique(),
		// No index holds a column that a coupon's moves change (state, order_id, the times):
		// a lock, use or release is then a heap-only update, which writes no index entry. A
		// checkout with a coupon locks it in the statement that writes the order, and each
		// index holding the state made every lock insert into the same hot leaf pages (all of
		// a template's coupons share its state and, often, their expiry). Readers filter the
		// state on the rows these indexes find: a shopper holds few coupons, a template's
		// figures read its coupons over the unique index above, the sweep walks by expiry.
		index.Fields("user_id", "valid_until"),
		index.Fields("valid_until", "id"),
	}
}

// PromoActivity is a 满减 (spend X, save Y or get a gift) over a scope and a window.
type PromoActivity struct{ ent.Schema }

func (PromoActivity) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (PromoActivity) Fields() []ent.Field {
	return append([]ent.Field{
		field.String("name").NotEmpty().MaxLen(120),
		field.Time("starts_at"),
		field.Time("ends_at"),
		// tiers are [{"threshold":..,"off":..,"gift_item_id":..,"gift_qty":..}], ascending.
		field.Bytes("tiers"),
		field.Enum("status").Values("active", "paused", "ended").Default("active"),
		field.Int("created_by").Immutable(),
	}, scopeFields()...)
}

func (PromoActivity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "ends_at")}
}

// CouponSend is ops sending a template's coupons to a list of shoppers: resumable, one coupon a
// shopper per send.
type CouponSend struct{ ent.Schema }

func (CouponSend) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (CouponSend) Fields() []ent.Field {
	return []ent.Field{
		field.Int("template_id").Immutable(),
		field.Int("created_by").Immutable(),
		field.String("note").Optional().MaxLen(256),
		field.Enum("status").Values("running", "done", "cancelled").Default("running"),
		field.Int("total").NonNegative().Immutable(),
		field.Int("issued").Default(0).NonNegative(),
		field.Int("skipped").Default(0).NonNegative(),
		field.Time("finished_at").Optional().Nillable(),
	}
}

func (CouponSend) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "id")}
}

// CouponSendTarget is one shopper of a send and what became of it.
type CouponSendTarget struct{ ent.Schema }

func (CouponSendTarget) Fields() []ent.Field {
	return []ent.Field{
		field.Int("send_id").Immutable(),
		field.Int("user_id").Immutable(),
		field.Enum("status").Values("pending", "issued", "skipped").Default("pending"),
		field.String("reason").Optional().MaxLen(64),
	}
}

func (CouponSendTarget) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("send_id", "user_id").Unique(),
		index.Fields("send_id", "status", "user_id"),
	}
}

// Invitation is a shopper (the invitee) brought by another (the inviter), rewarded once the
// invitee's first order stood.
type Invitation struct{ ent.Schema }

func (Invitation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("inviter_id").Immutable(),
		field.Int("invitee_id").Immutable(),
		field.Enum("state").Values("pending", "qualifying", "rewarded", "capped", "refused").Default("pending"),
		field.Int("order_id").Optional().Nillable(),
		// phone_index is a keyed hash of the invitee's phone, set when the invitation qualifies.
		field.String("phone_index").Optional().Nillable().MaxLen(32),
		// reward_seq numbers the inviter's rewarded invitations, 1 to its cap.
		field.Int("reward_seq").Optional().Nillable(),
		field.String("reason").Optional().MaxLen(128),
		field.Time("created_at").Immutable(),
		field.Time("qualified_at").Optional().Nillable(),
		field.Time("rewarded_at").Optional().Nillable(),
	}
}

func (Invitation) Indexes() []ent.Index {
	return []ent.Index{
		// One invitation a shopper, one a phone, and the cap held by the database itself.
		index.Fields("invitee_id").Unique(),
		index.Fields("phone_index").Unique(),
		index.Fields("inviter_id", "reward_seq").Unique(),
		index.Fields("inviter_id", "id"),
	}
}
