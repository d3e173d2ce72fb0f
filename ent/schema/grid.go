package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Grid is an H3 cell at the grid resolution: the unit ops staff, delivery routes and batch
// coverage are planned in. A grid row exists once ops named it; cells never named are not served.
type Grid struct{ ent.Schema }

func (Grid) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Grid) Fields() []ent.Field {
	return []ent.Field{
		// The H3 index in its string form, e.g. "87309b62dffffff".
		field.String("id").StorageKey("cell").NotEmpty().MaxLen(16).Immutable(),
		field.String("name").NotEmpty().MaxLen(64),
		field.Bool("serving").Default(false),
		field.String("route_label").Optional().MaxLen(64),
		field.String("station_label").Optional().MaxLen(64),
	}
}

func (Grid) Indexes() []ent.Index {
	return []ent.Index{index.Fields("serving")}
}
