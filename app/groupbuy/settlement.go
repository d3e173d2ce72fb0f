package main

import (
	"context"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
	"github.com/groupbuy/groupbuy/internal/server"
)

// settlementSet builds settlement's use case: its store, WeChat Pay profit-sharing and the
// merchant's pace of calls to it (bound in data.ProviderSet), the ledger, the database
// transactions and the clock.
var settlementSet = wire.NewSet( //nolint:unused // used by commonSet (wireinject build)
	settlementConfig,
	settlementstore.ProviderSet,
	settlementPoster,
	settlement.NewPacedUsecase,
	settlementLoops,
)

// settlementPoster is the ledger, which posts what settlement pays (a function: a wire.Bind
// here would need the ledger's provider in this set).
func settlementPoster(book *ledger.Ledger) settlement.Poster { return book }

// settlementConfig turns the settlement section (defaults filled by conf.Load) into settlement's
// policy, refusing what cannot work.
func settlementConfig(s *conf.Settlement) (settlement.Config, error) {
	cfg := settlement.Config{
		FreezeWindow: s.GetFreezeWindow().AsDuration(),
		WarnBefore:   s.GetWarnBefore().AsDuration(),
		MaxRatioBP:   int(s.GetMaxRatioBp()),
		FeeBP:        int(s.GetFeeBp()),
		Concurrency:  int(s.GetConcurrency()),
		ClaimBatch:   int(s.GetClaimBatch()),
		Lease:        s.GetLease().AsDuration(),
		PollAfter:    s.GetPollAfter().AsDuration(),
		RetryAfter:   s.GetRetryAfter().AsDuration(),
		RetryMax:     s.GetRetryMax().AsDuration(),
		SelectBatch:  int(s.GetSelectBatch()),
		FinishBatch:  int(s.GetFinishBatch()),
		DailyAt:      s.GetDailyAt(),
	}
	return cfg, cfg.Check()
}

// settlementIdle is how long the settlement worker rests when it found nothing to do.
func settlementIdle(s *conf.Settlement) time.Duration { return s.GetWorkerIdle().AsDuration() }

// settlementLoopSet is settlement's loops, merged into server.Loops by domainLoops.
type settlementLoopSet server.Loops

// scheduleCheckEvery is how often each replica checks whether the daily run is due.
const scheduleCheckEvery = time.Minute

// settlementLoops are the settlement worker (every replica works every run's items, under
// claims) and, with settlement.daily_at, the daily schedule (every replica starts the day's run
// under the same key, so one run is started).
func settlementLoops(c *conf.Settlement, logger log.Logger, uc *settlement.Usecase, now port.Clock) settlementLoopSet {
	idle := settlementIdle(c)
	h := log.NewHelper(logger)
	loops := settlementLoopSet{
		"settlement-worker": func(ctx context.Context) error {
			return uc.Work(ctx, idle, func(err error) {
				h.Errorw("msg", "round failed", "loop", "settlement-worker", "error", err)
			})
		},
	}
	if at := uc.Config().DailyAt; at != "" {
		s := &dailySettlement{uc: uc, at: at, now: now, log: h}
		loops["settlement-schedule"] = func(ctx context.Context) error {
			return runEvery(ctx, scheduleCheckEvery, s.check, func(err error) {
				h.Errorw("msg", "tick failed", "loop", "settlement-schedule", "error", err)
			})
		}
	}
	return loops
}

// dailySettlement starts the day's run once the day's daily_at (Beijing time) has passed.
type dailySettlement struct {
	uc      *settlement.Usecase
	at      string // "15:04", checked by settlement.Config.Check
	now     port.Clock
	log     *log.Helper
	started string // the Beijing date of the last run this process started or found
}

func (s *dailySettlement) check(ctx context.Context) error {
	day, cutoff, due := dailyCutoff(s.now(), s.at)
	if !due || s.started == day {
		return nil
	}
	r, err := s.uc.Start(ctx, settlement.StartInput{Key: "daily/" + day, Cutoff: cutoff, Trigger: settlement.TriggerSchedule})
	if err != nil {
		return err
	}
	s.started = day
	s.log.Infow("msg", "daily settlement run", "run_id", r.ID, "key", r.Key, "cutoff", r.Cutoff, "state", r.State)
	return nil
}

// dailyCutoff is the Beijing date of now, that day's run time at (HH:MM), and whether it passed.
func dailyCutoff(now time.Time, at string) (day string, cutoff time.Time, due bool) {
	t, err := time.Parse("15:04", at)
	if err != nil {
		return "", time.Time{}, false
	}
	local := now.In(bjtime.Zone)
	y, m, d := local.Date()
	cutoff = time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, bjtime.Zone)
	return local.Format(time.DateOnly), cutoff, !now.Before(cutoff)
}
