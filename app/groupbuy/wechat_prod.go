//go:build !dev

package main

import (
	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// startEmbeddedWechat refuses wechat.simulator.embedded: the production build has no simulator.
func startEmbeddedWechat(bc *conf.Bootstrap, _ log.Logger) (func(), error) {
	if err := useRunningEmbeddedWechat(bc); err != nil {
		return nil, err
	}
	return func() {}, nil
}

// useRunningEmbeddedWechat refuses wechat.simulator.embedded: the production build has no
// simulator, so no `groupbuy serve` of it runs one either.
func useRunningEmbeddedWechat(bc *conf.Bootstrap) error {
	if bc.GetWechat().GetSimulator().GetEmbedded() {
		return conf.StandInError("wechat.simulator.embedded (in-process WeChat simulator)")
	}
	return nil
}
