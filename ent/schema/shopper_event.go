package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ShopperEvent is one thing a shopper did in the mini-program that no order records: a page view,
// an add to cart, a share, the open of a shared link. The daily rollups count them; WeChat's own
// analytics cannot, since they know shares per app and page, never per leader. Append-only.
type ShopperEvent struct{ ent.Schema }

func (ShopperEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		// client_event_id is the mini-program's id of the event: a resend carries the same one and
		// is counted once.
		field.String("client_event_id").NotEmpty().MaxLen(64).Immutable(),
		field.Enum("kind").Values("page_view", "add_to_cart", "share", "share_open").Immutable(),
		// at is when the server accepted the event, day its Beijing date (YYYY-MM-DD): a day's
		// rollup reads the day's events by this column, never by a client's clock.
		field.Time("at").Immutable(),
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		// client_at is when the mini-program says it happened, kept for diagnosis only.
		field.Time("client_at").Optional().Nillable().Immutable(),
		// session is the mini-program's visit id: a session of one page view is a bounce.
		field.String("session").Optional().MaxLen(64).Immutable(),
		field.Int("leader_id").Optional().Nillable().Immutable(),
		field.String("grid_cell").Optional().MaxLen(16).Immutable(),
		field.Int("batch_id").Optional().Nillable().Immutable(),
		field.Int("item_id").Optional().Nillable().Immutable(),
		// share_key names a share: chosen by the sharer's client on a share event, and named by the
		// opens of its link and the orders placed from it.
		field.String("share_key").Optional().MaxLen(64).Immutable(),
	}
}

func (ShopperEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "client_event_id").Unique(),
		index.Fields("day", "kind"),
		index.Fields("share_key", "kind"),
	}
}
