package metricstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/schedule"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Runs is schedule.Runs over daily_job_runs. Leases are judged by the database's clock, the one
// clock all replicas share.
type Runs struct{ data *sqldb.DB }

// NewRuns is the run records over data.
func NewRuns(data *sqldb.DB) *Runs { return &Runs{data: data} }

var _ schedule.Runs = (*Runs)(nil)

// Claim inserts the run, or takes over an abandoned or failed one; the unique (job, day) lets
// exactly one of racing replicas win.
func (r *Runs) Claim(ctx context.Context, job, day, owner string, lease, retryAfter time.Duration) (bool, error) {
	if !r.data.Postgres() {
		return false, ErrNeedsPostgres
	}
	n, err := r.data.Exec(ctx, `INSERT INTO daily_job_runs AS r (job, day, owner, attempts, started_at, lease_until, error)
		VALUES ($1, $2, $3, 1, now(), now() + make_interval(secs => $4), '')
		ON CONFLICT (job, day) DO UPDATE SET owner = EXCLUDED.owner, attempts = r.attempts + 1,
			started_at = now(), lease_until = EXCLUDED.lease_until, finished_at = NULL, error = ''
		WHERE (r.finished_at IS NULL AND r.lease_until < now())
			OR (r.finished_at IS NOT NULL AND r.error <> '' AND r.finished_at < now() - make_interval(secs => $5))`,
		job, day, owner, lease.Seconds(), retryAfter.Seconds())
	if err != nil {
		return false, fmt.Errorf("claim daily job %s for %s: %w", job, day, err)
	}
	return n == 1, nil
}

// Finish records the end of owner's run; a run taken over meanwhile keeps its new owner's record.
func (r *Runs) Finish(ctx context.Context, job, day, owner string, runErr error) error {
	text := ""
	if runErr != nil {
		text = truncate(runErr.Error(), 1024)
	}
	if _, err := r.data.Exec(ctx, `UPDATE daily_job_runs SET finished_at = now(), error = $4
		WHERE job = $1 AND day = $2 AND owner = $3 AND finished_at IS NULL`, job, day, owner, text); err != nil {
		return fmt.Errorf("finish daily job %s for %s: %w", job, day, err)
	}
	return nil
}

// Done lists the days among days that job finished without error.
func (r *Runs) Done(ctx context.Context, job string, days []string) ([]string, error) {
	if len(days) == 0 {
		return nil, nil
	}
	var done []string
	err := r.data.Query(ctx, `SELECT day FROM daily_job_runs
		WHERE job = $1 AND day >= $2 AND day <= $3 AND finished_at IS NOT NULL AND error = ''`,
		[]any{job, days[0], days[len(days)-1]}, func(rows *sql.Rows) error {
			var d string
			err := rows.Scan(&d)
			done = append(done, d)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("days done of daily job %s: %w", job, err)
	}
	return done, nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
