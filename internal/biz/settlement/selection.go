package settlement

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// SelectPending saves one batch of every running run whose selection has not finished, so that
// a worker calls WeChat between batches instead of waiting for a whole selection. A run another
// worker is selecting is left to it.
func (u *Usecase) SelectPending(ctx context.Context) error {
	if !u.selecting.TryLock() {
		return nil // another goroutine of this process is selecting
	}
	defer u.selecting.Unlock()
	runs, err := u.store.RunsToSelect(ctx)
	if err != nil {
		return fmt.Errorf("runs to select: %w", err)
	}
	for _, r := range runs {
		if _, err := u.selectBatch(ctx, r.ID, true); err != nil && !errors.Is(err, bizerr.ErrConflict) {
			return fmt.Errorf("select settlement run %d: %w", r.ID, err)
		}
	}
	return nil
}

// Select saves the items of a run, a batch per database transaction under the run's row lock,
// until no candidate is left. A batch commits whole or not at all, with the selection's cursor,
// so a selection killed at any point continues where it stopped.
func (u *Usecase) Select(ctx context.Context, runID int64) error {
	u.selecting.Lock()
	defer u.selecting.Unlock()
	for {
		done, err := u.selectBatch(ctx, runID, false)
		if errors.Is(err, bizerr.ErrConflict) {
			continue // a carried share was taken by another run meanwhile: plan again
		}
		if err != nil {
			return fmt.Errorf("select settlement run %d: %w", runID, err)
		}
		if done {
			u.Wake()
			return nil
		}
	}
}

// selectBatch saves one batch of the run; with skipLocked it does nothing when another worker
// holds the run.
func (u *Usecase) selectBatch(ctx context.Context, runID int64, skipLocked bool) (done bool, err error) {
	err = u.tx.InTx(ctx, func(ctx context.Context) error {
		r, got, err := u.store.LockRun(ctx, runID, skipLocked)
		if err != nil || !got {
			return err
		}
		if !r.SelectedAt.IsZero() || r.State != RunRunning {
			done = true
			return nil
		}
		cands, err := u.store.Candidates(ctx, r.ID, r.Cutoff, u.cfg.SelectBatch)
		if err != nil {
			return fmt.Errorf("candidates: %w", err)
		}
		if err := u.plan(ctx, r, cands); err != nil {
			return err
		}
		if len(cands) < u.cfg.SelectBatch {
			done = true
			return u.store.MarkSelected(ctx, r.ID, u.now())
		}
		return nil
	})
	return done, err
}

// plan turns candidates into items: a transaction past its deadline is recorded as expired
// (its commission to finance), the others are planned with the leaders' receivables netted
// first (under the leaders' locks) and their earlier shares carried.
func (u *Usecase) plan(ctx context.Context, r *Run, cands []Candidate) error {
	leaders := leadersOf(cands)
	receivable, err := u.lockedReceivables(ctx, leaders)
	if err != nil {
		return err
	}
	receivers, err := u.store.Receivers(ctx, leaders)
	if err != nil {
		return fmt.Errorf("receivers: %w", err)
	}
	carries, err := u.store.OpenCarries(ctx, leaders)
	if err != nil {
		return fmt.Errorf("open carries: %w", err)
	}
	p := NewPlanner(u.cfg, r.ID, receivers, receivable, carries)
	now := u.now()
	items := make([]Item, 0, len(cands))
	var txs []ledger.Tx
	for _, c := range cands {
		if deadline := u.cfg.Deadline(c.PaidAt); !now.Before(deadline) {
			it, tx := expiredItem(r.ID, c, deadline, now)
			items = append(items, it)
			if len(tx.Postings) > 0 {
				txs = append(txs, tx)
			}
			continue
		}
		it, nets := p.Plan(c)
		it.CreatedAt, it.NextAttemptAt = now, now
		if c.Refunded >= c.Amount {
			if err := refundedInFull(&it, now); err != nil {
				return err
			}
		}
		items = append(items, it)
		if len(nets) > 0 {
			txs = append(txs, NettedTx(r.ID, c.OrderID, c.GridCell, nets))
		}
	}
	if err := u.store.SaveItems(ctx, items); err != nil {
		return fmt.Errorf("save items: %w", err)
	}
	for _, it := range items {
		if it.State == ItemExpired {
			if err := u.store.ExpireEntries(ctx, it.OrderID); err != nil {
				return err
			}
		}
	}
	if len(txs) > 0 {
		if _, err := u.book.Post(ctx, txs...); err != nil {
			return fmt.Errorf("post netting and expiries: %w", err)
		}
	}
	return nil
}

// lockedReceivables locks the leaders that owe anything and reads what they owe under the
// lock: completions net receivables under the same locks, so nothing is netted twice.
func (u *Usecase) lockedReceivables(ctx context.Context, leaders []int64) (map[int64]int64, error) {
	owing, err := u.store.Receivables(ctx, leaders)
	if err != nil {
		return nil, fmt.Errorf("receivables: %w", err)
	}
	if len(owing) == 0 {
		return owing, nil
	}
	ids := slices.Sorted(maps.Keys(owing))
	if err := u.store.LockLeaders(ctx, ids); err != nil {
		return nil, fmt.Errorf("lock leaders: %w", err)
	}
	return u.store.Receivables(ctx, ids)
}

// expiredItem records a transaction whose deadline passed before any run took it: WeChat
// unfroze it to the merchant by itself, so what it owes goes to the leaders' unresolved
// accounts for finance; one that owed nothing is simply done.
func expiredItem(runID int64, c Candidate, deadline, now time.Time) (Item, ledger.Tx) {
	it := Item{RunID: runID, OrderID: c.OrderID, GridCell: c.GridCell, TransactionID: c.TransactionID,
		OutOrderNo: payment.OutUnfreezeNo(c.OrderID), Kind: KindUnfreeze, Deadline: deadline,
		State: ItemFinished, CreatedAt: now, NextAttemptAt: now, FinishedAt: now,
		LastError: "unfrozen by WeChat at the deadline"}
	tx := ExpiredTx(c.OrderID, c.GridCell, c.Owed)
	for _, p := range tx.Postings {
		if p.Amount > 0 {
			it.Amount += p.Amount
		}
	}
	if it.Amount > 0 {
		it.Kind, it.State, it.OutOrderNo = KindShare, ItemExpired, payment.OutOrderNo(runID, c.OrderID)
		it.LastError = "deadline passed unsettled: commission moved to unresolved for finance"
	}
	return it, tx
}

// refundedInFull closes an item whose transaction was refunded in full: nothing is left frozen
// to share or unfreeze, so no call is made (its netting still moves any debt to the receivable).
func refundedInFull(it *Item, now time.Time) error {
	if err := ItemLifecycle.Move(&it.State, ItemFinished); err != nil {
		return err
	}
	it.Kind, it.OutOrderNo, it.Amount = KindUnfreeze, payment.OutUnfreezeNo(it.OrderID), 0
	it.FinishedAt, it.LastError = now, "refunded in full: nothing left frozen"
	for i := range it.Shares {
		if it.Shares[i].Result == ResultPending {
			it.Shares[i].Result, it.Shares[i].FailReason = ResultDeferred, ReasonRefunded
		}
	}
	return nil
}

func leadersOf(cands []Candidate) []int64 {
	seen := map[int64]bool{}
	for _, c := range cands {
		for _, o := range c.Owed {
			seen[o.LeaderID] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
