package main

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/conf"
)

func TestSettlementConfigOfShippedFiles(t *testing.T) {
	for _, f := range []string{"../../configs/groupbuy.yaml", "../../configs/postgres.yaml"} {
		bc, err := conf.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := settlementConfig(bc.GetSettlement())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cfg.FreezeWindow != 30*24*time.Hour || cfg.MaxRatioBP != 3000 || settlementIdle(bc.GetSettlement()) != time.Second {
			t.Errorf("%s: %+v", f, cfg)
		}
	}
}

func TestSettlementConfigDefaults(t *testing.T) {
	bc := &conf.Bootstrap{Commission: &conf.Commission{CapBp: 2500}}
	conf.ApplyDefaults(bc)
	cfg, err := settlementConfig(bc.GetSettlement())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxRatioBP != 2500 || cfg.Concurrency != 16 || cfg.DailyAt != "" {
		t.Errorf("defaults: %+v", cfg)
	}
	bc = &conf.Bootstrap{Settlement: &conf.Settlement{DailyAt: "25:00"}}
	conf.ApplyDefaults(bc)
	if _, err := settlementConfig(bc.GetSettlement()); err == nil {
		t.Error("daily_at 25:00 accepted")
	}
}

func TestDailyCutoff(t *testing.T) {
	// 01:30 UTC is 09:30 in Beijing.
	now := time.Date(2026, 3, 31, 1, 30, 0, 0, time.UTC)
	day, cutoff, due := dailyCutoff(now, "02:00")
	want := time.Date(2026, 3, 31, 2, 0, 0, 0, bjtime.Zone)
	if day != "2026-03-31" || !cutoff.Equal(want) || !due {
		t.Errorf("02:00: %s %s %v", day, cutoff, due)
	}
	if _, _, due := dailyCutoff(now, "10:00"); due {
		t.Error("10:00 due at 09:30")
	}
	// 17:00 UTC is 01:00 the next day in Beijing.
	day, _, due = dailyCutoff(time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC), "00:30")
	if day != "2026-04-01" || !due {
		t.Errorf("next Beijing day: %s %v", day, due)
	}
}
