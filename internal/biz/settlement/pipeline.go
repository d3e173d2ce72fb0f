package settlement

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// pipeline is Work's worker pool: claimed items queue for Concurrency workers, and claiming
// tops the queue up whenever the items in flight (queued or in a call) drop below the low
// watermark, so one slow call never holds back the claims behind it, as a round that waits
// for its slowest item would. Final answers go to one committer.
type pipeline struct {
	u        *Usecase
	jobs     chan *Item
	inflight atomic.Int64
	// low is signalled when the items in flight drop below the watermark.
	low     chan struct{}
	max     int64 // items in flight at most: the claim batch
	mark    int64 // claim again below this many in flight
	wg      sync.WaitGroup
	commits *committer
}

// startPipeline starts the workers and the committer on ctx; stop ends them. Items' errors go
// to report.
func (u *Usecase) startPipeline(ctx context.Context, report func(error)) *pipeline {
	most := int64(max(u.cfg.ClaimBatch, 1))
	p := &pipeline{u: u, jobs: make(chan *Item, most), low: make(chan struct{}, 1), max: most,
		mark: max(most/2, 1)}
	ctx, p.commits = u.startCommitter(ctx, report)
	for range max(u.cfg.Concurrency, 1) {
		p.wg.Go(func() { p.work(ctx, report) })
	}
	return p
}

func (p *pipeline) work(ctx context.Context, report func(error)) {
	for it := range p.jobs {
		if err := p.u.handle(ctx, it); err != nil {
			report(fmt.Errorf("settlement item %d (%s): %w", it.ID, it.OutOrderNo, err))
		}
		if p.inflight.Add(-1) < p.mark {
			select {
			case p.low <- struct{}{}:
			default:
			}
		}
	}
}

// stop lets the workers finish the items queued (with ctx ended, their calls fail at once and
// the items are saved due again) and waits for their finishes.
func (p *pipeline) stop() {
	close(p.jobs)
	p.wg.Wait()
	p.commits.close()
}

// claim tops the items in flight up to the claim batch, if they are below the watermark; it
// returns how many it claimed.
func (p *pipeline) claim(ctx context.Context) (int, error) {
	n := p.inflight.Load()
	if n >= p.mark {
		return 0, nil
	}
	items, err := p.u.claim(ctx, int(p.max-n))
	if err != nil {
		return 0, err
	}
	// Only claim adds to inflight, and never beyond max: the sends below never block.
	p.inflight.Add(int64(len(items)))
	for i := range items {
		p.jobs <- &items[i]
	}
	return len(items), nil
}

// round is Round with claiming into the pipeline instead of working a claim to its end.
func (p *pipeline) round(ctx context.Context) (int, error) { return p.u.round(ctx, p.claim) }
