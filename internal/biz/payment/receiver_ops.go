package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// RegistrationState is where a receiver registration stands.
type RegistrationState string

// The states of a receiver registration.
const (
	// RegistrationPending is queued, or waiting to be tried again after a transient failure.
	RegistrationPending RegistrationState = "pending"
	RegistrationDone    RegistrationState = "done"
	// RegistrationFailed is given up (WeChat refused it); LastError says why.
	RegistrationFailed RegistrationState = "failed"
)

// RegistrationRecord is a receiver registration as ops see it.
type RegistrationRecord struct {
	ID       int64
	LeaderID int64
	Delete   bool
	State    RegistrationState
	// Attempts counts calls started. It is never reset: it fences the registrar's claims.
	Attempts int
	// LastError is why the last call did not succeed, as WeChat Pay answered; empty once done.
	LastError     string
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RegistrationFilter selects registrations for ops. Zero values mean "any"; pages run newest
// first, BeforeID being the last id of the previous page.
type RegistrationFilter struct {
	State    RegistrationState
	LeaderID int64
	BeforeID int64
	Limit    int
}

// RegistrationBook is the receiver registrations as ops read and retry them.
type RegistrationBook interface {
	List(ctx context.Context, f RegistrationFilter) ([]RegistrationRecord, error)
	// Get returns bizerr.ErrNotFound for an unknown id.
	Get(ctx context.Context, id int64) (*RegistrationRecord, error)
	// Superseded tells whether the leader of reg has a registration queued after it.
	Superseded(ctx context.Context, reg *RegistrationRecord) (bool, error)
	// Requeue makes registration id pending and due at at, only if it is still failed; it reports
	// whether it did.
	Requeue(ctx context.Context, id int64, at time.Time) (bool, error)
}

// ErrRegistrationSuperseded refuses to retry a failed registration after which the same leader
// has another one: retrying an old add could undo a later delete.
var ErrRegistrationSuperseded = errors.New("a later registration of the same leader supersedes this one")

// RegistrationStateError refuses to retry a registration that has not failed.
type RegistrationStateError struct {
	ID    int64
	State RegistrationState
}

func (e *RegistrationStateError) Error() string {
	return fmt.Sprintf("receiver registration %d is %s: only a failed one can be retried", e.ID, e.State)
}

// ReceiverOps lets ops and finance watch receiver registrations and retry refused ones.
type ReceiverOps struct {
	book RegistrationBook
	tx   port.Transactor
	now  port.Clock
}

// NewReceiverOps builds the use cases.
func NewReceiverOps(book RegistrationBook, tx port.Transactor, now port.Clock) *ReceiverOps {
	return &ReceiverOps{book: book, tx: tx, now: now}
}

// List returns registrations, newest first, f.Limit a page.
func (o *ReceiverOps) List(ctx context.Context, f RegistrationFilter) ([]RegistrationRecord, error) {
	return o.book.List(ctx, f)
}

// Retry sends a failed registration back to the queue, due now; the registrar picks it up on
// its next round. Its attempts carry on from where they were (they fence the registrar's
// claims), so a transient failure after the retry backs off as long as the attempts say.
func (o *ReceiverOps) Retry(ctx context.Context, id int64) (*RegistrationRecord, error) {
	var out *RegistrationRecord
	err := o.tx.InTx(ctx, func(ctx context.Context) error {
		reg, err := o.book.Get(ctx, id)
		if err != nil {
			return err
		}
		if reg.State != RegistrationFailed {
			return &RegistrationStateError{ID: id, State: reg.State}
		}
		later, err := o.book.Superseded(ctx, reg)
		if err != nil {
			return err
		}
		if later {
			return ErrRegistrationSuperseded
		}
		ok, err := o.book.Requeue(ctx, id, o.now())
		if err != nil {
			return err
		}
		if !ok { // another retry got there first
			if reg, err = o.book.Get(ctx, id); err != nil {
				return err
			}
			return &RegistrationStateError{ID: id, State: reg.State}
		}
		out, err = o.book.Get(ctx, id)
		return err
	})
	return out, err
}
