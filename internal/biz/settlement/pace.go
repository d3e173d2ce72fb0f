package settlement

import (
	"context"
	"errors"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/pace"
)

// paced makes one call of op to WeChat Pay at the merchant's pace: it waits for a permit, and
// a FREQUENCY_LIMITED answer slows the whole merchant down (every replica), not only this
// worker. The item that met it is retried later like any transient failure.
func paced[T any](ctx context.Context, p pace.Pacer, op pace.Op, call func() (T, error)) (T, error) {
	if err := p.Wait(ctx, op); err != nil {
		var zero T
		return zero, err
	}
	v, err := call()
	if errors.Is(err, bizerr.ErrRateLimited) {
		p.Limited(ctx, op)
	}
	return v, err
}
