package settlement

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// Group commit. Every payout credits the platform's clearing account, whose cached balance is
// one row: finishing each item in a transaction of its own serializes all finishes on that row,
// one commit each. The committer instead finishes the final answers that wait together in one
// transaction, with all their ledger transactions in one Post (one update of the clearing row).
//
// What each item's finish does is unchanged: the same locks, shares, entries and ledger
// transactions under the same keys; only the commit is shared. Items whose source orders
// overlap never share a batch: each item's payout is computed from the settleable commission
// of its orders as read in the batch, which is what finishing it alone would read only when no
// other item of the batch posts to those orders. A batch that fails (a claim lost, a conflict)
// is finished again item by item, so one bad item costs the others only a retry.

// finishReq is a final answer waiting for the committer; done receives the outcome.
type finishReq struct {
	ctx  context.Context
	it   *Item
	o    payment.SharingOrder
	done chan error
}

// committer finishes the final answers of one worker pool in group commits.
type committer struct {
	u   *Usecase
	max int
	// linger is how long a batch short of max waits for more answers: Work's queries come at
	// the query's pace, one at a time, and without it each would be a commit of its own.
	linger  time.Duration
	in      chan finishReq
	stopped chan struct{}
	// report hears why a group commit failed: its items still finish one by one, so without it
	// a fault of batching alone (never of finishing an item) would only show as slowness.
	report func(error)
}

type committerKey struct{}

// committerOf is the committer ctx carries, nil when finishes are not grouped.
func committerOf(ctx context.Context) *committer {
	c, _ := ctx.Value(committerKey{}).(*committer)
	return c
}

// startCommitter starts a committer and returns ctx carrying it, for the worker pool that
// closes it; with FinishBatch below 2 there is none and every item finishes alone. A batch
// short of FinishBatch waits up to linger for more answers. Failed group commits go to report.
func (u *Usecase) startCommitter(ctx context.Context, linger time.Duration, report func(error)) (context.Context, *committer) {
	if u.cfg.FinishBatch < 2 {
		return ctx, nil
	}
	c := &committer{u: u, max: u.cfg.FinishBatch, linger: linger, in: make(chan finishReq),
		stopped: make(chan struct{}), report: report}
	go c.run()
	return context.WithValue(ctx, committerKey{}, c), c
}

// close waits for the answers handed over to be finished; nobody may call finish after it.
func (c *committer) close() {
	if c == nil {
		return
	}
	close(c.in)
	<-c.stopped
}

// finish hands the answer over and waits for its group commit: the caller learns, as from
// finishAlone, whether the item is finished.
func (c *committer) finish(ctx context.Context, it *Item, o payment.SharingOrder) error {
	done := make(chan error, 1)
	c.in <- finishReq{ctx: context.WithoutCancel(ctx), it: it, o: o, done: done}
	return <-done
}

// run takes whatever answers are waiting (at least one) and finishes them together, until the
// pool closes. While a batch commits, the next one gathers.
func (c *committer) run() {
	defer close(c.stopped)
	var queue []finishReq
	open := true
	for open || len(queue) > 0 {
		if len(queue) == 0 {
			r, ok := <-c.in
			if !ok {
				return
			}
			queue = append(queue, r)
		}
		queue, open = c.gather(queue, open)
		queue, open = c.wait(queue, open)
		var batch []finishReq
		batch, queue = disjoint(queue, c.max)
		c.finishBatch(batch)
	}
}

// gather adds the answers already waiting, without waiting for more.
func (c *committer) gather(queue []finishReq, open bool) ([]finishReq, bool) {
	for open && len(queue) < c.max {
		select {
		case r, ok := <-c.in:
			if !ok {
				return queue, false
			}
			queue = append(queue, r)
		default:
			return queue, open
		}
	}
	return queue, open
}

// wait adds the answers that arrive within the linger, while the batch is short.
func (c *committer) wait(queue []finishReq, open bool) ([]finishReq, bool) {
	if c.linger <= 0 || !open || len(queue) >= c.max {
		return queue, open
	}
	t := time.NewTimer(c.linger)
	defer t.Stop()
	for len(queue) < c.max {
		select {
		case r, ok := <-c.in:
			if !ok {
				return queue, false
			}
			queue = append(queue, r)
		case <-t.C:
			return queue, true
		}
	}
	return queue, true
}

// disjoint takes, in queue order, up to max answers whose items share no source order; the
// rest wait for a later batch, in their order.
func disjoint(queue []finishReq, max int) (batch, rest []finishReq) {
	taken := map[int64]bool{}
	for _, r := range queue {
		srcs := sources(r.it)
		if len(batch) == max || slices.ContainsFunc(srcs, func(id int64) bool { return taken[id] }) {
			rest = append(rest, r)
			continue
		}
		for _, id := range srcs {
			taken[id] = true
		}
		batch = append(batch, r)
	}
	return batch, rest
}

// finishBatch finishes the batch in one transaction, or, if that fails, reports why and
// finishes each item alone.
func (c *committer) finishBatch(batch []finishReq) {
	u := c.u
	if len(batch) == 1 {
		r := batch[0]
		r.done <- u.finishAlone(r.ctx, r.it, r.o)
		return
	}
	// The transaction works on copies: a batch rolled back leaves every item as it was for its
	// finish alone.
	work := make([]Item, len(batch))
	for i, r := range batch {
		work[i] = *r.it
	}
	err := u.tx.InTx(batch[0].ctx, func(ctx context.Context) error {
		return u.finishAll(ctx, work, batch)
	})
	if err != nil {
		c.report(fmt.Errorf("group commit of %d settlement items failed, finishing them one by one: %w", len(batch), err))
	}
	for i, r := range batch {
		if err == nil {
			*r.it = work[i]
			r.done <- nil
			continue
		}
		r.done <- u.finishAlone(r.ctx, r.it, r.o)
	}
}

// finishAll is finishAlone for every item, inside one transaction and with one ledger Post.
// Items are locked in id order, then all their orders in id order, as every finish locks item
// before orders: two batches never wait for each other in a cycle.
func (u *Usecase) finishAll(ctx context.Context, items []Item, batch []finishReq) error {
	byID := make([]*Item, len(items))
	for i := range items {
		byID[i] = &items[i]
	}
	slices.SortFunc(byID, func(a, b *Item) int { return cmp.Compare(a.ID, b.ID) })
	if err := u.lockAllClaimed(ctx, byID); err != nil {
		return err
	}
	var orders []int64
	var shares []Share
	for _, it := range byID {
		orders = append(orders, sources(it)...)
		shares = append(shares, it.Shares...)
	}
	slices.Sort(orders)
	if err := u.store.LockOrders(ctx, slices.Compact(orders)); err != nil {
		return err
	}
	if err := u.store.SaveShares(ctx, shares); err != nil {
		return err
	}
	paid, err := u.postBatch(ctx, byID)
	if err != nil {
		return err
	}
	if err := u.store.SettleEntries(ctx, paid); err != nil {
		return err
	}
	now := u.now()
	for i := range items {
		it := &items[i]
		if err := ItemLifecycle.Move(&it.State, ItemFinished); err != nil {
			return err
		}
		it.WeChatOrderID, it.LastError, it.FinishedAt = batch[i].o.OrderID, "", now
	}
	return u.store.FinishItems(ctx, items, now)
}

// lockAllClaimed is lockClaimed for every item of byID (in id order), in one read.
func (u *Usecase) lockAllClaimed(ctx context.Context, byID []*Item) error {
	ids := make([]int64, len(byID))
	for i, it := range byID {
		ids[i] = it.ID
	}
	locked, err := u.store.LockItems(ctx, ids)
	if err != nil {
		return err
	}
	if len(locked) != len(byID) {
		return fmt.Errorf("lock %d settlement items: %d found: %w", len(byID), len(locked), bizerr.ErrConflict)
	}
	for i := range locked {
		if err := stillClaimed(&locked[i], byID[i]); err != nil {
			return fmt.Errorf("settlement item %d: %w", byID[i].ID, err)
		}
	}
	return nil
}

// postBatch reads the settleable commission of every item's orders once, derives each item's
// ledger transactions from its own orders' part of it (as finishing it alone would), posts them
// all in one call, and returns what the items paid, for SettleEntries.
func (u *Usecase) postBatch(ctx context.Context, items []*Item) ([]OrderLeader, error) {
	var paid, keys []OrderLeader
	for _, it := range items {
		p := Paid(it)
		paid = append(paid, p...)
		keys = append(append(keys, p...), OrderLeader{OrderID: it.OrderID})
	}
	owed, err := u.store.Owed(ctx, keys)
	if err != nil {
		return nil, err
	}
	var txs []ledger.Tx
	for _, it := range items {
		txs = append(txs, SettledTxs(it, owedOf(owed, it))...)
	}
	if len(txs) > 0 {
		if _, err := u.book.Post(ctx, txs...); err != nil {
			return nil, fmt.Errorf("post settlement of %d items: %w", len(items), err)
		}
	}
	return paid, nil
}

// owedOf is the part of owed that finishing it alone reads: its paid orders' and its own order's.
func owedOf(owed map[OrderLeader]int64, it *Item) map[OrderLeader]int64 {
	orders := map[int64]bool{it.OrderID: true}
	for _, k := range Paid(it) {
		orders[k.OrderID] = true
	}
	return maps.Collect(func(yield func(OrderLeader, int64) bool) {
		for k, v := range owed {
			if orders[k.OrderID] && !yield(k, v) {
				return
			}
		}
	})
}
