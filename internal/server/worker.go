package server

import (
	"context"
	"errors"
	"sync"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// Workers runs the service's background loops as a kratos server, so they start and stop with
// the HTTP and gRPC servers. Every loop is safe to run on all replicas at once.
type Workers struct {
	log   *log.Helper
	loops map[string]func(context.Context) error
	wg    sync.WaitGroup

	mu      sync.Mutex // kratos may call Stop while Start runs, from another goroutine
	cancel  context.CancelFunc
	stopped bool
}

// Loops are more background loops by name, from domains whose loops need their configuration.
type Loops map[string]func(context.Context) error

// NewWorkers lists the background loops.
func NewWorkers(logger log.Logger, finder *leader.Finder, outbox *event.Dispatcher,
	receivers *payment.Registrar, more Loops) *Workers {
	loops := map[string]func(context.Context) error{
		"nearby-index": finder.Run,
		"outbox":       outbox.Run,
		"receivers":    receivers.Run,
	}
	for name, loop := range more {
		loops[name] = loop
	}
	return &Workers{log: log.NewHelper(logger), loops: loops}
}

// Start launches every loop and returns at once.
func (w *Workers) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return nil
	}
	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for name, loop := range w.loops {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			if err := loop(ctx); err != nil && !errors.Is(err, context.Canceled) {
				w.log.Errorw("msg", "worker stopped", "worker", name, "error", err)
			}
		}()
	}
	return nil
}

// Stop cancels the loops and waits for them, or for ctx.
func (w *Workers) Stop(ctx context.Context) error {
	w.mu.Lock()
	w.stopped = true
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
