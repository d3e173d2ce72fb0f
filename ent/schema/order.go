package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Order is a shopper's order in one batch, for pickup at its bound leader. Amounts are fen.
type Order struct{ ent.Schema }

func (Order) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Int("leader_id").Immutable(),
		field.Int("batch_id").Immutable(),
		field.String("grid_cell").NotEmpty().MaxLen(16).Immutable(),
		field.Enum("status").
			Values("pending_payment", "paid", "ready_for_pickup", "picked_up", "completed",
				"cancelled", "refunding", "refunded").
			Default("pending_payment"),
		// idempotency_key is the shopper's key of the request that created the order: the same
		// key again returns this order.
		field.String("idempotency_key").NotEmpty().MaxLen(64).Immutable(),
		// amount is what the shopper pays: the lines' presale prices less promo_off (the 满减)
		// and coupon_off.
		field.Int64("amount").Positive().Immutable(),
		field.Int64("promo_off").Default(0).NonNegative().Immutable(),
		field.Int64("coupon_off").Default(0).NonNegative().Immutable(),
		field.Int("activity_id").Optional().Nillable().Immutable(),
		field.Int("coupon_id").Optional().Nillable().Immutable(),
		// leader_funded is the part of coupon_off the serving leader's commission bears.
		field.Int64("leader_funded").Default(0).NonNegative().Immutable(),
		// refunded sums the refunds that succeeded.
		field.Int64("refunded").Default(0).NonNegative(),
		// pay_attempt numbers the WeChat Pay orders placed for this order (out_trade_no).
		field.Int("pay_attempt").Default(1).Positive(),
		field.Time("expires_at").Immutable(),
		field.Time("paid_at").Optional().Nillable(),
		field.Time("cancelled_at").Optional().Nillable(),
		field.String("cancel_reason").Optional().MaxLen(64),
		// release_pending is set, with the change that cancels the order before its batch's
		// cut-off, while its reserved stock is still to go back to the counters; the sweeper
		// clears it once the counters have it back. Stock of an order refunded after the
		// cut-off never goes back: the goods were bought for it.
		field.Bool("release_pending").Default(false),
		field.Time("ready_at").Optional().Nillable(),
		field.Time("picked_up_at").Optional().Nillable(),
		// pickup_code is random, unique and set when the order is paid; single-use by status.
		field.String("pickup_code").Optional().Nillable().MaxLen(16).Sensitive(),
		// overdue_at is when the order was flagged for ops as not picked up in time.
		field.Time("overdue_at").Optional().Nillable(),
		// share_key names the share whose link the order was placed from (a shopper_events
		// share), so share conversion can be counted; empty for an order not from a share.
		field.String("share_key").Optional().MaxLen(64).Immutable(),
	}
}

func (Order) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "idempotency_key").Unique(),
		index.Fields("user_id", "id"),
		index.Fields("pickup_code").Unique(),
		index.Fields("batch_id", "leader_id", "status"),
		// The dispatch list, one grid (route) of a batch at a time, and its index of routes.
		index.Fields("batch_id", "grid_cell", "leader_id", "status"),
		// A leader's batches, newest first.
		index.Fields("leader_id", "batch_id"),
		// The pickup sweeper completes picked-up orders whose after-sales window passed.
		index.Fields("status", "picked_up_at"),
		// The sweeper scans pending orders due to expire, and orders whose stock is still to go
		// back.
		index.Fields("status", "expires_at"),
		index.Fields("id").StorageKey("order_release_pending").
			Annotations(entsql.IndexWhere("release_pending")),
		index.Fields("status", "ready_at"),
		// Settlement selects paid orders in payment order.
		index.Fields("paid_at", "id"),
		// The daily rollup reads the orders placed on one day, and asks of each of the day's
		// payers whether it paid before (ever, and within 30 days).
		index.Fields("created_at"),
		index.Fields("user_id", "created_at"),
	}
}

// OrderLine is one item of an order, priced as the shopper saw it.
type OrderLine struct{ ent.Schema }

func (OrderLine) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Int("item_id").Immutable(),
		field.Int("sku_id").Immutable(),
		field.String("title").NotEmpty().MaxLen(180).Immutable(),
		field.Int64("price").Positive().Immutable(),
		field.Int64("quantity").Positive().Immutable(),
		// amount is what was paid for the line: price × quantity less promo_off and coupon_off,
		// allocated to the line in integer fen. Refunds are capped by it and commission is
		// computed on it. A gift line (阶梯满赠) is paid nothing.
		field.Int64("amount").NonNegative().Immutable(),
		field.Int64("promo_off").Default(0).NonNegative().Immutable(),
		field.Int64("coupon_off").Default(0).NonNegative().Immutable(),
		// leader_funded is the part of coupon_off this line's level-0 commission bears.
		field.Int64("leader_funded").Default(0).NonNegative().Immutable(),
		field.Bool("gift").Default(false).Immutable(),
		field.Int("commission_bp").NonNegative().Max(10000).Immutable(),
		field.Int64("refunded_quantity").Default(0).NonNegative(),
		field.Int64("refunded_amount").Default(0).NonNegative(),
	}
}

func (OrderLine) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("order_id", "item_id").Unique(),
		index.Fields("item_id"),
	}
}

// AfterSale is a shopper's request to refund a whole order or some of its lines (售后), and its
// review by ops. The refund it causes is out_refund_no at WeChat Pay.
type AfterSale struct{ ent.Schema }

func (AfterSale) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (AfterSale) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Int("user_id").Immutable(),
		field.Int("leader_id").Immutable(),
		field.Enum("status").Values("requested", "approved", "rejected", "refunded", "failed").Default("requested"),
		field.String("reason").NotEmpty().MaxLen(256).Immutable(),
		// lines are the order lines and quantities asked for, as JSON [{"line_id":1,"quantity":2}].
		field.Bytes("lines").Immutable(),
		field.Int64("amount").Positive().Immutable(),
		field.Int("reviewer_id").Optional().Nillable(),
		field.String("review_note").Optional().MaxLen(256),
		field.Time("reviewed_at").Optional().Nillable(),
		field.String("out_refund_no").Optional().MaxLen(64),
		field.String("fail_reason").Optional().MaxLen(256),
	}
}

func (AfterSale) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("order_id"),
		index.Fields("user_id", "id"),
		index.Fields("status", "id"),
	}
}

// Arrival records that a batch's goods reached a leader's pickup point (到货), and who said so.
type Arrival struct{ ent.Schema }

func (Arrival) Fields() []ent.Field {
	return []ent.Field{
		field.Int("batch_id").Immutable(),
		field.Int("leader_id").Immutable(),
		field.Time("arrived_at").Immutable(),
		field.String("marked_by").NotEmpty().MaxLen(64).Immutable(),
	}
}

func (Arrival) Indexes() []ent.Index {
	return []ent.Index{index.Fields("batch_id", "leader_id").Unique()}
}

// ShopperNotice is a message for a shopper that the mini-program lists (goods arrived, refund
// made); the WeChat subscription message sent for it is best effort, this row is the record.
type ShopperNotice struct{ ent.Schema }

func (ShopperNotice) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Int("order_id").Immutable(),
		field.String("kind").NotEmpty().MaxLen(32).Immutable(),
		field.String("title").NotEmpty().MaxLen(64).Immutable(),
		field.String("body").NotEmpty().MaxLen(256).Immutable(),
		field.Time("created_at").Immutable(),
		field.Time("read_at").Optional().Nillable(),
	}
}

func (ShopperNotice) Indexes() []ent.Index {
	return []ent.Index{
		// One notice of a kind per order: a repeated arrival tells the shopper once.
		index.Fields("order_id", "kind").Unique(),
		index.Fields("user_id", "id"),
	}
}
