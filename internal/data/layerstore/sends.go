package layerstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entconsent "github.com/groupbuy/groupbuy/ent/subscriptionconsent"
	entsend "github.com/groupbuy/groupbuy/ent/targetedsend"
	enttarget "github.com/groupbuy/groupbuy/ent/targetedsendtarget"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// SendStore keeps targeted sends, their shoppers and the shoppers' consents.
type SendStore struct{ db *sqldb.DB }

// NewSendStore keeps sends in db.
func NewSendStore(db *sqldb.DB) *SendStore { return &SendStore{db: db} }

// targetChunk is how many targets one INSERT writes.
const targetChunk = 1000

// Create stores the send and a message send's pending targets in one transaction.
func (s *SendStore) Create(ctx context.Context, send *layer.Send, userIDs []int64) (*layer.Send, error) {
	var out *layer.Send
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.Client(ctx)
		q := c.TargetedSend.Create().SetDay(send.Day).SetLayer(entsend.Layer(send.Layer)).SetGridCell(send.Grid).
			SetKind(entsend.Kind(send.Kind)).SetNote(send.Note).SetTotal(send.Total).SetCreatedBy(int(send.CreatedBy))
		if send.Kind == layer.KindCoupon {
			q.SetCouponSendID(int(send.CouponSendID))
		} else {
			data, err := json.Marshal(send.Message.Data)
			if err != nil {
				return fmt.Errorf("encode the message: %w", err)
			}
			q.SetTemplateID(send.Message.TemplateID).SetPage(send.Message.Page).SetData(string(data))
		}
		row, err := q.Save(ctx)
		if err != nil {
			return sqldb.Err(err, "create targeted send")
		}
		for start := 0; start < len(userIDs); start += targetChunk {
			ids := userIDs[start:min(start+targetChunk, len(userIDs))]
			bulk := make([]*ent.TargetedSendTargetCreate, len(ids))
			for i, u := range ids {
				bulk[i] = c.TargetedSendTarget.Create().SetSendID(row.ID).SetUserID(int(u))
			}
			if err := c.TargetedSendTarget.CreateBulk(bulk...).Exec(ctx); err != nil {
				return sqldb.Err(err, fmt.Sprintf("targets of targeted send %d", row.ID))
			}
		}
		out, err = toSend(row)
		if out != nil && out.Kind == layer.KindMessage {
			out.Progress.Pending = out.Total
		}
		return err
	})
	return out, err
}

// Get reads a send and counts a message send's targets.
func (s *SendStore) Get(ctx context.Context, id int64) (*layer.Send, error) {
	row, err := s.db.Client(ctx).TargetedSend.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get targeted send %d", id))
	}
	return s.withProgress(ctx, row)
}

func (s *SendStore) withProgress(ctx context.Context, row *ent.TargetedSend) (*layer.Send, error) {
	send, err := toSend(row)
	if err != nil || send.Kind != layer.KindMessage {
		return send, err
	}
	var rows []struct {
		Status string `json:"status"`
		N      int    `json:"n"`
	}
	err = s.db.Client(ctx).TargetedSendTarget.Query().Where(enttarget.SendID(row.ID)).
		GroupBy(enttarget.FieldStatus).Aggregate(ent.As(ent.Count(), "n")).Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("count the shoppers of targeted send %d", row.ID))
	}
	for _, r := range rows {
		switch enttarget.Status(r.Status) {
		case enttarget.StatusPending:
			send.Progress.Pending = r.N
		case enttarget.StatusSending:
			send.Progress.Unknown = r.N
		case enttarget.StatusSent:
			send.Progress.Sent = r.N
		case enttarget.StatusNoConsent:
			send.Progress.NoConsent = r.N
		case enttarget.StatusRefused:
			send.Progress.Refused = r.N
		}
	}
	return send, nil
}

// List pages through sends, newest first.
func (s *SendStore) List(ctx context.Context, beforeID int64, limit int) ([]*layer.Send, error) {
	q := s.db.Client(ctx).TargetedSend.Query().Order(ent.Desc(entsend.FieldID)).Limit(limit)
	if beforeID > 0 {
		q.Where(entsend.IDLT(int(beforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list targeted sends")
	}
	out := make([]*layer.Send, len(rows))
	for i, row := range rows {
		if out[i], err = s.withProgress(ctx, row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RunningMessages lists running message sends, oldest first.
func (s *SendStore) RunningMessages(ctx context.Context, limit int) ([]*layer.Send, error) {
	rows, err := s.db.Client(ctx).TargetedSend.Query().
		Where(entsend.StatusEQ(entsend.StatusRunning), entsend.KindEQ(entsend.KindMessage)).
		Order(ent.Asc(entsend.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "running targeted sends")
	}
	out := make([]*layer.Send, len(rows))
	for i, row := range rows {
		if out[i], err = toSend(row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Lease takes the send until at+d when no lease is held or the last one ran out.
func (s *SendStore) Lease(ctx context.Context, id int64, at time.Time, d time.Duration) (bool, error) {
	n, err := s.db.Client(ctx).TargetedSend.Update().
		Where(entsend.ID(int(id)), entsend.StatusEQ(entsend.StatusRunning),
			entsend.Or(entsend.LeasedUntilIsNil(), entsend.LeasedUntilLTE(at.UTC()))).
		SetLeasedUntil(at.Add(d).UTC()).Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("lease targeted send %d", id))
	}
	return n == 1, nil
}

// Unlease ends the lease taken at at for d, if the send still holds that one.
func (s *SendStore) Unlease(ctx context.Context, id int64, at time.Time, d time.Duration) error {
	_, err := s.db.Client(ctx).TargetedSend.Update().
		Where(entsend.ID(int(id)), entsend.LeasedUntil(at.Add(d).UTC())).ClearLeasedUntil().Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("unlease targeted send %d", id))
}

// Pending lists pending shoppers over the (send, status, user) index.
func (s *SendStore) Pending(ctx context.Context, id int64, limit int) ([]int64, error) {
	var users []int
	err := s.db.Client(ctx).TargetedSendTarget.Query().
		Where(enttarget.SendID(int(id)), enttarget.StatusEQ(enttarget.StatusPending)).
		Order(ent.Asc(enttarget.FieldUserID)).Limit(limit).Select(enttarget.FieldUserID).Scan(ctx, &users)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("pending shoppers of targeted send %d", id))
	}
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = int64(u)
	}
	return out, nil
}

// TakeConsent locks the pending target, then takes the shopper's oldest unused consent of the
// template (skipping one another transaction holds), in one transaction: a consent is used by one
// send of one shopper only, and a shopper of a send uses at most one.
func (s *SendStore) TakeConsent(ctx context.Context, id, userID int64, template string, at time.Time) (layer.Outcome, error) {
	outcome := layer.Settled
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.Client(ctx)
		target, err := sqldb.Lock(s.db, c.TargetedSendTarget.Query().
			Where(enttarget.SendID(int(id)), enttarget.UserID(int(userID)), enttarget.StatusEQ(enttarget.StatusPending))).
			Only(ctx)
		if sqldb.NoRows(err) || ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("lock shopper %d of targeted send %d", userID, id))
		}
		consent, err := sqldb.LockSkipping(s.db, c.SubscriptionConsent.Query().
			Where(entconsent.UserID(int(userID)), entconsent.TemplateID(template), entconsent.UsedAtIsNil()).
			Order(ent.Asc(entconsent.FieldID))).First(ctx)
		if ent.IsNotFound(err) {
			outcome = layer.NoConsent
			return sqldb.Err(target.Update().SetStatus(enttarget.StatusNoConsent).Exec(ctx), "record no consent")
		}
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("consent of shopper %d", userID))
		}
		if err := consent.Update().SetUsedAt(at.UTC()).SetUsedBy(int(id)).Exec(ctx); err != nil {
			return sqldb.Err(err, "use consent")
		}
		outcome = layer.Taken
		return sqldb.Err(target.Update().SetStatus(enttarget.StatusSending).SetConsentID(consent.ID).Exec(ctx),
			"record sending")
	})
	return outcome, err
}

// Settle moves a sending target to sent or refused.
func (s *SendStore) Settle(ctx context.Context, id, userID int64, reason string) error {
	u := s.db.Client(ctx).TargetedSendTarget.Update().Where(enttarget.SendID(int(id)),
		enttarget.UserID(int(userID)), enttarget.StatusEQ(enttarget.StatusSending))
	if reason == "" {
		u.SetStatus(enttarget.StatusSent)
	} else {
		u.SetStatus(enttarget.StatusRefused).SetReason(reason)
	}
	_, err := u.Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("settle shopper %d of targeted send %d", userID, id))
}

// GiveBack returns a sending target to pending and its consent to unused, in one transaction.
func (s *SendStore) GiveBack(ctx context.Context, id, userID int64) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.Client(ctx)
		target, err := c.TargetedSendTarget.Query().Where(enttarget.SendID(int(id)), enttarget.UserID(int(userID)),
			enttarget.StatusEQ(enttarget.StatusSending)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return sqldb.Err(err, "read the target to give back")
		}
		if target.ConsentID != nil {
			err := c.SubscriptionConsent.UpdateOneID(*target.ConsentID).ClearUsedAt().ClearUsedBy().Exec(ctx)
			if err != nil {
				return sqldb.Err(err, "give back the consent")
			}
		}
		return sqldb.Err(target.Update().SetStatus(enttarget.StatusPending).ClearConsentID().Exec(ctx), "give back")
	})
}

// Finish moves a running send with nobody pending to done.
func (s *SendStore) Finish(ctx context.Context, id int64, at time.Time) error {
	c := s.db.Client(ctx)
	pending, err := c.TargetedSendTarget.Query().
		Where(enttarget.SendID(int(id)), enttarget.StatusEQ(enttarget.StatusPending)).Exist(ctx)
	if err != nil || pending {
		return sqldb.Err(err, fmt.Sprintf("pending shoppers of targeted send %d", id))
	}
	_, err = c.TargetedSend.Update().Where(entsend.ID(int(id)), entsend.StatusEQ(entsend.StatusRunning)).
		SetStatus(entsend.StatusDone).SetFinishedAt(at.UTC()).Save(ctx)
	return sqldb.Err(err, fmt.Sprintf("finish targeted send %d", id))
}

func toSend(row *ent.TargetedSend) (*layer.Send, error) {
	s := &layer.Send{ID: int64(row.ID), Day: row.Day, Layer: layer.Layer(row.Layer), Grid: row.GridCell,
		Kind: layer.Kind(row.Kind), Note: row.Note, Status: layer.Status(row.Status), Total: row.Total,
		CreatedBy: int64(row.CreatedBy), CreatedAt: row.CreatedAt.UTC(), FinishedAt: sqldb.UTC(row.FinishedAt)}
	if row.CouponSendID != nil {
		s.CouponSendID = int64(*row.CouponSendID)
	}
	if s.Kind == layer.KindMessage {
		s.Message = layer.Message{TemplateID: row.TemplateID, Page: row.Page}
		if err := json.Unmarshal([]byte(row.Data), &s.Message.Data); err != nil {
			return nil, fmt.Errorf("targeted send %d: message data: %w", row.ID, err)
		}
	}
	return s, nil
}

// AddConsents stores the acceptances not stored before, each unless the shopper already banks
// maxUnused of its template.
func (s *SendStore) AddConsents(ctx context.Context, userID int64, requestID string, templates []string,
	maxUnused int, at time.Time) (int, error) {
	added := 0
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.Client(ctx)
		for _, t := range templates {
			unused, err := c.SubscriptionConsent.Query().Where(entconsent.UserID(int(userID)),
				entconsent.TemplateID(t), entconsent.UsedAtIsNil()).Count(ctx)
			if err != nil {
				return sqldb.Err(err, "count unused consents")
			}
			if unused >= maxUnused {
				continue
			}
			n, err := s.db.Exec(ctx, `INSERT INTO subscription_consents (user_id, template_id, request_id, accepted_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, request_id, template_id) DO NOTHING`,
				userID, t, requestID, at.UTC())
			if err != nil {
				return fmt.Errorf("store consent: %w", err)
			}
			added += int(n) // 0: stored before, a resent report
		}
		return nil
	})
	return added, err
}

// Unused counts the shopper's unused consents per template.
func (s *SendStore) Unused(ctx context.Context, userID int64) (map[string]int, error) {
	var rows []struct {
		TemplateID string `json:"template_id"`
		N          int    `json:"n"`
	}
	err := s.db.Client(ctx).SubscriptionConsent.Query().
		Where(entconsent.UserID(int(userID)), entconsent.UsedAtIsNil()).
		GroupBy(entconsent.FieldTemplateID).Aggregate(ent.As(ent.Count(), "n")).Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, "count unused consents")
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.TemplateID] = r.N
	}
	return out, nil
}

var (
	_ layer.SendRepo    = (*SendStore)(nil)
	_ layer.ConsentRepo = (*SendStore)(nil)
)
