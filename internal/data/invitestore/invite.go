// Package invitestore keeps invitations, and tells invitations who a shopper is through the
// identity and order stores that own those tables.
package invitestore

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/invitation"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Store is the invitations table as invite.Repo.
type Store struct{ data *sqldb.DB }

// NewStore builds the store on data.
func NewStore(data *sqldb.DB) *Store { return &Store{data: data} }

var _ invite.Repo = (*Store)(nil)

func toInvitation(r *ent.Invitation) *invite.Invitation {
	inv := &invite.Invitation{ID: int64(r.ID), InviterID: int64(r.InviterID), InviteeID: int64(r.InviteeID),
		State: invite.InvitationState(r.State), Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(),
		QualifiedAt: sqldb.UTC(r.QualifiedAt), RewardedAt: sqldb.UTC(r.RewardedAt)}
	if r.OrderID != nil {
		inv.OrderID = int64(*r.OrderID)
	}
	if r.PhoneIndex != nil {
		inv.PhoneIndex = *r.PhoneIndex
	}
	if r.RewardSeq != nil {
		inv.RewardSeq = *r.RewardSeq
	}
	return inv
}

// Create inserts the invitation unless the invitee has one, which it returns instead.
func (s *Store) Create(ctx context.Context, inv *invite.Invitation) (*invite.Invitation, bool, error) {
	c := s.data.Client(ctx)
	err := c.Invitation.Create().SetInviterID(int(inv.InviterID)).SetInviteeID(int(inv.InviteeID)).
		SetState(invitation.State(inv.State)).SetCreatedAt(inv.CreatedAt.UTC()).
		OnConflictColumns(invitation.FieldInviteeID).DoNothing().Exec(ctx)
	created := true
	if sqldb.NoRows(err) {
		created, err = false, nil
	}
	if err != nil {
		return nil, false, sqldb.Err(err, fmt.Sprintf("invitation of shopper %d", inv.InviteeID))
	}
	out, err := s.ByInvitee(ctx, inv.InviteeID)
	return out, created, err
}

// ByInvitee reads the invitee's invitation.
func (s *Store) ByInvitee(ctx context.Context, inviteeID int64) (*invite.Invitation, error) {
	r, err := s.data.Client(ctx).Invitation.Query().Where(invitation.InviteeID(int(inviteeID))).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("invitation of shopper %d", inviteeID))
	}
	return toInvitation(r), nil
}

// LockByInvitee reads the invitee's invitation for update.
func (s *Store) LockByInvitee(ctx context.Context, inviteeID int64) (*invite.Invitation, error) {
	q := s.data.Client(ctx).Invitation.Query().Where(invitation.InviteeID(int(inviteeID)))
	if s.data.Postgres() {
		q = q.ForUpdate()
	}
	r, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("lock invitation of shopper %d", inviteeID))
	}
	return toInvitation(r), nil
}

func nilIf[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// Save writes the invitation's state and what came with it.
func (s *Store) Save(ctx context.Context, inv *invite.Invitation) error {
	u := s.data.Client(ctx).Invitation.UpdateOneID(int(inv.ID)).SetState(invitation.State(inv.State)).
		SetReason(sqldb.Clip(inv.Reason, 128)).
		SetNillableOrderID(nilIf(int(inv.OrderID))).SetNillablePhoneIndex(nilIf(inv.PhoneIndex)).
		SetNillableRewardSeq(nilIf(inv.RewardSeq))
	if inv.OrderID == 0 {
		u.ClearOrderID()
	}
	if inv.PhoneIndex == "" {
		u.ClearPhoneIndex()
	}
	if inv.RewardSeq == 0 {
		u.ClearRewardSeq()
	}
	if inv.QualifiedAt.IsZero() {
		u.ClearQualifiedAt()
	} else {
		u.SetQualifiedAt(inv.QualifiedAt.UTC())
	}
	if inv.RewardedAt.IsZero() {
		u.ClearRewardedAt()
	} else {
		u.SetRewardedAt(inv.RewardedAt.UTC())
	}
	return sqldb.Err(u.Exec(ctx), fmt.Sprintf("save invitation %d", inv.ID))
}

// PhoneInvited reports whether another invitation holds the phone index.
func (s *Store) PhoneInvited(ctx context.Context, phoneIndex string, exceptID int64) (bool, error) {
	ok, err := s.data.Client(ctx).Invitation.Query().
		Where(invitation.PhoneIndex(phoneIndex), invitation.IDNEQ(int(exceptID))).Exist(ctx)
	return ok, sqldb.Err(err, "invitations of a phone")
}

// Rewarded counts the inviter's rewarded invitations.
func (s *Store) Rewarded(ctx context.Context, inviterID int64) (int, error) {
	n, err := s.data.Client(ctx).Invitation.Query().
		Where(invitation.InviterID(int(inviterID)), invitation.StateEQ(invitation.StateRewarded)).Count(ctx)
	return n, sqldb.Err(err, fmt.Sprintf("rewarded invitations of %d", inviterID))
}

// List pages through invitations, newest first.
func (s *Store) List(ctx context.Context, f invite.Filter) ([]*invite.Invitation, error) {
	q := s.data.Client(ctx).Invitation.Query()
	if f.InviterID > 0 {
		q = q.Where(invitation.InviterID(int(f.InviterID)))
	}
	if f.State != "" {
		q = q.Where(invitation.StateEQ(invitation.State(f.State)))
	}
	if f.BeforeID > 0 {
		q = q.Where(invitation.IDLT(int(f.BeforeID)))
	}
	rows, err := q.Order(ent.Desc(invitation.FieldID)).Limit(f.Limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list invitations")
	}
	out := make([]*invite.Invitation, len(rows))
	for i, r := range rows {
		out[i] = toInvitation(r)
	}
	return out, nil
}

// Tally counts the inviter's invitations by state, everyone's for inviter 0.
func (s *Store) Tally(ctx context.Context, inviterID int64) (map[invite.InvitationState]int, error) {
	var rows []struct {
		State string `json:"state"`
		N     int    `json:"n"`
	}
	q := s.data.Client(ctx).Invitation.Query()
	if inviterID > 0 {
		q = q.Where(invitation.InviterID(int(inviterID)))
	}
	err := q.GroupBy(invitation.FieldState).Aggregate(ent.As(ent.Count(), "n")).Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("tally invitations of %d", inviterID))
	}
	out := make(map[invite.InvitationState]int, len(rows))
	for _, r := range rows {
		out[invite.InvitationState(r.State)] = r.N
	}
	return out, nil
}
