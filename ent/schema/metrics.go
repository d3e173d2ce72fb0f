package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MetricDay is one Beijing day's operations figures at one level: the whole city, a grid, a
// leader, a batch, or a cell (grid, leader and batch together). Distinct counts (visitors,
// buyers) do not add up across grids or leaders, so each level has its own rows, counted from
// the day's events and orders; a level's unused keys are "" and 0. The daily rollup replaces a
// day's rows in one transaction, so any past day can be recomputed. Ratios are derived from
// these counts when read (internal/biz/metrics), never stored.
type MetricDay struct{ ent.Schema }

func (MetricDay) Fields() []ent.Field {
	counts := []string{
		"visitors", "page_views", "sessions", "bounces", "carters", "sharers", "shares",
		"share_opens", "buyers", "payers", "orders", "items", "paid", "refunded_by_order_day",
		"refunded_on_day", "new_payers", "repeat_payers", "share_orders", "invitees", "inviters",
	}
	fields := []ent.Field{
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		field.Enum("level").Values("city", "grid", "leader", "batch", "cell").Immutable(),
		field.String("grid_cell").Default("").MaxLen(16).Immutable(),
		field.Int("leader_id").Default(0).Immutable(),
		field.Int("batch_id").Default(0).Immutable(),
	}
	for _, c := range counts {
		fields = append(fields, field.Int64(c).Default(0).NonNegative().Immutable())
	}
	return append(fields, field.Time("computed_at").Immutable())
}

func (MetricDay) Indexes() []ent.Index {
	// A dashboard reads one key's days in order: the unique key leads with the level and key.
	// A re-run deletes the day's rows.
	return []ent.Index{
		index.Fields("level", "grid_cell", "leader_id", "batch_id", "day").Unique(),
		index.Fields("day"),
	}
}

// DailyJobRun is one run of a named daily job for one Beijing day. The row is the run's lease:
// the replica whose insert (or takeover of an expired or failed run) succeeds runs the job, so a
// job runs once a day however many replicas there are. Kept as the history of runs.
type DailyJobRun struct{ ent.Schema }

func (DailyJobRun) Fields() []ent.Field {
	return []ent.Field{
		field.String("job").NotEmpty().MaxLen(64).Immutable(),
		field.String("day").NotEmpty().MaxLen(10).Immutable(),
		// owner names the replica running or having run the job.
		field.String("owner").NotEmpty().MaxLen(128),
		field.Int("attempts").Default(1).Positive(),
		field.Time("started_at"),
		// lease_until is when a run that has not finished may be taken over (its replica died).
		field.Time("lease_until"),
		field.Time("finished_at").Optional().Nillable(),
		// error is the last attempt's failure; empty once a run succeeded.
		field.String("error").Optional().MaxLen(1024),
	}
}

func (DailyJobRun) Indexes() []ent.Index {
	return []ent.Index{index.Fields("job", "day").Unique()}
}
