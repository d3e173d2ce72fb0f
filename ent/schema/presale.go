package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Batch is a presale batch (预售批次): items sold ahead in an order window to the shoppers of some
// grids, delivered to the leaders' pickup points on the pickup date. Its status moves by the clock
// (scheduled → open → closed) and by ops (dispatch, cancel); see DESIGN.md.
type Batch struct{ ent.Schema }

func (Batch) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Batch) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(64),
		field.Enum("status").
			Values("draft", "scheduled", "open", "closed", "dispatched", "arrived", "completed", "cancelled").
			Default("draft"),
		// Orders are taken from opens_at until cutoff_at (截单); cancelling without after-sales
		// is possible until cutoff_at too.
		field.Time("opens_at"),
		field.Time("cutoff_at"),
		// pickup_date is the local (Asia/Shanghai) midnight of the day goods reach pickup points.
		field.Time("pickup_date"),
		field.Int("created_by").Immutable(),
		field.String("cancel_reason").Optional().MaxLen(256),
		field.Time("dispatched_at").Optional().Nillable(),
		field.Time("cancelled_at").Optional().Nillable(),
	}
}

func (Batch) Indexes() []ent.Index {
	return []ent.Index{
		// The scheduler looks for scheduled batches due to open and open ones due to close.
		index.Fields("status", "opens_at"),
		index.Fields("status", "cutoff_at"),
	}
}

// BatchItem is one SKU of a batch: its presale price, quota and per-shopper limit, and the
// serving leader's commission rate. Prices are fen, rates basis points.
type BatchItem struct{ ent.Schema }

func (BatchItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("batch_id").Immutable(),
		field.Int("sku_id").Immutable(),
		field.Int("product_id").Immutable(),
		// A copy of the product's wording at publication: what the shopper saw and bought.
		field.String("title").NotEmpty().MaxLen(180),
		field.String("spec").NotEmpty().MaxLen(96),
		field.String("unit").NotEmpty().MaxLen(24),
		field.String("image").Optional().MaxLen(512),
		field.Int64("list_price").Positive(),
		// reference_basis is what ops state the list price is (e.g. 厂商建议零售价), shown next
		// to it; empty when the list price claims to be a price this shop sold at (32 runes,
		// so up to 96 bytes of UTF-8).
		field.String("reference_basis").Default("").MaxLen(96),
		// list_price_shown is the verdict of the reference-price rule, taken when the batch was
		// scheduled: the shop shows the list price only when it is true (presale.CheckReference).
		field.Bool("list_price_shown").Default(false),
		field.Int64("price").Positive(),
		field.Int64("quota").Positive(),
		// per_shopper_limit is the most one shopper may hold; 0 means no limit.
		field.Int64("per_shopper_limit").NonNegative(),
		field.Int("commission_bp").NonNegative().Max(10000),
		// taken counts reserved units when stock is counted in the database instead of Redis
		// (checkout.stock_counter: database); the Redis counter leaves it at zero.
		field.Int64("taken").Default(0).NonNegative(),
	}
}

func (BatchItem) Indexes() []ent.Index {
	return []ent.Index{index.Fields("batch_id", "sku_id").Unique()}
}

// BatchGrid is one grid a batch is published to.
type BatchGrid struct{ ent.Schema }

func (BatchGrid) Fields() []ent.Field {
	return []ent.Field{
		field.Int("batch_id").Immutable(),
		field.String("grid_cell").NotEmpty().MaxLen(16).Immutable(),
	}
}

func (BatchGrid) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("batch_id", "grid_cell").Unique(),
		index.Fields("grid_cell"),
	}
}
