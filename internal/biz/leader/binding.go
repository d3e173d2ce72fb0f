package leader

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// Bind makes leaderID the caller's pickup leader. Binding the current leader again changes
// nothing. Leaving the current leader follows the switching rule (see Config.leave): free away
// from a leader that no longer serves, before the shopper's first order, and within the grace
// period of the shopper's first choice; otherwise at most once per RebindInterval.
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

// mayLeave gathers what the switching rule needs about the current binding, reading only what
// the answer still depends on, and applies the rule.
func (uc *Usecase) mayLeave(ctx context.Context, cur *Binding) error {
	now := uc.now()
	st := Standing{BoundAt: cur.BoundAt, Serving: true}
	if !now.Before(cur.BoundAt.Add(uc.cfg.RebindInterval)) {
		return nil // the interval passed: nothing else matters
	}
	prev, err := uc.repo.Get(ctx, cur.LeaderID)
	switch {
	case errors.Is(err, bizerr.ErrNotFound):
		st.Serving = false
	case err != nil:
		return err
	default:
		st.Serving = prev.Serving()
	}
	if st.Ordered, err = uc.bindings.Ordered(ctx, cur.UserID); err != nil {
		return err
	}
	n, err := uc.bindings.Count(ctx, cur.UserID)
	if err != nil {
		return err
	}
	st.First = n <= 1
	return uc.cfg.leave(st, now)
}

// Standing is what the switching rule knows about a shopper's current binding.
type Standing struct {
	// BoundAt is when the current leader was chosen.
	BoundAt time.Time
	// Serving is whether the current leader still serves.
	Serving bool
	// First is whether the current binding is the shopper's first choice of leader.
	First bool
	// Ordered is whether the shopper has ever placed an order (in any status).
	Ordered bool
}

// leave is the switching rule. The limit guards a leader's relationship with the shoppers who buy
// through it, so it binds only once there is one:
//   - away from a leader that no longer serves, leaving is free (the shopper must choose again);
//   - before the shopper's first order every choice is provisional and changes freely;
//   - the first choice may also be corrected within FirstChoiceGrace of making it, even after
//     ordering (a new shopper who ordered at once from the wrong pickup point);
//   - otherwise a choice stands for RebindInterval from when it was made.
//
// It returns nil or bizerr.ErrRateLimited wrapping a *RebindError that says when and why.
func (c Config) leave(st Standing, now time.Time) error {
	next := st.BoundAt.Add(c.RebindInterval)
	switch {
	case !now.Before(next), !st.Serving, !st.Ordered:
		return nil
	case st.First && now.Before(st.BoundAt.Add(c.FirstChoiceGrace)):
		return nil
	}
	return fmt.Errorf("%w: %w", bizerr.ErrRateLimited,
		&RebindError{BoundAt: st.BoundAt, NextAllowed: next, Interval: c.RebindInterval})
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
