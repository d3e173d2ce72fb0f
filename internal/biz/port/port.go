// Package port holds the small interfaces that every domain package of biz shares. The data layer
// implements them; domain packages import this package and never each other's implementations.
package port

import (
	"context"
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
