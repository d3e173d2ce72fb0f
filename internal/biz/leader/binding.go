package leader

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// Bind makes leaderID the caller's pickup leader. Binding the current leader again changes
// nothing. Switching is limited to once per RebindInterval, except away from a leader that no
// longer serves: that shopper must be able to choose another at once.
func (uc *Usecase) Bind(ctx context.Context, p identity.Principal, leaderID int64) (*Binding, *Leader, error) {
	var b *Binding
	var l *Leader
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if l, err = uc.repo.Get(ctx, leaderID); err != nil {
			return err
		}
		if !l.Serving() {
			return ErrLeaderNotServing
		}
		cur, err := uc.bindings.Current(ctx, p.ID)
		switch {
		case errors.Is(err, bizerr.ErrNotFound):
		case err != nil:
			return err
		case cur.LeaderID == leaderID:
			b = cur
			return nil
		default:
			if err := uc.mayLeave(ctx, cur); err != nil {
				return err
			}
		}
		b, err = uc.bindings.Switch(ctx, p.ID, leaderID, uc.now())
		return err
	})
	return b, l, err
}

// mayLeave applies the switching limit to the current binding.
func (uc *Usecase) mayLeave(ctx context.Context, cur *Binding) error {
	next := cur.BoundAt.Add(uc.cfg.RebindInterval)
	if !uc.now().Before(next) {
		return nil
	}
	prev, err := uc.repo.Get(ctx, cur.LeaderID)
	if err != nil && !errors.Is(err, bizerr.ErrNotFound) {
		return err
	}
	if err == nil && prev.Serving() {
		return fmt.Errorf("%w: %w", bizerr.ErrRateLimited, &RebindError{NextAllowed: next})
	}
	return nil
}

// MyLeader returns the caller's binding and leader. A leader that stopped serving comes back with
// ErrLeaderNotServing beside it, so the shopper is told to choose another.
func (uc *Usecase) MyLeader(ctx context.Context, p identity.Principal) (*Binding, *Leader, error) {
	b, err := uc.bindings.Current(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	l, err := uc.repo.Get(ctx, b.LeaderID)
	if err != nil {
		return nil, nil, err
	}
	if !l.Serving() {
		return b, l, ErrLeaderNotServing
	}
	return b, l, nil
}

// BindingHistory lists the caller's bindings, newest first.
func (uc *Usecase) BindingHistory(ctx context.Context, p identity.Principal) ([]Binding, error) {
	return uc.bindings.History(ctx, p.ID)
}
