package settlement

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// pipeline is Work's worker pool: claimed items queue for Concurrency workers, and claiming
// tops the queue up whenever the items in flight (queued or in a call) drop below the low
// watermark, so one slow call never holds back the claims behind it, as a round that waits
// for its slowest item would. Items WeChat accepted wait in the holder for their query, out of
// the count in flight. Final answers go to one committer.
type pipeline struct {
	u        *Usecase
	ctx      context.Context
	report   func(error)
	jobs     chan *Item
	inflight atomic.Int64
	// low is signalled when the items in flight drop below the watermark.
	low     chan struct{}
	max     int64 // items in flight at most: the claim batch
	mark    int64 // claim again below this many in flight
	wg      sync.WaitGroup
	held    *holder
	commits *committer
}

// finishLinger is how long Work's group commit waits for more final answers. They come from
// queries at WeChat's pace for them (80 a second at most), each on a goroutine of its own that
// can wait: a tenth of a second gathers several a commit.
const finishLinger = 100 * time.Millisecond

// startPipeline starts the workers, the holder and the committer on ctx; stop ends them.
// Items' errors go to report.
func (u *Usecase) startPipeline(ctx context.Context, report func(error)) *pipeline {
	most := int64(max(u.cfg.ClaimBatch, 1))
	p := &pipeline{u: u, report: report, jobs: make(chan *Item, most), low: make(chan struct{}, 1),
		max: most, mark: max(most/2, 1)}
	ctx, p.commits = u.startCommitter(ctx, finishLinger, report)
	p.held = newHolder(p.handle)
	p.ctx = context.WithValue(ctx, holderKey{}, p.held)
	for range max(u.cfg.Concurrency, 1) {
		p.wg.Go(p.work)
	}
	return p
}

func (p *pipeline) work() {
	for it := range p.jobs {
		p.handle(it)
		if p.inflight.Add(-1) < p.mark {
			select {
			case p.low <- struct{}{}:
			default:
			}
		}
	}
}

// handle works one item: a claimed one on a worker, a held one on its own goroutine when its
// query is due. Held queries take no worker: they wait for the query's pace, which WeChat
// limits far below 请求分账's (80 against 300 a second), and on a worker that wait would hold
// back the requests behind it. What bounds them is the holder's size and that pace.
func (p *pipeline) handle(it *Item) {
	if err := p.u.handle(p.ctx, it); err != nil {
		p.report(fmt.Errorf("settlement item %d (%s): %w", it.ID, it.OutOrderNo, err))
	}
}

// stop lets the workers finish the items queued (with ctx ended, their calls fail at once and
// the items are saved due again), saves the held items as processing, due when their query
// was, and waits for their finishes.
func (p *pipeline) stop() {
	close(p.jobs)
	p.wg.Wait()
	for _, it := range p.held.stop() {
		if err := p.u.save(p.ctx, it); err != nil {
			p.report(fmt.Errorf("settlement item %d (%s) held for its query: %w", it.ID, it.OutOrderNo, err))
		}
	}
	p.commits.close()
}

// claim claims due queries into the holder, and tops the requests in flight up to the claim
// batch if they are below the watermark; it returns how many it claimed.
func (p *pipeline) claim(ctx context.Context) (int, error) {
	queries, err := p.claimQueries(ctx)
	if err != nil {
		return queries, err
	}
	n := p.inflight.Load()
	if n >= p.mark {
		return queries, nil
	}
	items, err := p.u.claim(ctx, int(p.max-n), ClaimRequests)
	if err != nil {
		return queries, err
	}
	// Only claim adds to inflight, and never beyond max: the sends below never block.
	p.inflight.Add(int64(len(items)))
	for i := range items {
		p.jobs <- &items[i]
	}
	return queries + len(items), nil
}

// claimQueries claims processing items due for their query into the holder's room, if it has
// room for a claim's worth; an item the holder cannot take after all (its own requests' answers
// filled it meanwhile) is let go, due now.
func (p *pipeline) claimQueries(ctx context.Context) (int, error) {
	room := p.held.room()
	if room < min(minQueryClaim, maxHeldQueries) {
		return 0, nil
	}
	items, err := p.u.claim(ctx, room, ClaimQueries)
	if err != nil {
		return 0, err
	}
	for i := range items {
		it := &items[i]
		if !p.held.hold(it, 0) {
			it.NextAttemptAt = p.u.now()
			if err := p.u.save(ctx, it); err != nil {
				p.report(fmt.Errorf("settlement item %d (%s) let go: %w", it.ID, it.OutOrderNo, err))
			}
		}
	}
	return len(items), nil
}

// round is Round with claiming into the pipeline instead of working a claim to its end.
func (p *pipeline) round(ctx context.Context) (int, error) { return p.u.round(ctx, p.claim) }
