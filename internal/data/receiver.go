package data

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
)

// WeChat Pay's names for a leader as a profit-sharing receiver: its openid (PERSONAL_OPENID) in
// the relation of a distributor (DISTRIBUTOR), as the profit-sharing API documents them.
const (
	receiverTypeOpenID  = "PERSONAL_OPENID"
	relationDistributor = "DISTRIBUTOR"
)

type receiverQueue struct{ data *Data }

// NewReceiverQueue queues profit-sharing receiver registrations for the settlement worker.
func NewReceiverQueue(data *Data) leader.ReceiverQueue { return &receiverQueue{data: data} }

func (q *receiverQueue) Enqueue(ctx context.Context, r leader.ReceiverRequest) error {
	op := receiverregistration.OpAdd
	if r.Delete {
		op = receiverregistration.OpDelete
	}
	err := q.data.client(ctx).ReceiverRegistration.Create().
		SetLeaderID(int(r.LeaderID)).
		SetOp(op).
		SetReceiverType(receiverTypeOpenID).
		SetAccount(r.OpenID).
		SetRelationType(relationDistributor).
		SetNextAttemptAt(time.Now().UTC()).
		Exec(ctx)
	return dbErr(err, fmt.Sprintf("queue receiver %s of leader %d", op, r.LeaderID))
}
