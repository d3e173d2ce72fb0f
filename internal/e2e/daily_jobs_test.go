package e2e

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// awaitDailyJob waits until the server's daily job has run for day: a server starts by catching
// up the days before today, so a test that writes a day's rows itself waits for the job to be done
// with that day, then replaces them.
func awaitDailyJob(t *testing.T, db *sql.DB, job, day string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done int
		if err := db.QueryRow(`SELECT count(*) FROM daily_job_runs WHERE job = $1 AND day = $2
			AND finished_at IS NOT NULL AND error = ''`, job, day).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not run %s for %s; its runs: %s", job, day, dailyRuns(t, db))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dailyRuns lists the server's run records, to tell why a day was not done.
func dailyRuns(t *testing.T, db *sql.DB) string {
	rows, err := db.Query(`SELECT job, day, owner, attempts, finished_at IS NOT NULL, error FROM daily_job_runs ORDER BY job, day`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var job, day, owner, runErr string
		var attempts int
		var finished bool
		if err := rows.Scan(&job, &day, &owner, &attempts, &finished, &runErr); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "\n  %s %s owner=%s attempts=%d finished=%t error=%q", job, day, owner, attempts, finished, runErr)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
