package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
)

// Registration asks WeChat Pay to add (or delete) one profit-sharing receiver: a leader, queued
// when ops approved it.
type Registration struct {
	ID       int64
	LeaderID int64
	Delete   bool
	Receiver Receiver
	// Attempts counts calls started, this one included.
	Attempts int
}

// RegistrationQueue is where leader approvals leave their receiver registrations.
type RegistrationQueue interface {
	// Claim leases up to limit pending registrations due at now until leaseUntil, so that
	// replicas share them and a dead worker's lease runs out.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Registration, error)
	// Done, Retry and Fail record the outcome only while reg is still this worker's claim (its
	// Attempts fences off a worker whose lease ran out). Retry makes it due again at at; Fail
	// gives up on it, for ops to see with the reason.
	Done(ctx context.Context, reg Registration) error
	Retry(ctx context.Context, reg Registration, at time.Time, reason string) error
	Fail(ctx context.Context, reg Registration, reason string) error
}

const (
	registrationBatch = 20
	registrationLease = time.Minute
	// notConfiguredWait is how long registrations wait while the service has no merchant.
	notConfiguredWait = 5 * time.Minute
	registrationPoll  = 2 * time.Second
	// registrationCallLimit bounds one call with its retries; a registration is only started
	// while the lease has this long to run.
	registrationCallLimit = 15 * time.Second
)

// Registrar carries out receiver registrations. Adding a receiver WeChat already has is
// harmless, so a registration retried after a lost answer does no harm.
type Registrar struct {
	queue   RegistrationQueue
	sharing ProfitSharing
	now     port.Clock
}

// NewRegistrar builds the worker.
func NewRegistrar(queue RegistrationQueue, sharing ProfitSharing, now port.Clock) *Registrar {
	return &Registrar{queue: queue, sharing: sharing, now: now}
}

// Run registers until ctx ends.
func (r *Registrar) Run(ctx context.Context) error {
	for {
		n, _ := r.RegisterOnce(ctx) // a failed claim is tried again on the next round
		if n == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(registrationPoll):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// RegisterOnce claims one batch and carries it out, returning how many it claimed.
func (r *Registrar) RegisterOnce(ctx context.Context) (int, error) {
	now := r.now()
	regs, err := r.queue.Claim(ctx, now, now.Add(registrationLease), registrationBatch)
	if err != nil {
		return 0, fmt.Errorf("claim receiver registrations: %w", err)
	}
	leaseEnd := now.Add(registrationLease)
	var errs []error
	for _, reg := range regs {
		if r.now().Add(registrationCallLimit).After(leaseEnd) {
			break // the rest go back when the lease ends
		}
		errs = append(errs, r.register(ctx, reg))
	}
	return len(regs), errors.Join(errs...)
}

// register makes the call and records the outcome: done; retried later where retrying can help
// (WeChat unavailable or rate limiting, payments not configured yet); failed otherwise, with
// WeChat's reason for ops.
func (r *Registrar) register(ctx context.Context, reg Registration) error {
	cctx, cancel := context.WithTimeout(ctx, registrationCallLimit)
	defer cancel()
	var err error
	if reg.Delete {
		err = r.sharing.DeleteReceiver(cctx, reg.Receiver.Type, reg.Receiver.Account)
	} else {
		err = r.sharing.AddReceiver(cctx, reg.Receiver)
	}
	switch {
	case err == nil:
		return r.queue.Done(ctx, reg)
	case errors.Is(err, ErrNotConfigured):
		return r.queue.Retry(ctx, reg, r.now().Add(notConfiguredWait), err.Error())
	case transient(err):
		return r.queue.Retry(ctx, reg, r.now().Add(retryAfter(reg.Attempts)), err.Error())
	}
	return r.queue.Fail(ctx, reg, err.Error())
}

// registrationBackoff waits 10 s after a failed attempt, doubling with each, up to an hour.
var registrationBackoff = wxretry.Backoff{Base: 10 * time.Second, Max: time.Hour}

// retryAfter is the wait after attempts failed calls.
func retryAfter(attempts int) time.Duration { return registrationBackoff.Delay(attempts) }
