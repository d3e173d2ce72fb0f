package data

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// RegistrationQueue is receiver_registrations as the registrar works it.
type RegistrationQueue struct{ data *Data }

// NewRegistrationQueue builds the queue on data.
func NewRegistrationQueue(data *Data) *RegistrationQueue { return &RegistrationQueue{data: data} }

// claimRegistrationsSQL leases a batch in one statement; see claimSQL for the locking.
const claimRegistrationsSQL = `UPDATE receiver_registrations SET next_attempt_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM receiver_registrations WHERE state = 'pending' AND next_attempt_at <= $2
             ORDER BY next_attempt_at, id LIMIT $3 %s)
RETURNING id, leader_id, op, receiver_type, account, relation_type, attempts`

func (q *RegistrationQueue) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]payment.Registration, error) {
	query := fmt.Sprintf(claimRegistrationsSQL, "FOR UPDATE SKIP LOCKED")
	if q.data.dialect == dialect.SQLite {
		query = positional(fmt.Sprintf(claimRegistrationsSQL, ""))
	}
	rows, err := q.data.sql.QueryContext(ctx, query, leaseUntil.UTC(), now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim receiver registrations: %w", err)
	}
	defer rows.Close()
	var out []payment.Registration
	for rows.Next() {
		var r payment.Registration
		var op string
		if err := rows.Scan(&r.ID, &r.LeaderID, &op, &r.Receiver.Type, &r.Receiver.Account,
			&r.Receiver.Relation, &r.Attempts); err != nil {
			return nil, fmt.Errorf("read receiver registration: %w", err)
		}
		r.Delete = op == string(receiverregistration.OpDelete)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (q *RegistrationQueue) Done(ctx context.Context, id int64) error {
	err := q.data.client(ctx).ReceiverRegistration.UpdateOneID(int(id)).
		SetState(receiverregistration.StateDone).ClearLastError().Exec(ctx)
	return dbErr(err, fmt.Sprintf("finish receiver registration %d", id))
}

func (q *RegistrationQueue) Retry(ctx context.Context, id int64, at time.Time, reason string) error {
	err := q.data.client(ctx).ReceiverRegistration.UpdateOneID(int(id)).
		SetNextAttemptAt(at.UTC()).SetLastError(truncate(reason, 512)).Exec(ctx)
	return dbErr(err, fmt.Sprintf("retry receiver registration %d", id))
}

func (q *RegistrationQueue) Fail(ctx context.Context, id int64, reason string) error {
	err := q.data.client(ctx).ReceiverRegistration.UpdateOneID(int(id)).
		SetState(receiverregistration.StateFailed).SetLastError(truncate(reason, 512)).Exec(ctx)
	return dbErr(err, fmt.Sprintf("fail receiver registration %d", id))
}
