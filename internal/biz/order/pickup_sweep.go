package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Tick flags overdue ready orders, completes picked-up orders whose after-sales window passed,
// and, every batchScan, makes ready the orders paid after their point's arrival and moves
// batches on (dispatched → arrived, arrived → completed). Every replica may run it.
func (p *Pickup) Tick(ctx context.Context) error {
	now := p.now()
	var errs []error
	if _, err := p.repo.FlagOverdue(ctx, now.Add(-p.cfg.PickupOverdue), now); err != nil {
		errs = append(errs, fmt.Errorf("flag overdue orders: %w", err))
	}
	errs = append(errs, p.completeOrders(ctx, now))
	p.mu.Lock()
	scan := now.Sub(p.lastBatch) >= batchScan
	if scan {
		p.lastBatch = now
	}
	p.mu.Unlock()
	if scan {
		errs = append(errs, p.lateArrivals(ctx), p.moveBatches(ctx))
	}
	return errors.Join(errs...)
}

// completeOrders completes picked-up orders past the after-sales window, set-based: each round
// moves up to pickupSweep orders and publishes TopicCompleted for each in the same transaction.
// An order with an after-sales request still open waits for its outcome.
func (p *Pickup) completeOrders(ctx context.Context, now time.Time) error {
	for range completeRounds {
		n := 0
		err := p.tx.InTx(ctx, func(ctx context.Context) error {
			done, err := p.repo.CompleteDue(ctx, now.Add(-p.cfg.AfterSalesWindow), pickupSweep)
			if err != nil {
				return err
			}
			n = len(done)
			for _, o := range done {
				if err := Lifecycle.Move(&o.Status, Completed); err != nil {
					return err
				}
				if err := p.publish(ctx, TopicCompleted, o, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("complete picked-up orders: %w", err)
		}
		if n < pickupSweep {
			return nil
		}
	}
	return nil
}

// lateArrivals makes ready the orders paid after their point's goods were marked arrived (a
// payment that landed late), as the arrival would have.
func (p *Pickup) lateArrivals(ctx context.Context) error {
	pairs, err := p.repo.LateArrivals(ctx, pickupSweep)
	if err != nil {
		return fmt.Errorf("late-paid orders: %w", err)
	}
	var errs []error
	for _, a := range pairs {
		l, err := p.leaders.Get(ctx, a.LeaderID)
		if err == nil {
			err = p.tx.InTx(ctx, func(ctx context.Context) error {
				_, err := p.makeReady(ctx, a.BatchID, l, p.now())
				return err
			})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("late orders of batch %d at leader %d: %w", a.BatchID, a.LeaderID, err))
		}
	}
	return errors.Join(errs...)
}

// moveBatches moves dispatched batches with no point waiting to arrived (the last waiting
// point's orders were refunded, say) and arrived batches with no open order to completed,
// each under its row lock after checking again.
func (p *Pickup) moveBatches(ctx context.Context) error {
	var errs []error
	for _, from := range []presale.Status{presale.Dispatched, presale.Arrived} {
		ids, err := p.repo.BatchesDue(ctx, from, pickupSweep)
		if err != nil {
			errs = append(errs, fmt.Errorf("batches due from %s: %w", from, err))
			continue
		}
		for _, id := range ids {
			err := p.tx.InTx(ctx, func(ctx context.Context) error {
				b, err := p.batches.Lock(ctx, id)
				if err != nil || b.Status != from {
					return err
				}
				if from == presale.Dispatched {
					return p.maybeArrived(ctx, b)
				}
				open, err := p.repo.OpenOrders(ctx, b.ID)
				if err != nil || open > 0 {
					return err
				}
				if err := presale.Lifecycle.Move(&b.Status, presale.Completed); err != nil {
					return err
				}
				return p.batches.SaveStatus(ctx, b)
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("move batch %d from %s: %w", id, from, err))
			}
		}
	}
	return errors.Join(errs...)
}
