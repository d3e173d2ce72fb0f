package layer

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// SnapshotInfo is a day's snapshot as a whole: its rules, size and when it was taken.
type SnapshotInfo struct {
	Day      string
	Rules    string
	Shoppers int
	TakenAt  time.Time
}

// Count is how many shoppers of one grid and leader were in one layer on a day.
type Count struct {
	Grid     string
	LeaderID int64
	Layer    Layer
	Shoppers int
}

// SnapshotRepo keeps the daily snapshots.
type SnapshotRepo interface {
	// Take replaces day d's snapshot with the one computed from the orders under rules, in one
	// transaction, and returns how many shoppers it holds. Runs of one day wait for each other;
	// other days are never touched.
	Take(ctx context.Context, d Day, rules Rules, at time.Time) (int, error)
	// Info reads a day's snapshot; bizerr.ErrNotFound when it was not taken.
	Info(ctx context.Context, day string) (*SnapshotInfo, error)
	// Days lists the latest snapshots, newest first.
	Days(ctx context.Context, limit int) ([]SnapshotInfo, error)
	// Counts counts a day's shoppers per grid, leader and layer, in one grid or all ("").
	Counts(ctx context.Context, day, grid string) ([]Count, error)
	// Audience lists the shoppers of one layer of one grid on a day, by id, at most limit.
	Audience(ctx context.Context, day string, l Layer, grid string, limit int) ([]int64, error)
	// Shoppers reads the rows of a day, by user id, after afterID, at most limit.
	Shoppers(ctx context.Context, day string, afterID int64, limit int) ([]Shopper, error)
}

// Snapshots takes the nightly snapshot (Run) and reads it.
type Snapshots struct {
	repo  SnapshotRepo
	rules Rules
	now   port.Clock
}

// NewSnapshots takes snapshots with rules (already validated by the configuration).
func NewSnapshots(repo SnapshotRepo, rules Rules, now port.Clock) *Snapshots {
	return &Snapshots{repo: repo, rules: rules, now: now}
}

// Name names the daily job.
func (s *Snapshots) Name() string { return "shopper_layers" }

// Run takes the snapshot of day ("YYYY-MM-DD", Beijing), replacing one taken before. A day
// that has not begun is refused; the current day can be taken, and taken again once it ended.
func (s *Snapshots) Run(ctx context.Context, day string) error {
	d, err := ParseDay(day)
	if err != nil {
		return err
	}
	if err := s.rules.Validate(); err != nil {
		return fmt.Errorf("layer rules: %w", err)
	}
	if d.start.After(s.now()) {
		return bizerr.Invalid("day", "a day that has begun")
	}
	if _, err := s.repo.Take(ctx, d, s.rules, s.now()); err != nil {
		return fmt.Errorf("snapshot of %s: %w", d, err)
	}
	return nil
}

// Rules are the rules snapshots are taken with.
func (s *Snapshots) Rules() Rules { return s.rules }

// Days lists the latest snapshots, newest first.
func (s *Snapshots) Days(ctx context.Context, limit int) ([]SnapshotInfo, error) {
	return s.repo.Days(ctx, min(max(limit, 1), 366))
}

// Counts reads a day's layer counts per grid and leader, in one grid or all (""), with the
// snapshot; bizerr.ErrNotFound when the day has no snapshot.
func (s *Snapshots) Counts(ctx context.Context, day, grid string) (*SnapshotInfo, []Count, error) {
	d, err := ParseDay(day)
	if err != nil {
		return nil, nil, err
	}
	if len(grid) > 16 {
		return nil, nil, bizerr.Invalid("grid_cell", "at most 16 characters")
	}
	info, err := s.repo.Info(ctx, d.String())
	if err != nil {
		return nil, nil, err
	}
	counts, err := s.repo.Counts(ctx, d.String(), grid)
	return info, counts, err
}
