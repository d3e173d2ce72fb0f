package shipping

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Repo keeps the declarations. Record, Requeue and the outcome of a claim are fenced: they
// change a declaration only while the claim that returned it is the latest (same Attempts,
// still pending).
type Repo interface {
	// Add saves d unless its order has a declaration of its kind (then created is false and
	// nothing changes): a redelivered event adds nothing.
	Add(ctx context.Context, d *Declaration) (created bool, err error)
	// Claim leases up to limit pending declarations due at now until leaseUntil, incrementing
	// their Attempts, so replicas share them (SKIP LOCKED) and a dead worker's lease runs out.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Declaration, error)
	// Record writes the outcome of d's claim: State, TransactionID, OutTradeNo, PayerOpenID,
	// LastError, UploadedAt and NextAttemptAt. It reports false when the claim was no longer
	// d's (its lease ran out and another worker claimed it).
	Record(ctx context.Context, d Declaration) (bool, error)
	List(ctx context.Context, f Filter) ([]Declaration, error)
	// Requeue makes a failed declaration pending and due at at, with its reason kept;
	// bizerr.ErrNotFound for an unknown id, bizerr.ErrConflict when it is not failed.
	Requeue(ctx context.Context, id int64, at time.Time) (*Declaration, error)
	// Undeclared lists up to limit orders paid in [paidAfter, paidBefore), in a paid-or-later
	// status and not refunded, with no uploaded declaration, by id after afterID.
	Undeclared(ctx context.Context, paidAfter, paidBefore time.Time, afterID int64, limit int) ([]UndeclaredOrder, error)
	// PaidPayment is the order's paid WeChat payment, among its attempts 1..attempts
	// (payment.OutTradeNo); bizerr.ErrNotFound when none is paid.
	PaidPayment(ctx context.Context, orderID int64, attempts int) (*payment.Payment, error)
}

// PickupShipping is a self-pickup shipping upload (logistics type 4, unified delivery).
type PickupShipping struct {
	TransactionID string
	PayerOpenID   string
	ItemDesc      string
	UploadTime    time.Time
}

// Uploader is WeChat's shipping information management API. Errors: ErrAlreadyShipped,
// ErrNotShippable, ErrOrderNotFiled, ErrInvalid, or bizerr.ErrUnavailable /
// bizerr.ErrRateLimited and any other error for what may pass (all retried). The access token
// is the uploader's business: an expired one is renewed and the call made again.
type Uploader interface {
	UploadPickup(ctx context.Context, s PickupShipping) error
	DeclarePresale(ctx context.Context, transactionID string, promised time.Time) error
}

// Config is the declarations' tunables.
type Config struct {
	// UndeclaredAfter is how old a paid order may get without an uploaded declaration before
	// the check reports it.
	UndeclaredAfter time.Duration
	// UndeclaredLookback is how far back the check looks.
	UndeclaredLookback time.Duration
	// RetryMaxDelay caps the back-off of failing declarations.
	RetryMaxDelay time.Duration
}

// Worker limits.
const (
	claimBatch = 20
	lease      = time.Minute
	// callLimit bounds one call with its token renewal; a declaration is only started while the
	// lease has this long to run, so no call outlives its claim.
	callLimit   = 15 * time.Second
	reasonLimit = 500
)

// Usecase queues, makes and shows the declarations.
type Usecase struct {
	repo     Repo
	orders   order.Repo
	batches  order.Batches
	uploader Uploader
	cfg      Config
	now      port.Clock
}

// NewUsecase builds the use case.
func NewUsecase(repo Repo, orders order.Repo, batches order.Batches, uploader Uploader, cfg Config, now port.Clock) *Usecase {
	return &Usecase{repo: repo, orders: orders, batches: batches, uploader: uploader, cfg: cfg, now: now}
}

// Config is the configuration in effect.
func (u *Usecase) Config() Config { return u.cfg }

// The declarations handle order events (the event map in internal/server/events.go subscribes
// them): order.paid queues a presale declaration when the pickup date is more than 15 days away
// (OnPaid); order.ready queues the pickup upload (OnReady).

// OnReady queues the self-pickup upload of an order whose goods reached the pickup point. A
// redelivered event finds the declaration there and adds nothing.
func (u *Usecase) OnReady(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	o, err := u.orders.Get(ctx, ch.OrderID)
	if err != nil {
		return fmt.Errorf("order %d of ready event: %w", ch.OrderID, err)
	}
	_, err = u.repo.Add(ctx, &Declaration{OrderID: o.ID, Kind: KindPickup, ItemDesc: ItemDesc(o.Lines),
		State: StatePending, NextAttemptAt: u.now()})
	return err
}

// OnPaid queues the presale declaration of an order whose pickup date is more than 15 days
// after its payment, with the pickup date as the promised date, as WeChat asks at payment. A
// date beyond WeChat's 330-day window is recorded failed with the reason, for ops.
func (u *Usecase) OnPaid(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	o, err := u.orders.Get(ctx, ch.OrderID)
	if err != nil {
		return fmt.Errorf("order %d of paid event: %w", ch.OrderID, err)
	}
	b, err := u.batches.Get(ctx, o.BatchID)
	if err != nil {
		return fmt.Errorf("batch %d of order %d: %w", o.BatchID, o.ID, err)
	}
	paidAt := o.PaidAt
	if paidAt.IsZero() {
		paidAt = ch.At
	}
	promised, needed, err := PresaleDate(paidAt, b.PickupDate)
	if !needed {
		return nil
	}
	d := &Declaration{OrderID: o.ID, Kind: KindPresale, ItemDesc: ItemDesc(o.Lines), PromisedAt: promised,
		State: StatePending, NextAttemptAt: u.now()}
	if err != nil {
		d.State, d.LastError = StateFailed, err.Error()
	}
	_, err = u.repo.Add(ctx, d)
	return err
}

// Tick claims one batch of due declarations and makes their calls, returning how many it
// claimed. Safe on every replica at once.
func (u *Usecase) Tick(ctx context.Context) error {
	_, err := u.DeclareOnce(ctx)
	return err
}

// DeclareOnce is Tick that reports how many declarations it claimed.
func (u *Usecase) DeclareOnce(ctx context.Context) (int, error) {
	now := u.now()
	leaseEnd := now.Add(lease)
	ds, err := u.repo.Claim(ctx, now, leaseEnd, claimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim shipping declarations: %w", err)
	}
	var errs []error
	for _, d := range ds {
		if u.now().Add(callLimit).After(leaseEnd) {
			break // the rest go back when the lease ends
		}
		errs = append(errs, u.declare(ctx, d))
	}
	return len(ds), errors.Join(errs...)
}

// declare re-checks the order locally, makes the call and records the outcome.
func (u *Usecase) declare(ctx context.Context, d Declaration) error {
	o, err := u.orders.Get(ctx, d.OrderID)
	switch {
	case errors.Is(err, bizerr.ErrNotFound):
		return u.skip(ctx, d, "order not found")
	case err != nil:
		return u.retry(ctx, d, fmt.Sprintf("read order: %v", err))
	}
	if reason := NotDeclarable(o); reason != "" {
		return u.skip(ctx, d, reason)
	}
	if o.Status == order.Refunding {
		return u.retry(ctx, d, "order is refunding: waiting for the refund's outcome")
	}
	if d.Kind == KindPresale && o.Status != order.Paid {
		return u.skip(ctx, d, fmt.Sprintf("order is %s: the goods reached the pickup point, the pickup upload declares it", o.Status))
	}
	p, err := u.repo.PaidPayment(ctx, o.ID, max(o.PayAttempt, 1))
	switch {
	case errors.Is(err, bizerr.ErrNotFound) || (err == nil && p.TransactionID == ""):
		return u.skip(ctx, d, "the order has no paid WeChat payment with a transaction_id: nothing to declare")
	case err != nil:
		return u.retry(ctx, d, fmt.Sprintf("read payment: %v", err))
	}
	d.TransactionID, d.OutTradeNo, d.PayerOpenID = p.TransactionID, p.OutTradeNo, p.PayerOpenID
	if d.ItemDesc == "" {
		d.ItemDesc = ItemDesc(o.Lines)
	}

	cctx, cancel := context.WithTimeout(ctx, callLimit)
	defer cancel()
	if d.Kind == KindPresale {
		err = u.uploader.DeclarePresale(cctx, d.TransactionID, d.PromisedAt)
	} else {
		err = u.uploader.UploadPickup(cctx, PickupShipping{TransactionID: d.TransactionID, PayerOpenID: d.PayerOpenID,
			ItemDesc: d.ItemDesc, UploadTime: u.now()})
	}
	switch {
	case err == nil:
		return u.uploaded(ctx, d, "")
	case errors.Is(err, ErrAlreadyShipped) && d.Kind == KindPickup:
		// Most likely our own earlier upload whose answer was lost: WeChat has the shipping.
		return u.uploaded(ctx, d, "WeChat had the shipping already: "+err.Error())
	case errors.Is(err, ErrAlreadyShipped), errors.Is(err, ErrNotShippable):
		return u.skip(ctx, d, err.Error())
	case errors.Is(err, ErrInvalid):
		return u.fail(ctx, d, err.Error())
	}
	return u.retry(ctx, d, err.Error())
}

// NotDeclarable says why an order must not be declared to WeChat, or "" when it may be: an
// upload for an unpaid or refunded order is refused locally.
func NotDeclarable(o *order.Order) string {
	switch o.Status {
	case order.PendingPayment, order.Cancelled:
		return fmt.Sprintf("order is %s: not paid, nothing to declare", o.Status)
	case order.Refunded:
		return "order is refunded in full: WeChat does not ship it"
	}
	if o.PaidAt.IsZero() {
		return "order has no payment time: not paid, nothing to declare"
	}
	if o.Amount > 0 && o.Refunded >= o.Amount {
		return "order is refunded in full: WeChat does not ship it"
	}
	return ""
}

func (u *Usecase) uploaded(ctx context.Context, d Declaration, note string) error {
	if err := Lifecycle.Move(&d.State, StateUploaded); err != nil {
		return err
	}
	d.UploadedAt, d.LastError = u.now(), cut(note)
	return u.record(ctx, d)
}

func (u *Usecase) skip(ctx context.Context, d Declaration, reason string) error {
	if err := Lifecycle.Move(&d.State, StateSkipped); err != nil {
		return err
	}
	d.LastError = cut(reason)
	return u.record(ctx, d)
}

func (u *Usecase) fail(ctx context.Context, d Declaration, reason string) error {
	if err := Lifecycle.Move(&d.State, StateFailed); err != nil {
		return err
	}
	d.LastError = cut(reason)
	return u.record(ctx, d)
}

func (u *Usecase) retry(ctx context.Context, d Declaration, reason string) error {
	if err := Lifecycle.Move(&d.State, StatePending); err != nil {
		return err
	}
	d.LastError = cut(reason)
	d.NextAttemptAt = u.now().Add(RetryAfter(d.Attempts, u.cfg.RetryMaxDelay))
	return u.record(ctx, d)
}

// record writes the outcome even when the call's context has ended, so a result WeChat gave
// is not lost to a shutdown.
func (u *Usecase) record(ctx context.Context, d Declaration) error {
	_, err := u.repo.Record(context.WithoutCancel(ctx), d)
	if err != nil {
		return fmt.Errorf("record shipping declaration %d: %w", d.ID, err)
	}
	return nil
}

func cut(s string) string {
	if len(s) <= reasonLimit {
		return s
	}
	r := []rune(s[:reasonLimit])
	return string(r[:len(r)-1])
}

// List shows declarations to ops.
func (u *Usecase) List(ctx context.Context, f Filter) ([]Declaration, error) {
	return u.repo.List(ctx, f)
}

// Retry moves a failed declaration back to pending, due now.
func (u *Usecase) Retry(ctx context.Context, id int64) (*Declaration, error) {
	return u.repo.Requeue(ctx, id, u.now())
}

// Undeclared lists paid orders older than olderThan (0: the configured UndeclaredAfter) with no
// uploaded declaration: the daily check, and the ops view.
func (u *Usecase) Undeclared(ctx context.Context, olderThan time.Duration, afterID int64, limit int) ([]UndeclaredOrder, error) {
	if olderThan <= 0 {
		olderThan = u.cfg.UndeclaredAfter
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	now := u.now()
	return u.repo.Undeclared(ctx, now.Add(-u.cfg.UndeclaredLookback), now.Add(-olderThan), afterID, limit)
}
