// Command wxsim serves the WeChat simulator (internal/wxsim) on its own, for `make run` and
// demos: point the service's WeChat API base at it and drive it with the /sim/v1/ control API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// shutdownTimeout bounds how long in-flight requests (some may carry injected latency) get to
// finish after a signal.
const shutdownTimeout = 10 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		slog.Error("wxsim stopped", "err", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, opts, err := parseConfig(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage is already printed
	} else if err != nil {
		return err
	}
	if opts.cpuProfile != "" {
		stopProfile, err := startCPUProfile(opts.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	sim, err := wxsim.Open(cfg) // no apps → the demo app
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	baseURL, stop, err := sim.Start(opts.addr)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	slog.Info("wxsim listening", "url", baseURL, "apps", strings.Join(sim.AppIDs(), ","))

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()

	slog.Info("wxsim shutting down")
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancelShutdown()
	if err := stop(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := sim.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// options are the command's own settings, beside the simulator's configuration.
type options struct {
	addr       string // address to listen on
	cpuProfile string // file the CPU profile is written to on shutdown; "" for none
}

// parseConfig reads the command line into the simulator's configuration and the command's
// options; it returns flag.ErrHelp after printing the usage for -h.
func parseConfig(args []string) (wxsim.Config, options, error) {
	var opts options
	fs := flag.NewFlagSet("wxsim", flag.ContinueOnError)
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&opts.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole life of the process "+
		"to this file when it stops on SIGINT or SIGTERM: for benchmarks that measure the simulator's share")
	var appSpecs []string
	fs.Func("app", "mini-program as appid:secret; repeatable or comma-separated (default "+
		wxsim.DemoAppID+":"+wxsim.DemoSecret+")", func(v string) error {
		appSpecs = append(appSpecs, v)
		return nil
	})
	payDir := fs.String("pay-dir", "", "WeChat Pay directory: the development key set (created on the first run) "+
		"and the pay state, kept across restarts; empty serves no merchant")
	mchid := fs.String("mchid", wxsim.DemoMchID, "merchant id of a key set created by -pay-dir")
	feeBP := fs.Int("fee-bp", 60, "WeChat Pay fee in basis points (60 = 0.6%)")
	persist := fs.Bool("pay-persist", true, "keep the pay state in -pay-dir across restarts; false keeps it "+
		"in memory only (the keys still come from -pay-dir): for benchmarks, where saving the whole state "+
		"on every change would dominate")
	rateLimits := fs.String("rate-limits", "wechat", "WeChat Pay's per-merchant rate limits, answered 429 "+
		"FREQUENCY_LIMITED: \"wechat\" for WeChat's documented figures (请求分账 300/s, 查询分账结果 80/s, "+
		"解冻剩余资金 60/s, 请求分账回退 30/s), \"off\", or operation=n,... (changeable at runtime "+
		"through /sim/v1/pay/rate-limits)")
	if err := fs.Parse(args); err != nil {
		return wxsim.Config{}, options{}, fmt.Errorf("parse flags: %w", err)
	}
	apps, err := wxsim.ParseApps(appSpecs...)
	if err != nil {
		return wxsim.Config{}, options{}, fmt.Errorf("parse -app: %w", err)
	}
	pay, err := payConfig(*payDir, *mchid, *feeBP, *persist)
	if err != nil {
		return wxsim.Config{}, options{}, err
	}
	if pay.RateLimits, err = wxsim.ParseRateLimits(*rateLimits); err != nil {
		return wxsim.Config{}, options{}, fmt.Errorf("parse -rate-limits: %w", err)
	}
	slog.Info("wxsim pay rate limits (requests a second per merchant)", "limits", pay.RateLimits)
	return wxsim.Config{Apps: apps, Pay: pay}, opts, nil
}

// payConfig loads (or, on the first run, creates) the development key set in dir and serves
// its merchant, keeping the pay state there too when persist is set.
func payConfig(dir, mchid string, feeBP int, persist bool) (wxsim.PayConfig, error) {
	if dir == "" {
		slog.Info("wxsim pay half serves no merchant (no -pay-dir)")
		return wxsim.PayConfig{}, nil
	}
	keys, err := wxsim.LoadOrCreateDevPayKeys(dir, mchid)
	if err != nil {
		return wxsim.PayConfig{}, fmt.Errorf("pay keys: %w", err)
	}
	cfg := keys.PayConfig()
	if persist {
		cfg.DataDir = dir
	}
	cfg.FeeBasisPoints = feeBP
	slog.Info("wxsim pay merchant", "mchid", keys.MchID, "serial", keys.MerchantSerial,
		"public_key_id", keys.PublicKeyID, "keys", dir)
	return cfg, nil
}
