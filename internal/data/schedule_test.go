package data_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent/dailyjobrun"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/schedule"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/metricstore"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// countingJob counts its runs by day, failing the days in fail once each.
type countingJob struct {
	mu   sync.Mutex
	runs map[string]int
	fail map[string]bool
}

func (*countingJob) Name() string { return "count" }

func (j *countingJob) Run(_ context.Context, day string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.runs[day]++
	if j.fail[day] {
		delete(j.fail, day)
		return errors.New("the job failed")
	}
	return nil
}

// Two replicas (two connection pools to one database) race for a week of due days: each day
// runs once, recorded with its owner; a failed day is recorded with its error, retried, and
// then recorded as done.
func TestDailyJobRunsOnceAcrossReplicas(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, bjtime.Zone)
	job := &countingJob{runs: map[string]int{}, fail: map[string]bool{"2026-12-04": true}}
	cfg := schedule.Config{At: 2 * time.Hour, CatchUp: 7, RetryAfter: time.Hour}
	var replicas []*schedule.Scheduler
	var failures atomic.Int32
	for _, owner := range []string{"replica-a", "replica-b"} {
		db := openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: 4})
		s := schedule.New(metricstore.NewRuns(db), cfg, owner, func() time.Time { return now })
		s.OnError = func(string, string, error) { failures.Add(1) }
		if err := s.Register(job); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, s)
	}
	if err := replicas[0].Register(job); err == nil {
		t.Fatal("a job registered twice")
	}

	var wg sync.WaitGroup
	var ran atomic.Int32
	for _, s := range replicas {
		wg.Go(func() { ran.Add(int32(s.RunDue(t.Context()))) })
	}
	wg.Wait()
	due := schedule.DueDays(now, cfg.At, cfg.CatchUp)
	if int(ran.Load()) != len(due) || failures.Load() != 1 {
		t.Fatalf("the replicas made %d runs with %d failures, want %d and 1", ran.Load(), failures.Load(), len(due))
	}
	for _, day := range due {
		if job.runs[day] != 1 {
			t.Errorf("%s ran %d times, want once", day, job.runs[day])
		}
	}
	db := openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: 2})
	failed := db.Ent.DailyJobRun.Query().Where(dailyjobrun.Job("count"), dailyjobrun.Day("2026-12-04")).OnlyX(t.Context())
	if failed.FinishedAt == nil || failed.Error == "" || failed.Owner == "" {
		t.Fatalf("the failed run's record %+v", failed)
	}

	// Once the retry delay has passed, the next look retries the failed day only.
	if n := replicas[0].RunDue(t.Context()); n != 0 {
		t.Fatalf("%d runs before the retry delay had passed", n)
	}
	db.Ent.DailyJobRun.Update().Where(dailyjobrun.Job("count"), dailyjobrun.ErrorNEQ("")).
		SetFinishedAt(time.Now().Add(-2 * time.Hour)).ExecX(t.Context())
	if n := replicas[1].RunDue(t.Context()); n != 1 || job.runs["2026-12-04"] != 2 {
		t.Fatalf("retry made %d runs, 2026-12-04 ran %d times; want 1 and 2", n, job.runs["2026-12-04"])
	}
	retried := db.Ent.DailyJobRun.Query().Where(dailyjobrun.Job("count"), dailyjobrun.Day("2026-12-04")).OnlyX(t.Context())
	if retried.Error != "" || retried.Attempts != 2 || retried.FinishedAt == nil {
		t.Fatalf("the retried run's record %+v", retried)
	}
	if n := replicas[0].RunDue(t.Context()); n != 0 {
		t.Fatalf("%d runs of days already done", n)
	}
	if got := db.Ent.DailyJobRun.Query().Where(dailyjobrun.Job("count"), dailyjobrun.ErrorEQ("")).CountX(t.Context()); got != len(due) {
		t.Fatalf("%d runs recorded done, want %d", got, len(due))
	}

	// The day after, only the new day is due: a missed night is made up by the catch-up, and
	// nothing runs twice.
	now = now.AddDate(0, 0, 1)
	if n := replicas[0].RunDue(t.Context()); n != 1 || job.runs["2026-12-07"] != 1 {
		t.Fatalf("the next day made %d runs, want 1 (2026-12-07)", n)
	}
}

// A run whose replica died (unfinished, its lease over) is taken over by another replica; one
// still leased is not.
func TestAbandonedDailyRunIsTakenOver(t *testing.T) {
	db := openPostgres(t)
	runs := metricstore.NewRuns(db)
	ctx := t.Context()
	if ok, err := runs.Claim(ctx, "j", "2026-12-06", "dead", time.Hour, time.Minute); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, err := runs.Claim(ctx, "j", "2026-12-06", "live", time.Hour, time.Minute); ok || err != nil {
		t.Fatalf("a leased run was claimed again: %v %v", ok, err)
	}
	db.Ent.DailyJobRun.Update().Where(dailyjobrun.Job("j")).SetLeaseUntil(time.Now().Add(-time.Second)).ExecX(ctx)
	if ok, err := runs.Claim(ctx, "j", "2026-12-06", "live", time.Hour, time.Minute); !ok || err != nil {
		t.Fatalf("an abandoned run was not taken over: %v %v", ok, err)
	}
	// The dead replica's late finish does not overwrite the new owner's run.
	if err := runs.Finish(ctx, "j", "2026-12-06", "dead", nil); err != nil {
		t.Fatal(err)
	}
	r := db.Ent.DailyJobRun.Query().Where(dailyjobrun.Job("j")).OnlyX(ctx)
	if r.Owner != "live" || r.FinishedAt != nil || r.Attempts != 2 {
		t.Fatalf("run %+v, want live's unfinished second attempt", r)
	}
}
