package settlement

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
)

// Poster writes journal transactions (the ledger's use case); inside port.Transactor.InTx it
// joins that transaction.
type Poster interface {
	Post(ctx context.Context, txs ...ledger.Tx) (int, error)
}

// Usecase starts and works settlement runs and shows them to finance.
type Usecase struct {
	store   Store
	sharing payment.ProfitSharing
	book    Poster
	tx      port.Transactor
	cfg     Config
	now     port.Clock
	pace    pace.Pacer
	wake    chan struct{}
	// selecting keeps two goroutines of one process off the same run's selection (the run's
	// row lock keeps other processes off it).
	selecting sync.Mutex
}

// NewUsecase builds the use case with its calls to WeChat unpaced (tools and tests that meet
// no rate limit); cfg must have passed Check.
func NewUsecase(store Store, sharing payment.ProfitSharing, book Poster, tx port.Transactor, cfg Config, now port.Clock) *Usecase {
	return NewPacedUsecase(store, sharing, book, tx, cfg, now, pace.Unpaced{})
}

// NewPacedUsecase builds the use case with every call to WeChat Pay waiting for the
// merchant-wide pace of its operation; cfg must have passed Check.
func NewPacedUsecase(store Store, sharing payment.ProfitSharing, book Poster, tx port.Transactor, cfg Config,
	now port.Clock, pacer pace.Pacer) *Usecase {
	return &Usecase{store: store, sharing: sharing, book: book, tx: tx, cfg: cfg, now: now,
		pace: pacer, wake: make(chan struct{}, 1)}
}

// Config is the configuration in effect.
func (u *Usecase) Config() Config { return u.cfg }

// StartInput starts a run.
type StartInput struct {
	// Key makes the start idempotent: the same key returns the same run.
	Key     string
	Cutoff  time.Time
	Trigger Trigger
	By      identity.Principal
}

// earliestCutoff is before any commission of this service: a cut-off earlier selects nothing
// and can only be a mistake.
var earliestCutoff = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkCutoff refuses a cut-off in the future (commission is settleable only up to now) or
// before the service could have any.
func checkCutoff(cutoff, now time.Time) error {
	switch {
	case cutoff.After(now):
		return bizerr.Invalid("cutoff", "is in the future: commission is settleable only up to now")
	case cutoff.Before(earliestCutoff):
		return bizerr.Invalid("cutoff", "is before the service had any commission")
	}
	return nil
}

// Start saves a run (or finds the one with the key) and wakes this process's worker; every
// replica's worker then shares its work.
func (u *Usecase) Start(ctx context.Context, in StartInput) (*Run, error) {
	now := u.now()
	if in.Cutoff.IsZero() {
		in.Cutoff = now
	}
	if err := checkCutoff(in.Cutoff, now); err != nil {
		return nil, err
	}
	if in.Key == "" {
		in.Key = fmt.Sprintf("%s/%d/%s", in.Trigger, in.By.ID, in.Cutoff.UTC().Format("20060102T150405.000000Z"))
	}
	if len(in.Key) > 64 {
		return nil, bizerr.Invalid("key", "is longer than 64 characters")
	}
	r, err := u.store.CreateRun(ctx, Run{Key: in.Key, Cutoff: in.Cutoff.UTC(), Trigger: in.Trigger,
		StartedBy: in.By.ID, State: RunRunning, CreatedAt: now})
	if err != nil {
		return nil, fmt.Errorf("start settlement run: %w", err)
	}
	u.Wake()
	return r, nil
}

// Wake makes the worker look for work now.
func (u *Usecase) Wake() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Work runs the worker until ctx ends: it selects runs, works their items and finishes runs,
// resting idle between rounds that found nothing. Unlike Round, a round does not wait for the
// items it claimed: they queue for the workers, and the next claim comes as soon as the items
// in flight drop below half a claim batch. Errors go to report and the worker goes on: what
// failed is due again later.
func (u *Usecase) Work(ctx context.Context, idle time.Duration, report func(error)) error {
	p := u.startPipeline(ctx, report)
	defer p.stop()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-u.wake:
		case <-p.low:
		case <-t.C:
		}
		n, err := p.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			report(err)
		}
		wait := idle
		if n > 0 && err == nil {
			wait = 0
		}
		t.Reset(wait)
	}
}

// Round does one round of work: selection of runs that need it, one claim of due items worked
// to the end, one of due returns, and the runs that finished. It returns how many items it worked.
func (u *Usecase) Round(ctx context.Context) (int, error) { return u.round(ctx, u.WorkOnce) }

// round is a round whose items are worked by work: to their end (Round), or into the
// pipeline of Work.
func (u *Usecase) round(ctx context.Context, work func(context.Context) (int, error)) (int, error) {
	if err := u.SelectPending(ctx); err != nil {
		return 0, err
	}
	n, err := work(ctx)
	if err != nil {
		return n, err
	}
	returns, err := u.WorkReturns(ctx)
	if n += returns; err != nil {
		return n, err
	}
	if _, err := u.store.FinishRuns(ctx, u.now()); err != nil {
		return n, fmt.Errorf("finish settlement runs: %w", err)
	}
	return n, nil
}

// WorkOnce claims due items and works them with the configured concurrency, their final
// answers finished in group commits (Config.FinishBatch); it returns how many it claimed. An
// item that fails is left for a later claim: one item never stops the rest. The errors it
// returns are the items' and those of group commits that fell back to finishing one by one.
func (u *Usecase) WorkOnce(ctx context.Context) (int, error) {
	items, err := u.claim(ctx, u.cfg.ClaimBatch, ClaimAll)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var errs []error
	report := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	ctx, commits := u.startCommitter(ctx, 0, report) // the workers wait for it: no linger
	jobs := make(chan *Item)
	var wg sync.WaitGroup
	for range min(u.cfg.Concurrency, len(items)) {
		wg.Go(func() {
			for it := range jobs {
				if err := u.handle(ctx, it); err != nil {
					report(fmt.Errorf("settlement item %d (%s): %w", it.ID, it.OutOrderNo, err))
				}
			}
		})
	}
	for i := range items {
		jobs <- &items[i]
	}
	close(jobs)
	wg.Wait()
	commits.close()
	return len(items), errors.Join(errs...)
}

// backoff is the wait before the n-th attempt's successor: RetryAfter doubling to RetryMax.
func (u *Usecase) backoff(attempts int) time.Duration {
	return wxretry.Backoff{Base: u.cfg.RetryAfter, Max: u.cfg.RetryMax}.Delay(attempts)
}
