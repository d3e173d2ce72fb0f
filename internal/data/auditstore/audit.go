// Package auditstore keeps the audit log in audit_entries. It inserts and reads, nothing else:
// there is deliberately no method that updates or deletes an entry.
package auditstore

import (
	"context"
	"strconv"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/auditentry"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// AuditStore is the audit log's rows.
type AuditStore struct{ data *sqldb.DB }

// NewAuditStore is the audit log on data.
func NewAuditStore(data *sqldb.DB) *AuditStore { return &AuditStore{data: data} }

// Insert adds e and sets its id. It runs on the pool, never in the caller's transaction: an
// action that rolls back was still attempted, and its entry must stay.
func (s *AuditStore) Insert(ctx context.Context, e *audit.Entry) error {
	row, err := s.data.Ent.AuditEntry.Create().
		SetAt(e.At.UTC()).
		SetSubjectKind(string(e.SubjectKind)).SetSubjectID(e.SubjectID).
		SetUsername(sqldb.Clip(e.Username, 64)).SetRole(sqldb.Clip(e.Role, 64)).
		SetOperation(sqldb.Clip(e.Operation, 128)).SetTarget(sqldb.Clip(e.Target, 128)).
		SetOutcome(sqldb.Clip(e.Outcome, 64)).SetStatus(e.Status).
		SetChannel(string(e.Channel)).SetRequestID(sqldb.Clip(e.RequestID, 64)).
		SetClientIP(sqldb.Clip(e.ClientIP, 64)).
		Save(ctx)
	if err != nil {
		return sqldb.Err(err, "insert audit entry")
	}
	e.ID = int64(row.ID)
	return nil
}

// Search pages the entries f selects by id, newest first.
func (s *AuditStore) Search(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	rows, err := s.data.Ent.AuditEntry.Query().
		Where(where(f)...).
		Order(ent.Desc(auditentry.FieldID)).
		Limit(f.Limit).
		All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "search audit entries")
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		out[i] = entry(r)
	}
	return out, nil
}

func where(f audit.Filter) []predicate.AuditEntry {
	var ps []predicate.AuditEntry
	if f.Who != "" {
		// Digits are a principal's id; anything else a username.
		if id, err := strconv.ParseInt(f.Who, 10, 64); err == nil {
			ps = append(ps, auditentry.SubjectID(id))
		} else {
			ps = append(ps, auditentry.Username(f.Who))
		}
	}
	if f.Operation != "" {
		ps = append(ps, auditentry.Operation(f.Operation))
	}
	if f.Outcome != "" {
		ps = append(ps, auditentry.Outcome(f.Outcome))
	}
	if !f.From.IsZero() {
		ps = append(ps, auditentry.AtGTE(f.From.UTC()))
	}
	if !f.To.IsZero() {
		ps = append(ps, auditentry.AtLT(f.To.UTC()))
	}
	if f.BeforeID > 0 {
		ps = append(ps, auditentry.IDLT(int(f.BeforeID)))
	}
	return ps
}

func entry(r *ent.AuditEntry) audit.Entry {
	return audit.Entry{
		ID: int64(r.ID), At: r.At.UTC(),
		SubjectKind: identity.SubjectKind(r.SubjectKind), SubjectID: r.SubjectID,
		Username: r.Username, Role: r.Role,
		Operation: r.Operation, Target: r.Target, Outcome: r.Outcome, Status: r.Status,
		Channel: audit.Channel(r.Channel), RequestID: r.RequestID, ClientIP: r.ClientIP,
	}
}
