// Package schedule runs named daily jobs once a Beijing day on exactly one replica. Every replica
// runs the same loop; a run is claimed in the database (Runs) for one job and day, so whichever
// replica claims it first runs it and the others skip it. A day missed while no replica ran (or
// whose run failed) is caught up, at most CatchUp days back.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Job is a daily job. Run does the job for day, the Beijing day (YYYY-MM-DD) that ended before
// the run was due; it may run again for the same day (a failed or abandoned run is retried), so
// it must replace what an earlier run of the day wrote rather than add to it.
type Job interface {
	Name() string
	Run(ctx context.Context, day string) error
}

// Runs records the runs of daily jobs; the record is the run's lease.
type Runs interface {
	// Claim starts job's run for day as owner, leased for lease: true when no run of the job and
	// day exists, or the existing one is unfinished with its lease over (its replica died), or
	// failed at least retryAfter ago. False when another replica runs or ran it.
	Claim(ctx context.Context, job, day, owner string, lease, retryAfter time.Duration) (bool, error)
	// Finish records the end of owner's run, with runErr's text when it failed.
	Finish(ctx context.Context, job, day, owner string, runErr error) error
	// Done lists the days among days whose run of job finished without error.
	Done(ctx context.Context, job string, days []string) ([]string, error)
}

// Config is when and how the jobs run.
type Config struct {
	// At is the time after Beijing midnight when the day before becomes due; zero is midnight
	// itself, a time like any other, so it has no default.
	At time.Duration
	// CatchUp is how many days back a missed run is still made up (at least 1: yesterday).
	CatchUp int
	// Poll is how often a replica looks for due runs.
	Poll time.Duration
	// Lease is how long a run may take before another replica may take it over.
	Lease time.Duration
	// RetryAfter is how long after a failed run it is tried again.
	RetryAfter time.Duration
}

// Defaults of Config's zero fields.
const (
	DefaultCatchUp    = 7
	DefaultPoll       = time.Minute
	DefaultLease      = 30 * time.Minute
	DefaultRetryAfter = 15 * time.Minute
)

// WithDefaults fills c's zero fields but At.
func (c Config) WithDefaults() Config {
	if c.CatchUp <= 0 {
		c.CatchUp = DefaultCatchUp
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	return c
}

// Validate reports a configuration that cannot run: At must fall within the day.
func (c Config) Validate() error {
	if c.At < 0 || c.At >= 24*time.Hour {
		return fmt.Errorf("daily jobs: at %s is not a time of day", c.At)
	}
	return nil
}

// DueDays are the days whose runs are due at now, oldest first: the catchUp days up to the day
// before now's Beijing day, less that day itself while now is before at.
func DueDays(now time.Time, at time.Duration, catchUp int) []string {
	start := bjtime.StartOfDay(now)
	last := start.AddDate(0, 0, -1)
	if now.Before(start.Add(at)) {
		last = last.AddDate(0, 0, -1)
	}
	days := make([]string, 0, catchUp)
	for i := catchUp - 1; i >= 0; i-- {
		days = append(days, last.AddDate(0, 0, -i).Format(time.DateOnly))
	}
	return days
}

// Scheduler runs the registered jobs' due days.
type Scheduler struct {
	runs  Runs
	cfg   Config
	owner string
	now   port.Clock
	jobs  []Job
	// OnError, when set, hears of every failed claim, run or record (the run's record keeps a
	// job's error too).
	OnError func(job, day string, err error)
}

// New is a scheduler claiming runs as owner (a name of this replica, unique among replicas).
func New(runs Runs, cfg Config, owner string, now port.Clock) *Scheduler {
	return &Scheduler{runs: runs, cfg: cfg.WithDefaults(), owner: owner, now: now}
}

// Register adds a job; call before Run. Names must be unique.
func (s *Scheduler) Register(j Job) error {
	if j.Name() == "" || slices.ContainsFunc(s.jobs, func(o Job) bool { return o.Name() == j.Name() }) {
		return fmt.Errorf("daily job %q: empty or registered twice", j.Name())
	}
	s.jobs = append(s.jobs, j)
	return nil
}

// Run looks for due runs every Poll until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.cfg.Poll):
		}
	}
}

// RunDue runs every job's due days that no replica has done, oldest first, and reports how many
// runs this replica made.
func (s *Scheduler) RunDue(ctx context.Context) int {
	due := DueDays(s.now(), s.cfg.At, s.cfg.CatchUp)
	ran := 0
	for _, j := range s.jobs {
		done, err := s.runs.Done(ctx, j.Name(), due)
		if err != nil {
			s.report(j.Name(), "", err)
			continue
		}
		for _, day := range due {
			if ctx.Err() != nil {
				return ran
			}
			if slices.Contains(done, day) {
				continue
			}
			if s.runOnce(ctx, j, day) {
				ran++
			}
		}
	}
	return ran
}

// runOnce claims and runs one job's day, reporting whether this replica ran it.
func (s *Scheduler) runOnce(ctx context.Context, j Job, day string) bool {
	ok, err := s.runs.Claim(ctx, j.Name(), day, s.owner, s.cfg.Lease, s.cfg.RetryAfter)
	if err != nil || !ok {
		s.report(j.Name(), day, err)
		return false
	}
	runErr := j.Run(ctx, day)
	if runErr != nil {
		runErr = fmt.Errorf("daily job %s for %s: %w", j.Name(), day, runErr)
		s.report(j.Name(), day, runErr)
	}
	// The record outlives a cancelled ctx: a run that ended is recorded as ended.
	if err := s.runs.Finish(context.WithoutCancel(ctx), j.Name(), day, s.owner, runErr); err != nil {
		s.report(j.Name(), day, fmt.Errorf("record the run: %w", err))
	}
	return true
}

func (s *Scheduler) report(job, day string, err error) {
	if err != nil && s.OnError != nil && !errors.Is(err, context.Canceled) {
		s.OnError(job, day, err)
	}
}
