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
