package presale

import (
	"context"
	"fmt"
	"time"
)

// dueBatch is how many batches one tick moves at most; the next tick takes the rest.
const dueBatch = 100

// Tick opens the scheduled batches whose opens_at passed and closes the open ones whose cut-off
// passed. Every replica may tick at once: each batch is moved under its row lock after its
// status and time are checked again, so it moves (and its event is published) exactly once.
//
// A batch opens with its list prices judged again (reference.go) and only with its stock
// counters in place: they are loaded again (a no-op where
// scheduling loaded them and they are still there) before the status flips, and a failure
// leaves the batch scheduled for the next tick.
func (uc *Usecase) Tick(ctx context.Context) error {
	now := uc.now()
	if err := uc.advance(ctx, Scheduled, now, func(ctx context.Context, b *Batch) (string, bool, error) {
		if b.Status != Scheduled || now.Before(b.OpensAt) {
			return "", false, nil
		}
		if err := uc.stock.LoadFresh(ctx, b); err != nil {
			return "", false, fmt.Errorf("load stock: %w", err)
		}
		// The days between scheduling and opening are part of the rule's window and may have
		// sold the SKU lower (another batch): judged again, a list price that now fails is
		// hidden rather than the opening refused, as the clock cannot ask ops for a basis.
		if err := uc.judgeReferences(ctx, b, false); err != nil {
			return "", false, err
		}
		if err := uc.repo.SaveListPrices(ctx, b); err != nil {
			return "", false, err // the store names the batch
		}
		return TopicOpened, true, Lifecycle.Move(&b.Status, Open)
	}); err != nil {
		return err
	}
	return uc.advance(ctx, Open, now, func(_ context.Context, b *Batch) (string, bool, error) {
		if b.Status != Open || now.Before(b.CutoffAt) {
			return "", false, nil
		}
		return TopicClosed, true, Lifecycle.Move(&b.Status, Closed)
	})
}

func (uc *Usecase) advance(ctx context.Context, from Status, now time.Time,
	step func(context.Context, *Batch) (string, bool, error)) error {
	ids, err := uc.repo.Due(ctx, from, now, dueBatch)
	if err != nil {
		return fmt.Errorf("batches due from %s: %w", from, err)
	}
	for _, id := range ids {
		err := uc.tx.InTx(ctx, func(ctx context.Context) error {
			b, err := uc.repo.Lock(ctx, id)
			if err != nil {
				return err
			}
			topic, ok, err := step(ctx, b)
			if err != nil || !ok {
				return err // !ok: another replica moved it first
			}
			if err := uc.repo.SaveStatus(ctx, b); err != nil {
				return err
			}
			return uc.publish(ctx, topic, b)
		})
		if err != nil {
			return fmt.Errorf("batch %d from %s: %w", id, from, err)
		}
	}
	return nil
}
