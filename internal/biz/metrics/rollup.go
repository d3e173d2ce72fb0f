package metrics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Store keeps the daily counts.
type Store interface {
	// Rollup counts day's events, orders, refunds and invitations at every level and replaces the
	// day's rows with them, in one transaction.
	Rollup(ctx context.Context, day string) error
	// RefundedOrderDays are the days on which the orders were placed whose refunds succeeded on
	// day: the days whose refunds by order day day's refunds changed.
	RefundedOrderDays(ctx context.Context, day string) ([]string, error)
	// Days are key's rows of the days [from, to), in order; days without a row are missing.
	Days(ctx context.Context, k Key, from, to string) ([]Day, error)
}

// RollupJobName is the daily rollup's name among the daily jobs.
const RollupJobName = "metrics-rollup"

// RollupJob is the nightly rollup as a daily job.
type RollupJob struct{ store Store }

// NewRollupJob is the rollup job over store.
func NewRollupJob(store Store) *RollupJob { return &RollupJob{store: store} }

// Name is the job's name.
func (*RollupJob) Name() string { return RollupJobName }

// Run counts day and recounts the earlier days whose orders were refunded on day, since a refund
// changes its order's day too. Every day's refunds are looked at once it is rolled up, so each
// late refund reaches its order's day; recounting a day is idempotent.
func (j *RollupJob) Run(ctx context.Context, day string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return bizerr.Invalid("day", "must be a date YYYY-MM-DD")
	}
	earlier, err := j.store.RefundedOrderDays(ctx, day)
	if err != nil {
		return fmt.Errorf("days refunded on %s: %w", day, err)
	}
	days := append([]string{day}, earlier...)
	slices.Sort(days)
	for _, d := range slices.Compact(days) {
		if d > day {
			continue // a later day is counted when its turn comes
		}
		if err := j.store.Rollup(ctx, d); err != nil {
			return fmt.Errorf("roll up %s: %w", d, err)
		}
	}
	return nil
}
