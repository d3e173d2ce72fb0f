package tracking

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Repo stores events.
type Repo interface {
	// Append stores events, each at most once per shopper and client event id: an event already
	// stored, or named twice in events, is skipped. It returns how many were stored, and returns
	// only once they are committed.
	Append(ctx context.Context, events []Event) (stored int, err error)
}

// Leaders tells whom a shopper's events are attributed to.
type Leaders interface {
	// Attribution returns the shopper's bound leader and its grid (0 and "" when it has none)
	// and the grid of each leader of named that exists; one missing from grids does not exist.
	Attribution(ctx context.Context, userID int64, named []int64) (bound int64, boundGrid string,
		grids map[int64]string, err error)
}

// Quota counts a shopper's events in fixed windows.
type Quota interface {
	// Take counts n events of the shopper unless that would make more than limit in the current
	// window (of length window); when it does not count them it returns how long until the
	// window ends. Counting and checking are one step, so concurrent requests cannot overrun.
	Take(ctx context.Context, userID int64, n, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// Config is the per-shopper limit: at most RateLimit events in each RateWindow. A RateLimit of
// 0 turns the limit off.
type Config struct {
	RateLimit  int
	RateWindow time.Duration
}

// Usecase records shoppers' events.
type Usecase struct {
	repo    Repo
	leaders Leaders
	quota   Quota
	cfg     Config
	now     port.Clock
}

// NewUsecase records events in repo, attributed through leaders, within cfg's limit counted by
// quota.
func NewUsecase(repo Repo, leaders Leaders, quota Quota, cfg Config, now port.Clock) *Usecase {
	return &Usecase{repo: repo, leaders: leaders, quota: quota, cfg: cfg, now: now}
}

// Record stores the shopper's events and answers once they are committed. The whole request is
// refused, and nothing stored, when one event is invalid (*EventError) or the shopper is over its
// limit (*RateError). The day an event counts for is the Beijing day the server received it:
// a client's clock is not trusted for the numbers.
func (u *Usecase) Record(ctx context.Context, userID int64, in []Input) (Receipt, error) {
	if userID <= 0 {
		return Receipt{}, bizerr.Invalid("user_id", "a signed-in shopper")
	}
	if len(in) == 0 || len(in) > MaxBatch {
		return Receipt{}, bizerr.Invalid("events", fmt.Sprintf("1 to %d events", MaxBatch))
	}
	for i := range in {
		if err := in[i].check(i); err != nil {
			return Receipt{}, err
		}
	}
	if err := u.take(ctx, userID, len(in)); err != nil {
		return Receipt{}, err
	}
	events, err := u.attribute(ctx, userID, in)
	if err != nil {
		return Receipt{}, err
	}
	stored, err := u.repo.Append(ctx, events)
	if err != nil {
		return Receipt{}, fmt.Errorf("store %d events of user %d: %w", len(events), userID, err)
	}
	return Receipt{Accepted: stored, Duplicates: len(events) - stored}, nil
}

// take counts n events against the shopper's limit. They stay counted when the request fails
// later (an unknown leader, the database): the limit is then stricter, never looser.
func (u *Usecase) take(ctx context.Context, userID int64, n int) error {
	if u.cfg.RateLimit <= 0 {
		return nil
	}
	ok, retry, err := u.quota.Take(ctx, userID, n, u.cfg.RateLimit, u.cfg.RateWindow)
	if err != nil {
		return fmt.Errorf("event quota of user %d: %w", userID, err)
	}
	if !ok {
		return &RateError{UserID: userID, Limit: u.cfg.RateLimit, Window: u.cfg.RateWindow, RetryAfter: retry}
	}
	return nil
}

// attribute makes the stored events: each for the leader it names, or the shopper's bound
// leader, with that leader's grid. A named leader must exist (its grid is what the grid's
// numbers count the event by); named batches and items are not looked up: the rollups count
// them by joining batches and items, where an id that does not exist matches nothing, and a
// read of them on every request would cost the ingest more than such an event costs the numbers.
func (u *Usecase) attribute(ctx context.Context, userID int64, in []Input) ([]Event, error) {
	var named []int64
	for _, e := range in {
		if e.LeaderID > 0 {
			named = append(named, e.LeaderID)
		}
	}
	bound, boundGrid, grids, err := u.leaders.Attribution(ctx, userID, named)
	if err != nil {
		return nil, fmt.Errorf("leaders of the events of user %d: %w", userID, err)
	}
	at := u.now().UTC()
	day := bjtime.Day(at)
	out := make([]Event, len(in))
	for i, e := range in {
		ev := Event{Input: e, UserID: userID, At: at, Day: day, GridCell: boundGrid}
		ev.LeaderID = bound
		if e.LeaderID > 0 {
			grid, ok := grids[e.LeaderID]
			if !ok {
				return nil, &EventError{Index: i, Field: "leader_id", Reason: "no such leader"}
			}
			ev.LeaderID, ev.GridCell = e.LeaderID, grid
		}
		out[i] = ev
	}
	return out, nil
}
