package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SkuPriceDay is a SKU's lowest unit transaction price on one Beijing day: what paid order lines
// cost per unit (their amount ÷ quantity, floor). It is the evidence behind a list price (划线价):
// one shown must not be above the lowest of the 7 days before the batch opens.
type SkuPriceDay struct{ ent.Schema }

func (SkuPriceDay) Fields() []ent.Field {
	return []ent.Field{
		field.Int("sku_id").Immutable(),
		// day is the Beijing date, YYYY-MM-DD.
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		field.Int64("lowest_fen").Positive(),
		// updated_at is when lowest_fen last fell.
		field.Time("updated_at"),
	}
}

func (SkuPriceDay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("sku_id", "day").Unique()}
}
