package main

import (
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// layerRules turns the layers section (defaults filled by conf.Load) into the snapshot's rules,
// refusing rules that cannot classify.
func layerRules(c *conf.Layers) (layer.Rules, error) {
	r := layer.Rules{
		NewDays: int(c.GetNewDays()), ActiveDays: int(c.GetActiveDays()), ActiveMin: int(c.GetActiveMin()),
		ActiveMax: int(c.GetActiveMax()), LoyalDays: int(c.GetLoyalDays()), LoyalMin: int(c.GetLoyalMin()),
		DormantDays: int(c.GetDormantDays()), RFMDays: int(c.GetRfmDays()),
	}
	if len(c.GetRecencyDays()) != 4 || len(c.GetFrequencyOrders()) != 4 || len(c.GetMonetaryFen()) != 4 {
		return r, fmt.Errorf("layers: recency_days, frequency_orders and monetary_fen take four cut points each")
	}
	for i := range 4 {
		r.RecencyDays[i] = int(c.GetRecencyDays()[i])
		r.FrequencyOrders[i] = int(c.GetFrequencyOrders()[i])
		r.MonetaryFen[i] = c.GetMonetaryFen()[i]
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("layers: %w", err)
	}
	return r, nil
}

// targetingConfig is the subscription templates targeted sends may use.
func targetingConfig(c *conf.Layers) layer.TargetingConfig {
	return layer.TargetingConfig{Templates: c.GetSubscribeTemplates()}
}
