package paymentstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// RegistrationQueue is receiver_registrations as the registrar works it.
type RegistrationQueue struct{ data *sqldb.DB }

// NewRegistrationQueue builds the queue on data.
func NewRegistrationQueue(data *sqldb.DB) *RegistrationQueue { return &RegistrationQueue{data: data} }

// claimRegistrationsSQL leases a batch in one statement (see claimSQL for the locking). A
// leader's registrations run in the order they were queued: one waits while an older one of the
// same leader is pending, so an add that failed and backs off cannot overtake a later delete.
const claimRegistrationsSQL = `UPDATE receiver_registrations SET next_attempt_at = $1, attempts = attempts + 1
WHERE id IN (SELECT r.id FROM receiver_registrations r
             WHERE r.state = 'pending' AND r.next_attempt_at <= $2
               AND NOT EXISTS (SELECT 1 FROM receiver_registrations o
                               WHERE o.leader_id = r.leader_id AND o.state = 'pending' AND o.id < r.id)
             ORDER BY r.next_attempt_at, r.id LIMIT $3 %s)
RETURNING id, leader_id, op, receiver_type, account, relation_type, COALESCE(name, ''), attempts`

func (q *RegistrationQueue) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]payment.Registration, error) {
	query := q.data.Rebind(fmt.Sprintf(claimRegistrationsSQL, q.data.SkipLocked()))
	rows, err := q.data.SQL.QueryContext(ctx, query, leaseUntil.UTC(), now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim receiver registrations: %w", err)
	}
	defer rows.Close()
	var out []payment.Registration
	for rows.Next() {
		var r payment.Registration
		var op string
		if err := rows.Scan(&r.ID, &r.LeaderID, &op, &r.Receiver.Type, &r.Receiver.Account,
			&r.Receiver.Relation, &r.Receiver.Name, &r.Attempts); err != nil {
			return nil, fmt.Errorf("read receiver registration: %w", err)
		}
		r.Delete = op == string(receiverregistration.OpDelete)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (q *RegistrationQueue) Done(ctx context.Context, reg payment.Registration) error {
	_, err := q.data.Client(ctx).ReceiverRegistration.Update().Where(stillMine(reg)...).
		SetState(receiverregistration.StateDone).ClearLastError().Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("finish receiver registration %d", reg.ID))
}

func (q *RegistrationQueue) Retry(ctx context.Context, reg payment.Registration, at time.Time, reason string) error {
	_, err := q.data.Client(ctx).ReceiverRegistration.Update().Where(stillMine(reg)...).
		SetNextAttemptAt(at.UTC()).SetLastError(sqldb.Clip(reason, 512)).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("retry receiver registration %d", reg.ID))
}

func (q *RegistrationQueue) Fail(ctx context.Context, reg payment.Registration, reason string) error {
	_, err := q.data.Client(ctx).ReceiverRegistration.Update().Where(stillMine(reg)...).
		SetState(receiverregistration.StateFailed).SetLastError(sqldb.Clip(reason, 512)).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("fail receiver registration %d", reg.ID))
}

// stillMine matches the registration only while the claim that returned reg is the latest.
func stillMine(reg payment.Registration) []predicate.ReceiverRegistration {
	return []predicate.ReceiverRegistration{
		receiverregistration.ID(int(reg.ID)), receiverregistration.Attempts(reg.Attempts),
		receiverregistration.StateEQ(receiverregistration.StatePending),
	}
}

// List, Get, Superseded and Requeue are the queue as ops see it (payment.RegistrationBook).

func (q *RegistrationQueue) List(ctx context.Context, f payment.RegistrationFilter) ([]payment.RegistrationRecord, error) {
	query := q.data.Client(ctx).ReceiverRegistration.Query()
	if f.State != "" {
		query.Where(receiverregistration.StateEQ(receiverregistration.State(f.State)))
	}
	if f.LeaderID > 0 {
		query.Where(receiverregistration.LeaderID(int(f.LeaderID)))
	}
	if f.BeforeID > 0 {
		query.Where(receiverregistration.IDLT(int(f.BeforeID)))
	}
	rows, err := query.Order(ent.Desc(receiverregistration.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list receiver registrations")
	}
	out := make([]payment.RegistrationRecord, len(rows))
	for i, r := range rows {
		out[i] = registrationRecord(r)
	}
	return out, nil
}

func (q *RegistrationQueue) Get(ctx context.Context, id int64) (*payment.RegistrationRecord, error) {
	r, err := q.data.Client(ctx).ReceiverRegistration.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("receiver registration %d", id))
	}
	rec := registrationRecord(r)
	return &rec, nil
}

func (q *RegistrationQueue) Superseded(ctx context.Context, reg *payment.RegistrationRecord) (bool, error) {
	ok, err := q.data.Client(ctx).ReceiverRegistration.Query().
		Where(receiverregistration.LeaderID(int(reg.LeaderID)), receiverregistration.IDGT(int(reg.ID))).Exist(ctx)
	return ok, sqldb.Err(err, fmt.Sprintf("later registrations of leader %d", reg.LeaderID))
}

func (q *RegistrationQueue) Requeue(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := q.data.Client(ctx).ReceiverRegistration.Update().
		Where(receiverregistration.ID(int(id)), receiverregistration.StateEQ(receiverregistration.StateFailed)).
		SetState(receiverregistration.StatePending).SetNextAttemptAt(at.UTC()).Save(ctx)
	return n == 1, sqldb.Err(err, fmt.Sprintf("requeue receiver registration %d", id))
}

func registrationRecord(r *ent.ReceiverRegistration) payment.RegistrationRecord {
	return payment.RegistrationRecord{
		ID: int64(r.ID), LeaderID: int64(r.LeaderID), Delete: r.Op == receiverregistration.OpDelete,
		State: payment.RegistrationState(r.State), Attempts: r.Attempts, LastError: r.LastError,
		NextAttemptAt: r.NextAttemptAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
