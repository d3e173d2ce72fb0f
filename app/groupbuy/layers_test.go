package main

import (
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// The shipped files and the defaults give the founding document's layers; rules that cannot
// classify are refused at start.
func TestLayerRulesConfig(t *testing.T) {
	for _, f := range []string{"../../configs/groupbuy.yaml", "../../configs/postgres.yaml", ""} {
		bc := &conf.Bootstrap{}
		conf.ApplyDefaults(bc) // what Load gives for an empty file
		if f != "" {
			var err error
			if bc, err = conf.Load(f); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := layerRules(bc.GetLayers()); err != nil || got != layer.DefaultRules {
			t.Errorf("%q: rules %+v (%v), want %+v", f, got, err, layer.DefaultRules)
		}
	}
	for name, bad := range map[string]*conf.Layers{
		"three cut points": {NewDays: 30, ActiveDays: 30, ActiveMin: 3, ActiveMax: 5, LoyalDays: 90, LoyalMin: 5,
			DormantDays: 180, RfmDays: 365, RecencyDays: []int32{7, 30, 90}, FrequencyOrders: []int32{2, 3, 5, 10},
			MonetaryFen: []int64{1, 2, 3, 4}},
		"active range empty": {NewDays: 30, ActiveDays: 30, ActiveMin: 5, ActiveMax: 3, LoyalDays: 90, LoyalMin: 5,
			DormantDays: 180, RfmDays: 365, RecencyDays: []int32{7, 30, 90, 180}, FrequencyOrders: []int32{2, 3, 5, 10},
			MonetaryFen: []int64{1, 2, 3, 4}},
	} {
		if _, err := layerRules(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
