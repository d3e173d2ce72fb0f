package leader

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// Approve makes a pending applicant a leader: it fixes the recruiting chain, gives the user the
// leader role, and queues its registration as a profit-sharing receiver — all in one transaction.
func (uc *Usecase) Approve(ctx context.Context, p identity.Principal, id int64) (*Leader, error) {
	return uc.review(ctx, p, id, StatusPending, StatusApproved, ActionApproved, "", func(ctx context.Context, l *Leader) error {
		upline, err := uc.upline(ctx, l)
		if err != nil {
			return err
		}
		now := uc.now()
		l.Upline, l.ApprovedAt, l.StatusReason = upline, &now, ""
		return uc.grantLeader(ctx, l)
	})
}

// Reject turns an application down with a reason the applicant sees.
func (uc *Usecase) Reject(ctx context.Context, p identity.Principal, id int64, reason string) (*Leader, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return uc.review(ctx, p, id, StatusPending, StatusRejected, ActionRejected, reason, nil)
}

// Suspend stops an approved leader serving; its shoppers are told to choose another leader. The
// user loses the leader role from its next request on (no arrivals, pickups or leader pages
// until reinstated) but stays a profit-sharing receiver and is paid what it earned before.
// Removal as a receiver belongs to removing a leader.
func (uc *Usecase) Suspend(ctx context.Context, p identity.Principal, id int64, reason string) (*Leader, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return uc.review(ctx, p, id, StatusApproved, StatusSuspended, ActionSuspended, reason, func(ctx context.Context, l *Leader) error {
		return uc.setLeaderRole(ctx, l.UserID, false)
	})
}

// Reinstate lets a suspended leader serve again; the leader role returns with its next token
// (a refresh).
func (uc *Usecase) Reinstate(ctx context.Context, p identity.Principal, id int64) (*Leader, error) {
	return uc.review(ctx, p, id, StatusSuspended, StatusApproved, ActionReinstated, "", func(ctx context.Context, l *Leader) error {
		return uc.setLeaderRole(ctx, l.UserID, true)
	})
}

// Remove ends an approved or suspended leader for good, with a reason, and queues its removal
// as a profit-sharing receiver in the same transaction: WeChat then refuses shares to it, so
// settlement pays it nothing more and finance settles what it is still owed by hand. The user
// loses the leader role from its next request on.
func (uc *Usecase) Remove(ctx context.Context, p identity.Principal, id int64, reason string) (*Leader, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	var out *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if err := Lifecycle.Check(l.Status, StatusRemoved); err != nil {
			return err
		}
		from := l.Status
		out, err = uc.review(ctx, p, id, from, StatusRemoved, ActionRemoved, reason, func(ctx context.Context, l *Leader) error {
			if err := uc.setLeaderRole(ctx, l.UserID, false); err != nil {
				return err
			}
			cur, ok, err := uc.receivers.Current(ctx, l.ID)
			if err != nil || !ok {
				return err
			}
			cur.Delete = true
			return uc.receivers.Enqueue(ctx, cur)
		})
		return err
	})
	return out, err
}

// MerchantReceiver is a company's WeChat Pay merchant account that receives a leader's
// commission instead of the leader's openid (a grid station company running a pickup point).
type MerchantReceiver struct {
	MchID string
	// Name is the company's name as registered with WeChat Pay (WeChat checks it).
	Name string
}

// UseMerchantReceiver pays an approved or suspended leader's commission to a merchant account
// from now on: the current receiver's deletion and the merchant's addition are queued in one
// transaction, in that order. Only a merchant receiver can give money back (分账回退) when a
// refund reverses commission it was already paid.
func (uc *Usecase) UseMerchantReceiver(ctx context.Context, p identity.Principal, id int64, m MerchantReceiver) (*Leader, error) {
	m.MchID, m.Name = strings.TrimSpace(m.MchID), strings.TrimSpace(m.Name)
	if !validMchID(m.MchID) {
		return nil, bizerr.Invalid("mch_id", "a WeChat Pay merchant id is 8 to 32 digits")
	}
	if n := utf8.RuneCountInString(m.Name); n == 0 || n > 128 {
		return nil, bizerr.Invalid("name", "the merchant's registered name, 1 to 128 characters")
	}
	var out *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if l.Status != StatusApproved && l.Status != StatusSuspended {
			return Lifecycle.Refuse(l.Status, "change the receiver")
		}
		cur, ok, err := uc.receivers.Current(ctx, l.ID)
		if err != nil {
			return err
		}
		if ok && cur.Type == ReceiverMerchant && cur.Account == m.MchID && cur.Name == m.Name {
			out = l
			return nil // already the receiver
		}
		if ok {
			cur.Delete = true
			if err := uc.receivers.Enqueue(ctx, cur); err != nil {
				return err
			}
		}
		if err := uc.receivers.Enqueue(ctx, ReceiverRequest{LeaderID: l.ID, Type: ReceiverMerchant, Account: m.MchID, Name: m.Name}); err != nil {
			return err
		}
		out = l
		return uc.record(ctx, id, ActionReceiverChanged, actorOf(p), "MERCHANT_ID "+m.MchID)
	})
	return out, err
}

// ReceiverMerchant is WeChat Pay's receiver type of a merchant account.
const ReceiverMerchant = "MERCHANT_ID"

func validMchID(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// review moves a leader from → to, runs also inside the same transaction, and records the event.
// The save is conditional on the status read, so two ops reviewing at once cannot both win.
func (uc *Usecase) review(ctx context.Context, p identity.Principal, id int64, from, to Status, action, reason string,
	also func(ctx context.Context, l *Leader) error) (*Leader, error) {
	var out *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if l.Status != from { // moved meanwhile: the review was of another state
			return &lifecycle.TransitionError{Entity: Lifecycle.Entity(), From: string(l.Status), To: string(to)}
		}
		if err := Lifecycle.Move(&l.Status, to); err != nil {
			return err
		}
		l.StatusReason = strings.TrimSpace(reason)
		if also != nil {
			if err := also(ctx, l); err != nil {
				return err
			}
		}
		if out, err = uc.repo.Save(ctx, l, from); err != nil {
			return err
		}
		return uc.record(ctx, id, action, actorOf(p), reason)
	})
	return out, err
}

// upline walks the recruiter's chain: the recruiter is level 1, its fixed upline the levels
// above, cut to the configured depth. A chain that comes back to the leader is refused.
func (uc *Usecase) upline(ctx context.Context, l *Leader) ([]int64, error) {
	if l.RecruiterID == nil || uc.cfg.UplineDepth <= 0 {
		return nil, nil
	}
	r, err := uc.repo.Get(ctx, *l.RecruiterID)
	if err != nil {
		return nil, fmt.Errorf("recruiter %d: %w", *l.RecruiterID, err)
	}
	chain := append([]int64{r.ID}, r.Upline...)
	if slices.Contains(chain, l.ID) {
		return nil, ErrInviteCycle
	}
	return chain[:min(len(chain), uc.cfg.UplineDepth)], nil
}

// grantLeader gives the user the leader role and queues its profit-sharing receiver.
func (uc *Usecase) grantLeader(ctx context.Context, l *Leader) error {
	u, err := uc.users.Get(ctx, l.UserID)
	if err != nil {
		return fmt.Errorf("user %d of leader %d: %w", l.UserID, l.ID, err)
	}
	if err := uc.setLeaderRole(ctx, l.UserID, true); err != nil {
		return err
	}
	return uc.receivers.Enqueue(ctx, ReceiverRequest{LeaderID: l.ID, OpenID: u.OpenID})
}

// setLeaderRole gives or takes the user's leader role and limits the access tokens it already
// holds to the roles it has now, so that a role taken away is gone from its next request, not
// when those tokens expire. The mark is set inside the transaction: a change that commits
// always has it, and since a mark only ever narrows a token's roles to the committed ones, a
// refresh racing the commit gains nothing.
func (uc *Usecase) setLeaderRole(ctx context.Context, userID int64, grant bool) error {
	change := uc.users.RevokeRole
	if grant {
		change = uc.users.GrantRole
	}
	if err := change(ctx, userID, identity.RoleLeader); err != nil {
		return err
	}
	u, err := uc.users.Get(ctx, userID)
	if err != nil {
		return fmt.Errorf("reload user %d: %w", userID, err)
	}
	return uc.marks.LimitRoles(ctx, identity.SubjectUser, userID, u.Roles)
}

// ApproveMove applies a pickup-point move into another grid that the leader asked for.
func (uc *Usecase) ApproveMove(ctx context.Context, p identity.Principal, id int64) (*Leader, error) {
	return uc.decideMove(ctx, p, id, true, "")
}

// RejectMove drops a requested move; the pickup point stays where it was.
func (uc *Usecase) RejectMove(ctx context.Context, p identity.Principal, id int64, reason string) (*Leader, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return uc.decideMove(ctx, p, id, false, reason)
}

func (uc *Usecase) decideMove(ctx context.Context, p identity.Principal, id int64, approve bool, reason string) (*Leader, error) {
	var out *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if l.PendingMove == nil {
			return ErrNoMovePending
		}
		action := ActionMoveRejected
		if approve {
			action, l.Point = ActionMoveApproved, *l.PendingMove
		}
		l.PendingMove = nil
		if out, err = uc.repo.Save(ctx, l, l.Status); err != nil {
			return err
		}
		return uc.record(ctx, id, action, actorOf(p), reason)
	})
	return out, err
}

// Get returns one leader (ops).
func (uc *Usecase) Get(ctx context.Context, id int64) (*Leader, []Event, error) {
	l, err := uc.repo.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	events, err := uc.repo.Events(ctx, id)
	return l, events, err
}

// List returns leaders for ops, filtered and paged by id.
func (uc *Usecase) List(ctx context.Context, f ListFilter) ([]*Leader, error) {
	f.PointName = strings.TrimSpace(f.PointName)
	if err := checkText("point_name", f.PointName, 0, 64); err != nil {
		return nil, err
	}
	return uc.repo.List(ctx, f)
}

func checkReason(reason string) error {
	return checkText("reason", reason, 2, 256)
}
