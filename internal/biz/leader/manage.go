package leader

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// PointEdit is a leader's change to its pickup point.
type PointEdit struct {
	Name         string
	Address      string
	Location     geo.LatLng
	OpeningHours string
}

// Mine returns the caller's own leader record.
func (uc *Usecase) Mine(ctx context.Context, p identity.Principal) (*Leader, error) {
	return uc.repo.GetByUser(ctx, p.ID)
}

// UpdatePoint edits the caller's pickup point. Within its grid the change applies at once (cells
// re-derived); a move into another grid waits for ops, since deliveries are planned per grid.
func (uc *Usecase) UpdatePoint(ctx context.Context, p identity.Principal, e PointEdit) (*Leader, error) {
	point, err := uc.locate(ctx, e.Name, e.Address, e.Location, e.OpeningHours)
	if err != nil {
		return nil, err
	}
	var out *Leader
	err = uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.LockByUser(ctx, p.ID)
		if err != nil {
			return err
		}
		if l.Status != StatusApproved {
			return Lifecycle.Refuse(l.Status, "change the pickup point")
		}
		action := ActionPointUpdated
		if point.GridCell == l.Point.GridCell {
			l.Point, l.PendingMove = *point, nil
		} else {
			action, l.PendingMove = ActionMoveRequested, point
		}
		if out, err = uc.repo.Save(ctx, l, StatusApproved); err != nil {
			return err
		}
		return uc.record(ctx, l.ID, action, actorOf(p), "")
	})
	return out, err
}

// SetPaused pauses (holiday) or resumes the caller's pickup point.
func (uc *Usecase) SetPaused(ctx context.Context, p identity.Principal, paused bool, reason string) (*Leader, error) {
	var out *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := uc.repo.LockByUser(ctx, p.ID)
		if err != nil {
			return err
		}
		if l.Status != StatusApproved {
			return Lifecycle.Refuse(l.Status, "pause or resume")
		}
		if l.Paused == paused {
			out = l
			return nil
		}
		action := ActionResumed
		if l.Paused = paused; paused {
			action = ActionPaused
		}
		if out, err = uc.repo.Save(ctx, l, StatusApproved); err != nil {
			return err
		}
		return uc.record(ctx, l.ID, action, actorOf(p), reason)
	})
	return out, err
}

// Invite is what a leader shares to recruit: its code and the mini-program QR payload.
type Invite struct {
	Code string
	// Page and Scene are the arguments of the mini-program code (wxacode.getUnlimited); the scene
	// is at most 32 characters, as WeChat allows.
	Page  string
	Scene string
}

// InvitePage is the mini-program page a recruit lands on.
const InvitePage = "pages/leader/apply"

// MyInvite returns the caller's invite, for approved leaders only.
func (uc *Usecase) MyInvite(ctx context.Context, p identity.Principal) (*Invite, error) {
	l, err := uc.repo.GetByUser(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if l.Status != StatusApproved {
		return nil, Lifecycle.Refuse(l.Status, "invite")
	}
	return &Invite{Code: l.InviteCode, Page: InvitePage, Scene: fmt.Sprintf("i=%s", l.InviteCode)}, nil
}
