package settlement

import (
	"context"
	"sync"
	"time"
)

// Holding an accepted order for its query. WeChat answers 请求分账 PROCESSING and pays a moment
// later, so every item is requested, then queried PollAfter later. Saving the item as processing
// in between and claiming it again costs two writes and a share of a claim for nothing the
// database needs: the claim already saved the attempt, and if this process dies while it
// waits, the lease runs out and the next claim sends the same request again (WeChat answers
// the order it has: out_order_no is idempotent). So within Work, an item's first PROCESSING
// answer keeps the item in memory, still under its claim, and queries it when due; only a
// second PROCESSING answer (WeChat still paying), a wait that would outlast the lease, or a
// full hold saves it for a later claim as before.

// maxHeld bounds the items one pipeline holds, from their request's answer or their claim to
// their query's end: beyond it, answers are saved and claimed again. The held items are also
// the callers waiting for the query's pace, so the bound bounds that wait: 512 at WeChat's 80
// queries a second is 7 s, and four replicas' holders together 28 s, within the lease's
// three quarters (45 s of a minute) that a call must start in.
const maxHeld = 512

// Queries due in the database (items saved as processing) are claimed into the holder, not
// onto the workers, so that requests never wait behind the query's pace. They take at most
// half of it, the other half kept for the answers of the pipeline's own requests, and are
// claimed minQueryClaim or more at once, so that a holder draining at the query's pace does
// not turn into a claim a query.
const (
	maxHeldQueries = maxHeld / 2
	minQueryClaim  = 32
)

// holder keeps items waiting for their query and hands each to run when it is due.
type holder struct {
	mu     sync.Mutex
	timers map[*Item]*time.Timer
	// held counts the items from hold until their run returns: those waiting for their time,
	// and those waiting for the query's pace or in the call.
	held   int
	closed bool
	// due counts the waits that fired and whose run has not returned.
	due sync.WaitGroup
	run func(*Item)
}

type holderKey struct{}

// holderOf is the holder ctx carries, nil outside Work's pipeline.
func holderOf(ctx context.Context) *holder {
	h, _ := ctx.Value(holderKey{}).(*holder)
	return h
}

func newHolder(run func(*Item)) *holder {
	return &holder{timers: map[*Item]*time.Timer{}, run: run}
}

// hold keeps it for wait, then runs it; false if the holder is full or stopped.
func (h *holder) hold(it *Item, wait time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.held >= maxHeld {
		return false
	}
	h.held++
	h.due.Add(1)
	h.timers[it] = time.AfterFunc(wait, func() {
		defer h.due.Done()
		h.mu.Lock()
		_, mine := h.timers[it]
		delete(h.timers, it)
		h.mu.Unlock()
		if mine {
			h.run(it)
			h.release()
		}
	})
	return true
}

func (h *holder) release() {
	h.mu.Lock()
	h.held--
	h.mu.Unlock()
}

// room is how many claimed queries the holder takes now.
func (h *holder) room() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0
	}
	return max(maxHeldQueries-h.held, 0)
}

// stop takes no more items, returns those whose wait had not ended, and waits for the runs of
// those whose wait had.
func (h *holder) stop() []*Item {
	h.mu.Lock()
	h.closed = true
	var left []*Item
	for it, t := range h.timers {
		if t.Stop() { // not fired: its run never starts
			delete(h.timers, it)
			left = append(left, it)
			h.held--
			h.due.Done()
		}
	}
	h.mu.Unlock()
	h.due.Wait()
	return left
}

// held keeps an item WeChat just accepted (state processing, NextAttemptAt its query's time) for
// its query, if a pipeline can hold it and the claim's lease outlasts the wait with time for the
// call (see call). The item is then the holder's, and nothing is saved.
func (u *Usecase) held(ctx context.Context, it *Item) bool {
	h := holderOf(ctx)
	if h == nil || it.NextAttemptAt.After(it.LeaseUntil.Add(-u.cfg.Lease/4)) {
		return false
	}
	return h.hold(it, it.NextAttemptAt.Sub(u.now()))
}
