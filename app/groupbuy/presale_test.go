package main

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// The shipped files and the defaults give the documented windows; windows that leave no time to
// pay commission are refused at start.
func TestPresaleAndLeaderConfig(t *testing.T) {
	want := presale.Config{FreezeWindow: 30 * 24 * time.Hour, AfterSalesWindow: 48 * time.Hour, SettleMargin: 48 * time.Hour}
	for _, f := range []string{"../../configs/groupbuy.yaml", "../../configs/postgres.yaml", ""} {
		bc := &conf.Bootstrap{}
		conf.ApplyDefaults(bc) // what Load gives for an empty file
		if f != "" {
			var err error
			if bc, err = conf.Load(f); err != nil {
				t.Fatal(err)
			}
		}
		st, err := settlementConfig(bc.GetSettlement())
		if err != nil {
			t.Fatal(err)
		}
		co, err := checkoutConfig(bc.GetCheckout())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := presaleConfig(bc.GetSettlement(), st, co); err != nil || got != want {
			t.Errorf("%q: presale %+v (%v), want %+v", f, got, err, want)
		}
		l, err := leaderConfig(bc.GetGeo(), bc.GetLeaders(), bc.GetWechat())
		if err != nil || l.RebindInterval != 24*time.Hour || l.FirstChoiceGrace != 30*time.Minute {
			t.Errorf("%q: leaders %+v (%v)", f, l, err)
		}
	}
	defaults := &conf.Bootstrap{}
	conf.ApplyDefaults(defaults)
	st, _ := settlementConfig(defaults.GetSettlement())
	co, _ := checkoutConfig(defaults.GetCheckout())
	if _, err := presaleConfig(&conf.Settlement{SettleMargin: durationpb.New(29 * 24 * time.Hour)}, st, co); err == nil {
		t.Error("a margin that leaves no time in the freeze window was accepted")
	}
}
