package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEntry is one state-changing action of the staff, through the API or the console: who did
// what, when, from where, and how it ended. Rows are only ever inserted: every field is
// immutable here, and on PostgreSQL a trigger refuses UPDATE and DELETE (migration
// 0012_audit_log_immutable) so that not even a bug can rewrite the record.
type AuditEntry struct{ ent.Schema }

func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").Immutable(),
		// The principal: "console", "user" or "system", and its id (0 when unknown, e.g. a
		// failed sign-in).
		field.String("subject_kind").MaxLen(16).Immutable(),
		field.Int64("subject_id").Default(0).Immutable(),
		field.String("username").Default("").MaxLen(64).Immutable(),
		field.String("role").Default("").MaxLen(64).Immutable(),
		// The API operation, e.g. /groupbuy.v1.FinanceSettlement/StartSettlementRun, also for
		// the console's forms that mirror it.
		field.String("operation").NotEmpty().MaxLen(128).Immutable(),
		field.String("target").Default("").MaxLen(128).Immutable(),
		// "ok", or the API's error reason; status is the HTTP status of the reply.
		field.String("outcome").NotEmpty().MaxLen(64).Immutable(),
		field.Int("status").Immutable(),
		field.String("channel").MaxLen(16).Immutable(),
		field.String("request_id").Default("").MaxLen(64).Immutable(),
		// Masked to its network (IPv4 /24, IPv6 /48): an address can identify a person.
		field.String("client_ip").Default("").MaxLen(64).Immutable(),
	}
}

func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{
		// Searches page newest first by id, filtered by one of these.
		index.Fields("username", "id"),
		index.Fields("operation", "id"),
		index.Fields("outcome", "id"),
		index.Fields("at"),
	}
}
