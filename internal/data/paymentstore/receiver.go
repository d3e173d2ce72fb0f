package paymentstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// WeChat Pay's names for a leader as a profit-sharing receiver: its openid (PERSONAL_OPENID) in
// the relation of a distributor (DISTRIBUTOR), as the profit-sharing API documents them.
const (
	receiverTypeOpenID  = "PERSONAL_OPENID"
	relationDistributor = "DISTRIBUTOR"
)

type receiverQueue struct{ data *sqldb.DB }

// NewReceiverQueue queues profit-sharing receiver registrations for the settlement worker.
func NewReceiverQueue(data *sqldb.DB) leader.ReceiverQueue { return &receiverQueue{data: data} }

func (q *receiverQueue) Enqueue(ctx context.Context, r leader.ReceiverRequest) error {
	op := receiverregistration.OpAdd
	if r.Delete {
		op = receiverregistration.OpDelete
	}
	typ, account := r.Type, r.Account
	if typ == "" {
		typ, account = receiverTypeOpenID, r.OpenID
	}
	err := q.data.Client(ctx).ReceiverRegistration.Create().
		SetLeaderID(int(r.LeaderID)).
		SetOp(op).
		SetReceiverType(typ).
		SetAccount(account).
		SetNillableName(nilString(r.Name)).
		SetRelationType(relationDistributor).
		SetNextAttemptAt(time.Now().UTC()).
		Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("queue receiver %s of leader %d", op, r.LeaderID))
}

// Current is the receiver the leader's latest addition names; ok is false when it has none.
func (q *receiverQueue) Current(ctx context.Context, leaderID int64) (leader.ReceiverRequest, bool, error) {
	row, err := q.data.Client(ctx).ReceiverRegistration.Query().
		Where(receiverregistration.LeaderID(int(leaderID)), receiverregistration.OpEQ(receiverregistration.OpAdd)).
		Order(ent.Desc(receiverregistration.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return leader.ReceiverRequest{}, false, nil
	}
	if err != nil {
		return leader.ReceiverRequest{}, false, sqldb.Err(err, fmt.Sprintf("receiver of leader %d", leaderID))
	}
	return leader.ReceiverRequest{LeaderID: leaderID, Type: row.ReceiverType, Account: row.Account, Name: row.Name}, true, nil
}

func nilString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
