package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/schedule"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/server"
)

// dailyJobsConfig reads conf's daily_jobs (defaults applied by conf.Load).
func dailyJobsConfig(c *conf.DailyJobs) (schedule.Config, error) {
	at, err := time.Parse("15:04", c.GetAt())
	if err != nil {
		return schedule.Config{}, fmt.Errorf("daily_jobs.at %q is not HH:MM", c.GetAt())
	}
	cfg := schedule.Config{
		At:         time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute,
		CatchUp:    int(c.GetCatchUpDays()),
		Poll:       c.GetPoll().AsDuration(),
		Lease:      c.GetLease().AsDuration(),
		RetryAfter: c.GetRetryAfter().AsDuration(),
	}
	return cfg, cfg.Validate()
}

// newDailyJobs is the scheduler of the nightly jobs with every job registered: register a new
// daily job here.
func newDailyJobs(c *conf.DailyJobs, runs schedule.Runs, now port.Clock, logger log.Logger,
	rollup *metrics.RollupJob, layers *layer.Snapshots) (*schedule.Scheduler, error) {
	cfg, err := dailyJobsConfig(c)
	if err != nil {
		return nil, err
	}
	s := schedule.New(runs, cfg, replicaName(), now)
	h := log.NewHelper(logger)
	s.OnError = func(job, day string, err error) {
		h.Errorw("msg", "daily job failed", "job", job, "day", day, "error", err)
	}
	for _, j := range []schedule.Job{rollup, layers} {
		if err := s.Register(j); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// replicaName names this process among the replicas in the runs it records.
func replicaName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// dailyLoopSet is the daily jobs' loop, merged into server.Loops by domainLoops.
type dailyLoopSet server.Loops

// dailyLoops runs the scheduler on PostgreSQL; the daily jobs' SQL is PostgreSQL's, so the
// SQLite of `make run` has none.
func dailyLoops(db *sqldb.DB, s *schedule.Scheduler, logger log.Logger) dailyLoopSet {
	if !db.Postgres() {
		log.NewHelper(logger).Infow("msg", "daily jobs off: they need PostgreSQL")
		return dailyLoopSet{}
	}
	return dailyLoopSet{"daily-jobs": func(ctx context.Context) error { return s.Run(ctx) }}
}
