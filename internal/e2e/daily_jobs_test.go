package e2e

import (
	"database/sql"
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
			t.Fatalf("the server did not run %s for %s", job, day)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
