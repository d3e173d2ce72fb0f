package order

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Verify hands an order out (核销): the shopper shows its QR or reads out its code; the order
// must be the caller's point's and ready. Any code that is not one of the caller's ready orders
// — unknown, another leader's, already used — is ErrPickupCode, alike. Failed attempts are
// counted per leader and stop verification for a while past maxVerifyFailures. Each attempt is
// counted before its code is checked and given back unless it failed, so parallel guesses get
// no more checks than sequential ones.
func (p *Pickup) Verify(ctx context.Context, leaderUserID int64, code, qr string) (*Order, error) {
	if (code == "") == (qr == "") {
		return nil, bizerr.Invalid("code", "give exactly one of code and qr")
	}
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	claimed, err := p.guard.ClaimAttempt(ctx, l.ID, maxVerifyFailures, verifyWindow)
	if err != nil {
		return nil, err
	}
	if !claimed {
		return nil, fmt.Errorf("pickup verification of leader %d: %d failures: %w", l.ID, maxVerifyFailures,
			bizerr.ErrRateLimited)
	}
	o, err := p.verify(ctx, l.ID, code, qr)
	if errors.Is(err, ErrPickupCode) {
		return nil, err // the claimed attempt stays counted
	}
	rerr := p.guard.ReturnAttempt(context.WithoutCancel(ctx), l.ID)
	if err != nil {
		return nil, errors.Join(err, rerr)
	}
	// The order is handed out and committed: an attempt left counted by a failed return only
	// makes the limit stricter for this window, which is no reason to report a failure.
	return o, nil
}

func (p *Pickup) verify(ctx context.Context, leaderID int64, code, qr string) (*Order, error) {
	var orderID int64
	if qr != "" {
		id, c, err := p.qr.Open(qr)
		if err != nil {
			return nil, err
		}
		orderID, code = id, c
	} else if !ValidCode(code) {
		return nil, ErrPickupCode
	}
	var out *Order
	err := p.tx.InTx(ctx, func(ctx context.Context) error {
		id := orderID
		if id == 0 {
			found, err := p.repo.OrderByCode(ctx, leaderID, code)
			if errors.Is(err, bizerr.ErrNotFound) {
				return ErrPickupCode
			}
			if err != nil {
				return err
			}
			id = found
		}
		o, err := p.orders.Lock(ctx, id)
		if errors.Is(err, bizerr.ErrNotFound) {
			return ErrPickupCode
		}
		if err != nil {
			return err
		}
		if o.LeaderID != leaderID || subtle.ConstantTimeCompare([]byte(o.PickupCode), []byte(code)) != 1 {
			return ErrPickupCode
		}
		switch o.Status {
		case Ready:
		case Paid:
			// The caller's own order with the right code: say what is missing.
			return Lifecycle.Refuse(o.Status, "hand out before the goods are marked arrived")
		default:
			return ErrPickupCode // used, refunded, …: single use
		}
		now := p.now()
		if err := Lifecycle.Move(&o.Status, PickedUp); err != nil {
			return err
		}
		o.PickedUpAt = now
		if err := p.orders.Save(ctx, o); err != nil {
			return err
		}
		out = o
		return p.publish(ctx, TopicPickedUp, o, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
