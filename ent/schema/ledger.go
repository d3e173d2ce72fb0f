package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LedgerAccount is one account of the double-entry ledger: an owner (the platform, or a leader)
// and a purpose. balance caches the sum of its postings; the ledger check recomputes it.
type LedgerAccount struct{ ent.Schema }

func (LedgerAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("owner_kind").Values("platform", "leader").Immutable(),
		field.Int64("owner_id").Immutable(),
		field.Enum("purpose").
			Values("clearing", "revenue", "pending", "settleable", "settled", "receivable", "unresolved").
			Immutable(),
		field.Int64("balance").Default(0),
		field.Time("created_at").Immutable(),
	}
}

func (LedgerAccount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("owner_kind", "owner_id", "purpose").Unique()}
}

// LedgerTransaction is one journal transaction: two or more postings summing to zero, written
// once under a unique key derived from its cause ("order/123/paid"). Never updated or deleted.
type LedgerTransaction struct{ ent.Schema }

func (LedgerTransaction) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(128).Immutable(),
		field.String("kind").NotEmpty().MaxLen(32).Immutable(),
		// The order (and grid) the transaction is about, for statements and per-grid totals.
		field.Int64("order_id").Default(0).Immutable(),
		field.String("grid_cell").Default("").MaxLen(16).Immutable(),
		field.Time("created_at").Immutable(),
	}
}

func (LedgerTransaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("key").Unique(),
		index.Fields("order_id"),
	}
}

// LedgerPosting is one line of a transaction: an amount in fen on an account, positive a debit,
// negative a credit. Never updated or deleted.
type LedgerPosting struct{ ent.Schema }

func (LedgerPosting) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("transaction_id").Immutable(),
		field.Int64("account_id").Immutable(),
		field.Int64("amount").Immutable(),
		field.Time("created_at").Immutable(),
	}
}

func (LedgerPosting) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "created_at"),
		index.Fields("transaction_id"),
	}
}

// CommissionPlan is a version of the override rates of levels 1..N of the recruiting chain, for
// one grid or (grid_cell empty) everywhere. An order is credited under the plan in force when it
// was paid; a change is a new version.
type CommissionPlan struct{ ent.Schema }

func (CommissionPlan) Fields() []ent.Field {
	return []ent.Field{
		field.String("grid_cell").Default("").MaxLen(16).Immutable(),
		field.Int("version").Positive().Immutable(),
		// rates are basis points of levels 1..N, in order.
		field.Ints("rates").Immutable(),
		field.Time("effective_from").Immutable(),
		field.Int64("created_by").Immutable(),
		field.Time("created_at").Immutable(),
	}
}

func (CommissionPlan) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_cell", "version").Unique(),
		index.Fields("grid_cell", "effective_from"),
	}
}

// CommissionEntry is what one leader earns from one order line at one level: the view leaders
// and finance read. The ledger's postings are the truth of the money; an entry says which order
// and level caused each and how much of it refunds reversed.
type CommissionEntry struct{ ent.Schema }

func (CommissionEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("order_id").Immutable(),
		field.Int64("line_id").Immutable(),
		field.Int64("leader_id").Immutable(),
		field.Int("level").NonNegative().Immutable(),
		field.Int64("base").Immutable(),
		field.Int("rate_bp").Immutable(),
		field.Int64("amount").NonNegative().Immutable(),
		field.Int64("reversed").Default(0).NonNegative(),
		field.Int64("plan_id").Default(0).Immutable(),
		field.String("grid_cell").MaxLen(16).Immutable(),
		field.Enum("state").Values("pending", "settleable", "settled", "unresolved").Default("pending"),
		field.Time("paid_at").Immutable(),
		field.Time("settleable_at").Optional().Nillable(),
	}
}

func (CommissionEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("line_id", "level").Unique(),
		index.Fields("leader_id", "paid_at"),
		index.Fields("order_id"),
	}
}
