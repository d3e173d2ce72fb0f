package data_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/groupbuy/groupbuy/ent/commissionentry"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Environment of the worker process.
const (
	envWorkerDSN    = "GROUPBUY_SETTLE_WORKER_DSN"
	envWorkerWechat = "GROUPBUY_SETTLE_WORKER_WECHAT"
	envWorkerExitMS = "GROUPBUY_SETTLE_WORKER_EXIT_MS"
)

// TestSettlementWorkerProcess is not a test of its own: it is the worker a subprocess runs for
// TestSettlementSurvivesProcessExit, on the parent's database and simulator, until it exits
// abruptly (os.Exit: no deferred function, no cleanup) at the time it was given.
func TestSettlementWorkerProcess(t *testing.T) {
	dsn := os.Getenv(envWorkerDSN)
	if dsn == "" {
		t.Skip("run by TestSettlementSurvivesProcessExit")
	}
	ms, _ := strconv.Atoi(os.Getenv(envWorkerExitMS))
	time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { os.Exit(3) })
	var wc conf.Wechat
	if err := protojson.Unmarshal([]byte(os.Getenv(envWorkerWechat)), &wc); err != nil {
		t.Fatal(err)
	}
	db, _, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: 8}})
	if err != nil {
		t.Fatal(err)
	}
	// As the settle command builds it: the database and WeChat Pay alone.
	f, err := datatest.BuildFinance(db, func() time.Time { return time.Now().UTC() }, &wc, stConfig(t), testLogger)
	if err != nil {
		t.Fatal(err)
	}
	uc := f.Settlement
	for {
		_, _ = uc.Round(t.Context())
	}
}

// Ten trials: a worker process exits abruptly at a random moment of a run (os.Exit, as a crash
// or a kill would end it) and a worker here finishes the run once the dead one's leases run
// out. Nothing is paid twice, nothing is left, the trial balance stays zero.
func TestSettlementSurvivesProcessExit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("subprocesses")
	}
	e := newStEnv(t, 8, nil)
	wc, err := protojson.Marshal(e.wechat)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(13, 17))
	exits := 0
	for trial := range 10 {
		for range 20 {
			e.complete(t, e.paidOrder(t, e.leaders[r.IntN(len(e.leaders))], 1+r.Int64N(3), randomBP(r), 72*time.Hour))
		}
		run := e.start(t, e.usecase())
		cmd := exec.Command(os.Args[0], "-test.run=^TestSettlementWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), envWorkerDSN+"="+e.dsn, envWorkerWechat+"="+string(wc),
			envWorkerExitMS+"="+strconv.Itoa(50+r.IntN(400)))
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("trial %d: worker process ended with %v:\n%s", trial, err, out)
		}
		exits++
		e.clock.Advance(e.cfg.Lease + time.Second)
		v := e.finish(t, e.usecase(), run.ID)
		if v.Summary.Failed != 0 || v.Summary.Shared+v.Summary.Unfrozen == 0 {
			t.Fatalf("trial %d: summary %+v", trial, v.Summary)
		}
		e.checkBooks(t)
		if left := e.db.CommissionEntry.Query().Where(commissionentry.StateEQ(commissionentry.StateSettleable)).CountX(t.Context()); left != 0 {
			t.Fatalf("trial %d: %d entries still settleable", trial, left)
		}
	}
	t.Logf("%d worker processes exited mid-run", exits)
}
