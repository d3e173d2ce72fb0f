package settlement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
)

// handle works one claimed item: a pending one is requested (the saved request, again if an
// earlier attempt's answer was lost), a processing one is queried, and a final answer is
// recorded and posted. The claim already saved the attempt, so whatever happens next, the
// item is in the database before the call.
func (u *Usecase) handle(ctx context.Context, it *Item) error {
	if it.State == ItemProcessing {
		o, err := u.queryOrder(ctx, it)
		if errors.Is(err, payment.ErrOrderNotFound) {
			// Accepted but unknown: ask again with the same request, which is idempotent.
			if err := ItemLifecycle.Move(&it.State, ItemPending); err != nil {
				return err
			}
			return u.retry(ctx, it, err)
		}
		return u.answered(ctx, it, o, err)
	}
	if !u.now().Before(it.Deadline) {
		return u.pastDeadline(ctx, it)
	}
	o, err := u.request(ctx, it)
	return u.answered(ctx, it, o, err)
}

// claim leases up to limit due items of which until now + Lease, noting the lease on each.
func (u *Usecase) claim(ctx context.Context, limit int, which Claimable) ([]Item, error) {
	now := u.now()
	until := now.Add(u.cfg.Lease)
	items, err := u.store.Claim(ctx, now, until, limit, which)
	if err != nil {
		return nil, fmt.Errorf("claim settlement items: %w", err)
	}
	for i := range items {
		items[i].LeaseUntil = until
	}
	return items, nil
}

// errLeaseSpent says a claimed item waited (in the queue, then for the pace) until its lease
// left too little time for a call: the call is not made, the item is let go for the next claim.
var errLeaseSpent = errors.New("the claim's lease was spent waiting for the pace")

// call makes one paced call for the claimed item, only while the lease holds: a call must start
// a quarter of the lease before it ends, so that its answer is saved within the lease. Items
// queued behind a pace slowed down (FREQUENCY_LIMITED) can outlast their lease; called then,
// the same item could be in flight twice, once from a later claim of another worker.
func (u *Usecase) call(ctx context.Context, it *Item, op pace.Op,
	fn func() (payment.SharingOrder, error)) (payment.SharingOrder, error) {
	by := it.LeaseUntil.Add(-u.cfg.Lease / 4)
	wctx, cancel := context.WithTimeout(ctx, by.Sub(u.now()))
	defer cancel()
	o, err := paced(wctx, u.pace, op, func() (payment.SharingOrder, error) {
		if !u.now().Before(by) {
			return payment.SharingOrder{}, errLeaseSpent
		}
		return fn()
	})
	if err != nil && (wctx.Err() != nil && ctx.Err() == nil || errors.Is(err, pace.ErrPastDeadline)) {
		return o, errLeaseSpent // the pace had no permit before the lease ran short
	}
	return o, err
}

// request sends the item's saved request: the profit-sharing order, or the unfreeze.
func (u *Usecase) request(ctx context.Context, it *Item) (payment.SharingOrder, error) {
	if it.Kind == KindUnfreeze {
		return u.call(ctx, it, pace.Unfreeze, func() (payment.SharingOrder, error) {
			return u.sharing.Unfreeze(ctx, it.TransactionID, it.OutOrderNo, "社区团购无佣金，解冻给商户")
		})
	}
	return u.call(ctx, it, pace.CreateOrder, func() (payment.SharingOrder, error) {
		return u.sharing.CreateOrder(ctx, Request(it))
	})
}

// queryOrder asks WeChat for the item's order (查询分账结果).
func (u *Usecase) queryOrder(ctx context.Context, it *Item) (payment.SharingOrder, error) {
	return u.call(ctx, it, pace.QueryOrder, func() (payment.SharingOrder, error) {
		return u.sharing.QueryOrder(ctx, it.TransactionID, it.OutOrderNo)
	})
}

// answered records WeChat's answer to a request or a query.
func (u *Usecase) answered(ctx context.Context, it *Item, o payment.SharingOrder, err error) error {
	switch {
	case errors.Is(err, errLeaseSpent): // no call was made: due again at once, for the next claim
		it.NextAttemptAt = u.now()
		return u.save(ctx, it)
	case err == nil:
		if ApplyResults(it, o, u.now()) {
			return u.finish(ctx, it, o)
		}
		accepted := it.State != ItemProcessing // else still processing: polled again
		if accepted {
			if err := ItemLifecycle.Move(&it.State, ItemProcessing); err != nil {
				return err
			}
		}
		it.WeChatOrderID, it.LastError = o.OrderID, ""
		it.NextAttemptAt = u.now().Add(u.cfg.PollAfter)
		if accepted && u.held(ctx, it) {
			return nil
		}
		return u.save(ctx, it)
	case errors.Is(err, bizerr.ErrRateLimited):
		// FREQUENCY_LIMITED: the merchant's pace slowed down for everyone (paced), which is
		// the remedy; a back-off doubling with the attempts would only add a tail of items
		// waiting minutes after the pace recovered.
		it.LastError = err.Error()
		it.NextAttemptAt = u.now().Add(u.cfg.RetryAfter)
		return u.save(ctx, it)
	case it.State == ItemProcessing, transient(err):
		return u.retry(ctx, it, err)
	case pastLimit(err):
		return u.pastDeadline(ctx, it)
	}
	// WeChat refused the request: nothing happened there. A receiver added again, or funds
	// that come back, can make the same request pass, so finance may retry those.
	if err := ItemLifecycle.Move(&it.State, ItemFailed); err != nil {
		return err
	}
	it.LastError = err.Error()
	it.Retriable = errors.Is(err, payment.ErrReceiverNotFound)
	it.FinishedAt = u.now()
	return u.save(ctx, it)
}

// transient reports an error after which the request may or may not have reached WeChat, or
// may pass later: the same request is sent again. That is wxretry's rule, and any error that is
// not WeChat's answer (the outcome is unknown; the same out_order_no is idempotent).
func transient(err error) bool {
	var we *payment.WeChatError
	return wxretry.Transient(err) || !errors.As(err, &we)
}

// pastLimit recognizes WeChat's refusal of a transaction whose sharing window closed
// (订单已超过可分账期限): it has no code of its own, only the message.
func pastLimit(err error) bool {
	var we *payment.WeChatError
	return errors.As(err, &we) && strings.Contains(we.Message, "期限")
}

// retry leaves the item as it is, due again after the back-off.
func (u *Usecase) retry(ctx context.Context, it *Item, cause error) error {
	it.LastError = cause.Error()
	it.NextAttemptAt = u.now().Add(u.backoff(it.Attempts))
	return u.save(ctx, it)
}

// save writes the item if this claim still holds it.
func (u *Usecase) save(ctx context.Context, it *Item) error {
	ok, err := u.store.SaveItem(context.WithoutCancel(ctx), it)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	if !ok {
		return fmt.Errorf("claim lost (attempt %d): %w", it.Attempts, bizerr.ErrConflict)
	}
	return nil
}

// pastDeadline handles an item whose transaction's window closed before WeChat accepted it.
// An earlier attempt may have been accepted without us hearing the answer, so WeChat is asked
// first; only an order WeChat does not know is expired.
func (u *Usecase) pastDeadline(ctx context.Context, it *Item) error {
	if it.Attempts > 1 {
		o, err := u.queryOrder(ctx, it)
		if !errors.Is(err, payment.ErrOrderNotFound) {
			if err == nil {
				if err := ItemLifecycle.Move(&it.State, ItemProcessing); err != nil {
					return err
				}
			}
			return u.answered(ctx, it, o, err)
		}
	}
	return u.expire(ctx, it)
}

// expire records the item expired: WeChat unfroze the transaction to the merchant by itself, so
// the order's settleable commission goes to the leaders' unresolved accounts for finance; the
// earlier shares it carried are closed and owed to a later item.
func (u *Usecase) expire(ctx context.Context, it *Item) error {
	return u.tx.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		locked, err := u.lockClaimed(ctx, it)
		if err != nil {
			return err
		}
		if err := u.store.LockOrders(ctx, []int64{locked.OrderID}); err != nil {
			return err
		}
		now := u.now()
		var own []Owed
		for i := range locked.Shares {
			s := &locked.Shares[i]
			if s.Result != ResultPending && s.Result != ResultDeferred {
				continue
			}
			s.Result, s.FailReason, s.FinishedAt = ResultClosed, ReasonExpired, now
			if s.RetryOf == 0 {
				s.RetriedBy = s.ID // its commission went to finance: never carried
				own = append(own, Owed{LeaderID: s.LeaderID, Level: s.Level})
			}
		}
		if err := u.store.SaveShares(ctx, locked.Shares); err != nil {
			return err
		}
		if err := u.expireOwed(ctx, locked.OrderID, locked.GridCell, own); err != nil {
			return err
		}
		if err := ItemLifecycle.Move(&it.State, ItemExpired); err != nil {
			return err
		}
		it.FinishedAt, it.LastError = now, "deadline passed before WeChat accepted the request"
		return u.save(ctx, it)
	})
}

// expireOwed moves what the order still owes the leaders to their unresolved accounts.
func (u *Usecase) expireOwed(ctx context.Context, orderID int64, grid string, leaders []Owed) error {
	keys := make([]OrderLeader, len(leaders))
	for i, o := range leaders {
		keys[i] = OrderLeader{orderID, o.LeaderID}
	}
	owed, err := u.store.Owed(ctx, keys)
	if err != nil {
		return err
	}
	for i := range leaders {
		leaders[i].Amount = owed[keys[i]]
	}
	if tx := ExpiredTx(orderID, grid, leaders); len(tx.Postings) > 0 {
		if _, err := u.book.Post(ctx, tx); err != nil {
			return fmt.Errorf("post expiry of order %d: %w", orderID, err)
		}
	}
	return u.store.ExpireEntries(ctx, orderID)
}

// finish records a final answer in one database transaction: the shares' results, the ledger
// (what was paid leaves settleable for settled, clearing pays it), the entries settled, the
// item finished. A share WeChat closed stays settleable with its reason, owed to a later item.
// With a committer in ctx the answer joins its next group commit instead.
func (u *Usecase) finish(ctx context.Context, it *Item, o payment.SharingOrder) error {
	if c := committerOf(ctx); c != nil {
		return c.finish(ctx, it, o)
	}
	return u.finishAlone(ctx, it, o)
}

// finishAlone is finish in a transaction of the item's own.
func (u *Usecase) finishAlone(ctx context.Context, it *Item, o payment.SharingOrder) error {
	return u.tx.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if _, err := u.lockClaimed(ctx, it); err != nil {
			return err
		}
		// The orders' locks keep refunds out until this is posted: what a refund reverses is
		// then either in the balances read here or posted after the payout.
		if err := u.store.LockOrders(ctx, sources(it)); err != nil {
			return err
		}
		if err := u.store.SaveShares(ctx, it.Shares); err != nil {
			return err
		}
		paid := Paid(it)
		owed, err := u.store.Owed(ctx, append(paid, OrderLeader{OrderID: it.OrderID}))
		if err != nil {
			return err
		}
		if txs := SettledTxs(it, owed); len(txs) > 0 {
			if _, err := u.book.Post(ctx, txs...); err != nil {
				return fmt.Errorf("post settlement: %w", err)
			}
		}
		if err := u.store.SettleEntries(ctx, paid); err != nil {
			return err
		}
		if err := ItemLifecycle.Move(&it.State, ItemFinished); err != nil {
			return err
		}
		it.WeChatOrderID, it.LastError, it.FinishedAt = o.OrderID, "", u.now()
		return u.save(ctx, it)
	})
}

// lockClaimed locks the item's row, if this claim still holds it (nobody claimed it since and
// it still has work).
func (u *Usecase) lockClaimed(ctx context.Context, it *Item) (*Item, error) {
	locked, err := u.store.LockItem(ctx, it.ID)
	if err != nil {
		return nil, err
	}
	return locked, stillClaimed(locked, it)
}

// stillClaimed checks that the claim it was read with still holds the item, as locked.
func stillClaimed(locked, it *Item) error {
	if locked.Attempts != it.Attempts || !locked.State.Active() {
		return fmt.Errorf("claim lost (attempt %d): %w", it.Attempts, bizerr.ErrConflict)
	}
	return nil
}

// sources are the orders whose commission the item pays, in id order.
func sources(it *Item) []int64 {
	ids := []int64{it.OrderID}
	for _, s := range it.Shares {
		if !slices.Contains(ids, s.SourceOrderID) {
			ids = append(ids, s.SourceOrderID)
		}
	}
	slices.Sort(ids)
	return ids
}
