package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Product is a thing sold, as ops describe it; its copy passed the advertising-law check.
type Product struct{ ent.Schema }

func (Product) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(180),
		field.Text("description").Optional(),
		field.Strings("images").Optional(),
		field.String("category").NotEmpty().MaxLen(96),
		field.Enum("status").Values("active", "archived").Default("active"),
	}
}

func (Product) Indexes() []ent.Index {
	return []ent.Index{index.Fields("category", "status")}
}

// Sku is one way a product is sold: its spec (5斤装), unit and list price in fen.
type Sku struct{ ent.Schema }

func (Sku) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Sku) Fields() []ent.Field {
	return []ent.Field{
		field.Int("product_id").Immutable(),
		field.String("spec").NotEmpty().MaxLen(96),
		field.String("unit").NotEmpty().MaxLen(24),
		field.Int64("list_price").Positive(),
		field.Enum("status").Values("active", "archived").Default("active"),
	}
}

func (Sku) Indexes() []ent.Index {
	return []ent.Index{index.Fields("product_id", "spec").Unique()}
}
