//go:build dev

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// startEmbeddedWechat runs the WeChat simulator in-process when configured, and points the
// WeChat clients at it. With simulator.pay_keys_dir it serves WeChat Pay too, with a development
// key set generated there on first run, and gives the service the same keys: the merchant key
// and WeChat Pay public key as files, the rest as values.
func startEmbeddedWechat(bc *conf.Bootstrap, logger log.Logger) (func(), error) {
	c := bc.GetWechat()
	sim := c.GetSimulator()
	if !sim.GetEmbedded() {
		return func() {}, nil
	}
	mp := c.GetMiniProgram()
	cfg := wxsim.Config{Apps: map[string]string{mp.GetAppId(): mp.GetAppSecret()}}
	keys, keyDir, err := useDevPayKeys(bc)
	if err != nil {
		return nil, err
	}
	if keys != nil {
		cfg.Pay = keys.PayConfig()
	}
	s, err := wxsim.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("embedded WeChat simulator: %w", err)
	}
	base, stop, err := s.Start(sim.GetAddr())
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("start embedded WeChat simulator: %w", err)
	}
	c.ApiBase = base
	if keyDir != "" {
		c.Pay.ApiBaseUrl = base
	}
	log.NewHelper(logger).Infow("msg", "embedded WeChat simulator started", "url", base, "pay_keys", keyDir)
	return func() {
		_ = stop(context.Background())
		_ = s.Close()
	}, nil
}

// useDevPayKeys gives the service the embedded simulator's development WeChat Pay keys (generated
// in simulator.pay_keys_dir on first run): the merchant key and WeChat Pay public key as files,
// the rest as values. Without pay_keys_dir it does nothing and returns nil keys.
func useDevPayKeys(bc *conf.Bootstrap) (*wxsim.DevPayKeys, string, error) {
	c := bc.GetWechat()
	dir := c.GetSimulator().GetPayKeysDir()
	if dir == "" {
		return nil, "", nil
	}
	keyDir, err := expandHome(dir)
	if err != nil {
		return nil, "", err
	}
	keys, err := wxsim.LoadOrCreateDevPayKeys(keyDir, c.GetPay().GetMchId())
	if err != nil {
		return nil, "", fmt.Errorf("WeChat Pay development keys in %s: %w", keyDir, err)
	}
	if c.Pay == nil {
		c.Pay = &conf.Wechat_Pay{}
	}
	p := c.Pay
	p.MchId, p.MerchantSerial, p.Apiv3Key = keys.MchID, keys.MerchantSerial, keys.APIv3Key
	p.MerchantPrivateKey = filepath.Join(keyDir, wxsim.MerchantKeyFile)
	p.PlatformPublicKeyId = keys.PublicKeyID
	p.PlatformPublicKey = filepath.Join(keyDir, wxsim.PlatformPublicKeyFile)
	if p.NotifyBaseUrl == "" {
		p.NotifyBaseUrl = "http://" + localHost(bc.GetServer().GetHttp().GetAddr())
	}
	return keys, keyDir, nil
}

// useRunningEmbeddedWechat points a command at the simulator that `groupbuy serve` embeds with
// the same configuration, with the same keys: the simulator keeps WeChat Pay's state in the
// server's memory, so a command must not start a simulator of its own.
func useRunningEmbeddedWechat(bc *conf.Bootstrap) error {
	c := bc.GetWechat()
	if !c.GetSimulator().GetEmbedded() {
		return nil
	}
	_, keyDir, err := useDevPayKeys(bc)
	if err != nil {
		return err
	}
	base := "http://" + localHost(c.GetSimulator().GetAddr())
	c.ApiBase = base
	if keyDir != "" {
		c.Pay.ApiBaseUrl = base
	}
	return nil
}

// expandHome turns a leading ~/ into the home folder.
func expandHome(path string) (string, error) {
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expand %s: %w", path, err)
	}
	return filepath.Join(home, rest), nil
}
