package invite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// Repo keeps invitations. Save refuses, as bizerr.ErrConflict, a phone index another invitation
// holds and a reward seq the inviter used.
type Repo interface {
	// Create records the invitee's invitation; when the invitee has one it returns that one and
	// created false (the first invitation a shopper accepts is the one that counts).
	Create(ctx context.Context, inv *Invitation) (*Invitation, bool, error)
	// ByInvitee reads the invitee's invitation, bizerr.ErrNotFound when it has none.
	ByInvitee(ctx context.Context, inviteeID int64) (*Invitation, error)
	// LockByInvitee reads it for update, inside a transaction.
	LockByInvitee(ctx context.Context, inviteeID int64) (*Invitation, error)
	Save(ctx context.Context, inv *Invitation) error
	// PhoneInvited reports whether another invitation than exceptID holds the phone index.
	PhoneInvited(ctx context.Context, phoneIndex string, exceptID int64) (bool, error)
	// Rewarded counts the inviter's rewarded invitations.
	Rewarded(ctx context.Context, inviterID int64) (int, error)
	// List pages through invitations, newest first.
	List(ctx context.Context, f Filter) ([]*Invitation, error)
	// Tally counts the inviter's invitations by state, everyone's for inviter 0.
	Tally(ctx context.Context, inviterID int64) (map[InvitationState]int, error)
}

// Filter selects invitations; zero fields select everything.
type Filter struct {
	State     InvitationState
	InviterID int64
	BeforeID  int64
	Limit     int
}

// People tells who a shopper is (identity) and whether it ever paid for an order (orders).
type People interface {
	// Identity returns the shopper's openid, unionid and phone ("" when none is bound).
	Identity(ctx context.Context, userID int64) (openID, unionID, phone string, err error)
	HasPaid(ctx context.Context, userID int64) (bool, error)
}

// Rewarder issues a reward coupon of a template to a shopper, once per key, within the
// template's budgets.
type Rewarder interface {
	Grant(ctx context.Context, templateID, userID int64, key string) (*promo.Coupon, error)
}

// Config is the invitation programme.
type Config struct {
	// Cap is the most invitations one inviter is rewarded for; 0 turns invitations off.
	Cap int
	// InviterTemplate and InviteeTemplate are the coupon templates (channel invitation) each
	// side gets; 0 gives that side nothing.
	InviterTemplate, InviteeTemplate int64
}

// Usecase runs invitations.
type Usecase struct {
	repo    Repo
	people  People
	rewards Rewarder
	codes   *InviteCodes
	tx      port.Transactor
	cfg     Config
	now     port.Clock
}

// NewUsecase builds the invitation use case.
func NewUsecase(repo Repo, people People, rewards Rewarder, codes *InviteCodes, tx port.Transactor, cfg Config, now port.Clock) *Usecase {
	return &Usecase{repo: repo, people: people, rewards: rewards, codes: codes, tx: tx, cfg: cfg, now: now}
}

// ErrOff means the programme is not configured.
var ErrOff = errors.New("invitations are not offered")

// Code is the shopper's invitation code, to put in the link it shares.
func (u *Usecase) Code(userID int64) (string, error) {
	if u.cfg.Cap <= 0 {
		return "", ErrOff
	}
	return u.codes.Code(userID), nil
}

func (u *Usecase) person(ctx context.Context, userID int64) (Person, error) {
	openID, unionID, phone, err := u.people.Identity(ctx, userID)
	if err != nil {
		return Person{}, fmt.Errorf("shopper %d: %w", userID, err)
	}
	return Person{UserID: userID, OpenID: openID, UnionID: unionID, PhoneIndex: u.codes.PhoneIndex(phone)}, nil
}

// Accept records that the shopper opened the mini-program from an invitation code. Only a
// shopper who never paid for an order can be invited, never by itself; a shopper already
// invited keeps its first invitation (returned with accepted false).
func (u *Usecase) Accept(ctx context.Context, inviteeID int64, code string) (inv *Invitation, accepted bool, err error) {
	if u.cfg.Cap <= 0 {
		return nil, false, ErrOff
	}
	inviterID, err := u.codes.Open(code)
	if err != nil {
		return nil, false, bizerr.Invalid("code", "not an invitation code")
	}
	invitee, err := u.person(ctx, inviteeID)
	if err != nil {
		return nil, false, err
	}
	inviter, err := u.person(ctx, inviterID)
	if err != nil {
		return nil, false, err
	}
	if inviter.Same(invitee) {
		return nil, false, ErrSelfInvite
	}
	if prev, err := u.repo.ByInvitee(ctx, inviteeID); err == nil {
		return prev, false, nil
	}
	paid, err := u.people.HasPaid(ctx, inviteeID)
	if err != nil {
		return nil, false, err
	}
	if paid {
		return nil, false, ErrNotNewShopper
	}
	return u.repo.Create(ctx, &Invitation{InviterID: inviterID, InviteeID: inviteeID, State: InvitationPending,
		CreatedAt: u.now()})
}

// Status is a shopper's side of the programme.
type Status struct {
	Code      string
	Cap       int
	Tally     map[InvitationState]int
	InvitedBy *Invitation // the shopper's own invitation, nil when it was not invited
}

// Status reports the shopper's code, its invitations by state and its own invitation.
func (u *Usecase) Status(ctx context.Context, userID int64) (*Status, error) {
	code, err := u.Code(userID)
	if err != nil {
		return nil, err
	}
	tally, err := u.repo.Tally(ctx, userID)
	if err != nil {
		return nil, err
	}
	st := &Status{Code: code, Cap: u.cfg.Cap, Tally: tally}
	own, err := u.repo.ByInvitee(ctx, userID)
	switch {
	case err == nil:
		st.InvitedBy = own
	case !errors.Is(err, bizerr.ErrNotFound):
		return nil, err
	}
	return st, nil
}

// List pages through the shopper's invitations.
func (u *Usecase) List(ctx context.Context, userID, beforeID int64, limit int) ([]*Invitation, error) {
	return u.repo.List(ctx, Filter{InviterID: userID, BeforeID: beforeID, Limit: limit})
}

// Overview is the programme as ops see it: a page of invitations and the totals by state.
type Overview struct {
	Invitations []*Invitation
	Counts      map[InvitationState]int
	Cap         int
}

// Overview lists invitations for ops, with the counts of the inviter's (or everyone's).
func (u *Usecase) Overview(ctx context.Context, f Filter) (*Overview, error) {
	if f.State != "" && !slices.Contains(InvitationLifecycle.States(), f.State) {
		return nil, bizerr.Invalid("state", "pending, qualifying, rewarded, capped or refused")
	}
	invs, err := u.repo.List(ctx, f)
	if err != nil {
		return nil, err
	}
	counts, err := u.repo.Tally(ctx, f.InviterID)
	if err != nil {
		return nil, err
	}
	return &Overview{Invitations: invs, Counts: counts, Cap: u.cfg.Cap}, nil
}

// The handlers below are subscribed in the event map (internal/server/events.go). Each runs in
// one transaction under the invitation's lock and is idempotent: an event delivered again finds
// the invitation already moved.

// OnPaid makes the invitee's first paid order the one that qualifies, and refuses the
// invitation when the invitee turns out to be the inviter's person or a phone already invited.
func (u *Usecase) OnPaid(ctx context.Context, e event.Event) error {
	return u.onOrder(ctx, e, func(ctx context.Context, inv *Invitation, ch order.Changed) error {
		if inv.State != InvitationPending {
			return nil
		}
		invitee, err := u.person(ctx, inv.InviteeID)
		if err != nil {
			return err
		}
		inviter, err := u.person(ctx, inv.InviterID)
		if err != nil {
			return err
		}
		if inviter.Same(invitee) {
			return u.refuse(ctx, inv, "the invitee is the inviter")
		}
		if invitee.PhoneIndex != "" {
			taken, err := u.repo.PhoneInvited(ctx, invitee.PhoneIndex, inv.ID)
			if err != nil {
				return err
			}
			if taken {
				return u.refuse(ctx, inv, "the phone was invited before")
			}
		}
		if err := InvitationLifecycle.Move(&inv.State, InvitationQualifying); err != nil {
			return err
		}
		inv.OrderID, inv.QualifiedAt, inv.PhoneIndex = ch.OrderID, u.now(), invitee.PhoneIndex
		return u.repo.Save(ctx, inv)
	})
}

// OnRefunded puts a qualifying invitation back to pending when its order was refunded in full:
// the purchase did not stand, the next paid order may.
func (u *Usecase) OnRefunded(ctx context.Context, e event.Event) error {
	return u.onOrder(ctx, e, func(ctx context.Context, inv *Invitation, ch order.Changed) error {
		if inv.State != InvitationQualifying || inv.OrderID != ch.OrderID || ch.Status != order.Refunded {
			return nil
		}
		if err := InvitationLifecycle.Move(&inv.State, InvitationPending); err != nil {
			return err
		}
		inv.OrderID, inv.QualifiedAt = 0, time.Time{}
		return u.repo.Save(ctx, inv)
	})
}

// OnCompleted rewards the invitation whose qualifying order completed (picked up, after-sales
// window over): within the inviter's cap it becomes rewarded with the next reward seq, beyond it
// capped. The coupons are granted after the move is saved, each once by its key, so a crash in
// between grants them when the event comes again.
func (u *Usecase) OnCompleted(ctx context.Context, e event.Event) error {
	var rewarded *Invitation
	err := u.onOrder(ctx, e, func(ctx context.Context, inv *Invitation, ch order.Changed) error {
		if inv.OrderID != ch.OrderID {
			return nil
		}
		if inv.State == InvitationRewarded {
			rewarded = inv
			return nil
		}
		if inv.State != InvitationQualifying {
			return nil
		}
		n, err := u.repo.Rewarded(ctx, inv.InviterID)
		if err != nil {
			return err
		}
		to := InvitationRewarded
		if n >= u.cfg.Cap {
			to, inv.Reason = InvitationCapped, fmt.Sprintf("the inviter reached its cap of %d", u.cfg.Cap)
		} else {
			inv.RewardSeq, inv.RewardedAt, rewarded = n+1, u.now(), inv
		}
		if err := InvitationLifecycle.Move(&inv.State, to); err != nil {
			return err
		}
		return u.repo.Save(ctx, inv)
	})
	if err != nil || rewarded == nil {
		return err
	}
	return u.grant(ctx, rewarded)
}

// grant issues both sides' coupons. A spent budget is final: the invitation records it and the
// event is done; anything else comes again.
func (u *Usecase) grant(ctx context.Context, inv *Invitation) error {
	for _, side := range []struct {
		template, user int64
		name           string
	}{{u.cfg.InviterTemplate, inv.InviterID, "inviter"}, {u.cfg.InviteeTemplate, inv.InviteeID, "invitee"}} {
		if side.template == 0 {
			continue
		}
		_, err := u.rewards.Grant(ctx, side.template, side.user, promo.InvitationKey(inv.ID, side.name))
		switch {
		case errors.Is(err, promo.ErrBudgetSpent), errors.Is(err, promo.ErrNotIssuing):
			return u.note(ctx, inv, side.name+" reward not issued: "+err.Error())
		case err != nil:
			return fmt.Errorf("invitation %d, %s reward: %w", inv.ID, side.name, err)
		}
	}
	return nil
}

func (u *Usecase) note(ctx context.Context, inv *Invitation, reason string) error {
	return u.tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := u.repo.LockByInvitee(ctx, inv.InviteeID)
		if err != nil {
			return err
		}
		cur.Reason = reason
		return u.repo.Save(ctx, cur)
	})
}

func (u *Usecase) refuse(ctx context.Context, inv *Invitation, reason string) error {
	if err := InvitationLifecycle.Move(&inv.State, InvitationRefused); err != nil {
		return err
	}
	inv.Reason = reason
	return u.repo.Save(ctx, inv)
}

// onOrder decodes an order event and runs fn on the order's shopper's invitation, locked, in a
// transaction; a shopper without an invitation (most orders) returns at once.
func (u *Usecase) onOrder(ctx context.Context, e event.Event, fn func(context.Context, *Invitation, order.Changed) error) error {
	if u.cfg.Cap <= 0 {
		return nil
	}
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	return u.tx.InTx(ctx, func(ctx context.Context) error {
		inv, err := u.repo.LockByInvitee(ctx, ch.UserID)
		if errors.Is(err, bizerr.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("invitation of shopper %d: %w", ch.UserID, err)
		}
		return fn(ctx, inv, ch)
	})
}
