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
func (uc *Usecase) Tick(ctx context.Context) error {
	now := uc.now()
	if err := uc.advance(ctx, Scheduled, now, func(b *Batch) (string, bool) {
		if b.Status != Scheduled || now.Before(b.OpensAt) {
			return "", false
		}
		b.Status = Open
		return TopicOpened, true
	}); err != nil {
		return err
	}
	return uc.advance(ctx, Open, now, func(b *Batch) (string, bool) {
		if b.Status != Open || now.Before(b.CutoffAt) {
			return "", false
		}
		b.Status = Closed
		return TopicClosed, true
	})
}

func (uc *Usecase) advance(ctx context.Context, from Status, now time.Time, step func(*Batch) (string, bool)) error {
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
			topic, ok := step(b)
			if !ok {
				return nil // another replica moved it first
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
