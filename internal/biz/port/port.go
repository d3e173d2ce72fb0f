// Package port holds the small interfaces that every domain package of biz shares. The data layer
// implements them; domain packages import this package and never each other's implementations.
package port

import (
	"context"
	"errors"
	"time"
)

// Transactor runs fn in one database transaction. Repositories called with the context that fn
// receives take part in that transaction; a nested InTx joins the outer one.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Clock tells the time. Use cases take it instead of calling time.Now so tests can move time.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// MaxPageSize is the most rows one page of a list holds. The API's edge (internal/service) sets a
// page's size, 20 unless the client asks otherwise, at most this; use cases pass it on as is.
const MaxPageSize = 100

// PageLimit is the store's safety cap on a page: limit when it is 1 to MaxPageSize, else
// MaxPageSize.
func PageLimit(limit int) int {
	if limit <= 0 || limit > MaxPageSize {
		return MaxPageSize
	}
	return limit
}

// Leases hand a row of background work to one replica at a time: Lease takes row id until at+d
// unless another replica holds it; Unlease gives back the lease taken at at for d, if it is still
// that one.
type Leases interface {
	Lease(ctx context.Context, id int64, at time.Time, d time.Duration) (bool, error)
	Unlease(ctx context.Context, id int64, at time.Time, d time.Duration) error
}

// Leased runs work under row id's lease for d when this replica can take it (nothing, and no
// error, when another holds it), then gives the lease back, also when ctx was cancelled. Leases
// are between replicas: they take wall time, never a business clock.
func Leased(ctx context.Context, leases Leases, id int64, d time.Duration, work func(context.Context) error) error {
	at := time.Now()
	ok, err := leases.Lease(ctx, id, at, d)
	if err != nil || !ok {
		return err
	}
	err = work(ctx)
	return errors.Join(err, leases.Unlease(context.WithoutCancel(ctx), id, at, d))
}
