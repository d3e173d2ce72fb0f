package main

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/conf"
)

func TestDailyJobsConfigFromTheShippedDefaults(t *testing.T) {
	bc := &conf.Bootstrap{}
	conf.ApplyDefaults(bc)
	cfg, err := dailyJobsConfig(bc.GetDailyJobs())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.At != 2*time.Hour || cfg.CatchUp != 7 || cfg.Poll != time.Minute || cfg.Lease != 30*time.Minute || cfg.RetryAfter != 15*time.Minute {
		t.Fatalf("config %+v", cfg)
	}
	for _, at := range []string{"25:00", "2am", "24:00"} {
		if _, err := dailyJobsConfig(&conf.DailyJobs{At: at}); err == nil {
			t.Errorf("at %q accepted", at)
		}
	}
	if cfg, err := dailyJobsConfig(&conf.DailyJobs{At: "23:30"}); err != nil || cfg.At != 23*time.Hour+30*time.Minute {
		t.Errorf("at 23:30: %v %v", cfg.At, err)
	}
}
