package promostore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entsend "github.com/groupbuy/groupbuy/ent/couponsend"
	enttarget "github.com/groupbuy/groupbuy/ent/couponsendtarget"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// targetChunk is how many targets one INSERT writes.
const targetChunk = 1000

// CreateSend stores the send and its pending targets in one transaction.
func (s *Store) CreateSend(ctx context.Context, send *promo.Send, userIDs []int64) (*promo.Send, error) {
	var out *promo.Send
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.Client(ctx)
		row, err := c.CouponSend.Create().SetTemplateID(int(send.TemplateID)).SetCreatedBy(int(send.CreatedBy)).
			SetNote(send.Note).SetTotal(len(userIDs)).Save(ctx)
		if err != nil {
			return sqldb.Err(err, "create send")
		}
		for start := 0; start < len(userIDs); start += targetChunk {
			ids := userIDs[start:min(start+targetChunk, len(userIDs))]
			bulk := make([]*ent.CouponSendTargetCreate, len(ids))
			for i, u := range ids {
				bulk[i] = c.CouponSendTarget.Create().SetSendID(row.ID).SetUserID(int(u))
			}
			if err := c.CouponSendTarget.CreateBulk(bulk...).Exec(ctx); err != nil {
				return sqldb.Err(err, fmt.Sprintf("targets of send %d", row.ID))
			}
		}
		out = toSend(row)
		return nil
	})
	return out, err
}

// Send reads one send, counting a running one's targets for its progress.
func (s *Store) Send(ctx context.Context, id int64) (*promo.Send, error) {
	row, err := s.db.Client(ctx).CouponSend.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get send %d", id))
	}
	send := toSend(row)
	if send.Status == promo.SendRunning {
		if send.Issued, send.Skipped, err = s.settled(ctx, id); err != nil {
			return nil, err
		}
	}
	return send, nil
}

// settled counts the send's issued and skipped targets.
func (s *Store) settled(ctx context.Context, sendID int64) (issued, skipped int, err error) {
	var rows []struct {
		Status string `json:"status"`
		N      int    `json:"n"`
	}
	err = s.db.Client(ctx).CouponSendTarget.Query().Where(enttarget.SendID(int(sendID))).
		GroupBy(enttarget.FieldStatus).Aggregate(ent.As(ent.Count(), "n")).Scan(ctx, &rows)
	if err != nil {
		return 0, 0, sqldb.Err(err, fmt.Sprintf("count the shoppers of send %d", sendID))
	}
	for _, r := range rows {
		switch enttarget.Status(r.Status) {
		case enttarget.StatusIssued:
			issued = r.N
		case enttarget.StatusSkipped:
			skipped = r.N
		}
	}
	return issued, skipped, nil
}

// RunningSends lists running sends, oldest first.
func (s *Store) RunningSends(ctx context.Context, limit int) ([]*promo.Send, error) {
	rows, err := s.db.Client(ctx).CouponSend.Query().Where(entsend.StatusEQ(entsend.StatusRunning)).
		Order(ent.Asc(entsend.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "running sends")
	}
	out := make([]*promo.Send, len(rows))
	for i, row := range rows {
		out[i] = toSend(row)
	}
	return out, nil
}

// Pending lists pending shoppers of the send over its (send, status, user) index.
func (s *Store) Pending(ctx context.Context, sendID int64, limit int) ([]int64, error) {
	var users []int
	err := s.db.Client(ctx).CouponSendTarget.Query().
		Where(enttarget.SendID(int(sendID)), enttarget.StatusEQ(enttarget.StatusPending)).
		Order(ent.Asc(enttarget.FieldUserID)).Limit(limit).
		Select(enttarget.FieldUserID).Scan(ctx, &users)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("pending shoppers of send %d", sendID))
	}
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = int64(u)
	}
	return out, nil
}

// Settle moves a pending target to issued or skipped: a conditional update, so one replica of
// several records it. It leaves the send's row alone: that row's updated_at is its lease.
func (s *Store) Settle(ctx context.Context, sendID, userID int64, reason string) (bool, error) {
	u := s.db.Client(ctx).CouponSendTarget.Update().Where(enttarget.SendID(int(sendID)),
		enttarget.UserID(int(userID)), enttarget.StatusEQ(enttarget.StatusPending))
	if reason == "" {
		u.SetStatus(enttarget.StatusIssued)
	} else {
		u.SetStatus(enttarget.StatusSkipped).SetReason(reason)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("settle shopper %d of send %d", userID, sendID))
	}
	return n == 1, nil
}

// Lease takes the send until at+d when its lease (updated_at, as each lease sets it) ran out.
// The lease ends when at passes the updated_at the last lease wrote: at+d.
func (s *Store) Lease(ctx context.Context, sendID int64, at time.Time, d time.Duration) (bool, error) {
	n, err := s.db.Client(ctx).CouponSend.Update().
		Where(entsend.ID(int(sendID)), entsend.StatusEQ(entsend.StatusRunning), entsend.UpdatedAtLTE(at.UTC())).
		SetUpdatedAt(at.Add(d).UTC()).Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("lease send %d", sendID))
	}
	return n == 1, nil
}

// Unlease ends the lease taken at at for d, if the send still holds that one.
func (s *Store) Unlease(ctx context.Context, sendID int64, at time.Time, d time.Duration) error {
	_, err := s.db.Client(ctx).CouponSend.Update().
		Where(entsend.ID(int(sendID)), entsend.UpdatedAt(at.Add(d).UTC())).SetUpdatedAt(at.UTC()).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("unlease send %d", sendID))
}

// FinishSend moves a running send with nobody pending to done.
func (s *Store) FinishSend(ctx context.Context, sendID int64, at time.Time) error {
	c := s.db.Client(ctx)
	pending, err := c.CouponSendTarget.Query().
		Where(enttarget.SendID(int(sendID)), enttarget.StatusEQ(enttarget.StatusPending)).Exist(ctx)
	if err != nil || pending {
		return sqldb.Err(err, fmt.Sprintf("pending shoppers of send %d", sendID))
	}
	issued, skipped, err := s.settled(ctx, sendID)
	if err != nil {
		return err
	}
	_, err = c.CouponSend.Update().Where(entsend.ID(int(sendID)), entsend.StatusEQ(entsend.StatusRunning)).
		SetStatus(entsend.StatusDone).SetFinishedAt(at.UTC()).SetIssued(issued).SetSkipped(skipped).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("finish send %d", sendID))
}

func toSend(row *ent.CouponSend) *promo.Send {
	return &promo.Send{ID: int64(row.ID), TemplateID: int64(row.TemplateID), Note: row.Note,
		Status: promo.SendStatus(row.Status), Total: row.Total, Issued: row.Issued, Skipped: row.Skipped,
		CreatedBy: int64(row.CreatedBy), CreatedAt: row.CreatedAt.UTC(), FinishedAt: sqldb.UTC(row.FinishedAt)}
}

var _ promo.SendRepo = (*Store)(nil)
