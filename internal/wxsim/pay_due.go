package wxsim

import (
	"cmp"
	"slices"
	"time"
)

// Refunds and profit-sharing orders finish by themselves once their delay of simulated time
// has passed. Nothing polls: a wall-clock timer armed for the same delay wakes settleDue (which
// finishes whatever is due by the simulated clock), AdvanceClock wakes it too, and every query
// catches up first. So with the wall clock things happen on time, and with a test's clock they
// happen when the test moves it.

// dueTimer names one armed timer, so its callback can remove it from the set.
type dueTimer struct{ t *time.Timer }

// armDue wakes settleDue after d of wall time. The caller holds p.mu.
func (p *payState) armDue(d time.Duration) {
	n := p.notifier
	if n.closed {
		return
	}
	if n.dueTimers == nil {
		n.dueTimers = make(map[*dueTimer]struct{})
	}
	dt := &dueTimer{}
	n.wg.Add(1)
	n.dueTimers[dt] = struct{}{}
	dt.t = time.AfterFunc(max(d, 0), func() {
		defer n.wg.Done()
		p.mu.Lock()
		delete(n.dueTimers, dt)
		p.mu.Unlock()
		p.settleDue()
	})
}

// settleDue finishes every refund and profit-sharing order that is due.
func (p *payState) settleDue() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
}

// settleDueLocked finishes what is due by now, oldest first so notifications go out in the
// order the work was done. The caller holds p.mu.
func (p *payState) settleDueLocked(now time.Time) {
	changed := false
	for _, r := range p.dueRefunds(now) {
		p.finishRefund(r, RefundSuccess, now)
		changed = true
	}
	for _, o := range p.dueOrders(now) {
		p.settleOrder(o, now)
		changed = true
	}
	if changed {
		p.changed()
	}
}

// waitRefund and waitOrder note a refund or an order that finishes by itself at its DueAt.
// The caller holds p.mu.
func (p *payState) waitRefund(r *payRefund) {
	if p.waitingRefunds == nil {
		p.waitingRefunds = make(map[*payRefund]struct{})
	}
	p.waitingRefunds[r] = struct{}{}
}

func (p *payState) waitOrder(o *psOrder) {
	if p.waitingOrders == nil {
		p.waitingOrders = make(map[*psOrder]struct{})
	}
	p.waitingOrders[o] = struct{}{}
}

// dueRefunds takes the waiting refunds due by now (dropping those finished otherwise).
func (p *payState) dueRefunds(now time.Time) []*payRefund {
	var due []*payRefund
	for r := range p.waitingRefunds {
		switch {
		case r.Status != RefundProcessing || r.DueAt.IsZero():
			delete(p.waitingRefunds, r)
		case !now.Before(r.DueAt):
			delete(p.waitingRefunds, r)
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b *payRefund) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.RefundID, b.RefundID))
	})
	return due
}

// dueOrders takes the waiting orders due by now (dropping those finished otherwise).
func (p *payState) dueOrders(now time.Time) []*psOrder {
	var due []*psOrder
	for o := range p.waitingOrders {
		switch {
		case o.State != SharingProcessing || o.DueAt.IsZero():
			delete(p.waitingOrders, o)
		case !now.Before(o.DueAt):
			delete(p.waitingOrders, o)
			due = append(due, o)
		}
	}
	slices.SortFunc(due, func(a, b *psOrder) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.OrderID, b.OrderID))
	})
	return due
}

// stopDueTimers stops the armed timers. The caller holds p.mu.
func (n *notifier) stopDueTimers() {
	for dt := range n.dueTimers {
		if dt.t.Stop() {
			n.wg.Done()
		}
		delete(n.dueTimers, dt)
	}
}
