package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/go-kratos/kratos/v2/transport/http"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	confPath := confFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	bc, err := conf.Load(*confPath)
	if err != nil {
		return err
	}
	if err := conf.CheckRequired(bc, *confPath); err != nil {
		return err
	}
	out := newLogWriter(os.Stdout)
	defer out.Close()
	logger := newLogger(out)
	if err := checkSchema(bc, *confPath, logger); err != nil {
		return err
	}
	stopSim, err := startEmbeddedWechat(bc, logger)
	if err != nil {
		return err
	}
	defer stopSim()
	if bc.GetDemo().GetSeed() {
		if err := seedDemo(bc, logger); err != nil {
			return err
		}
	}
	app, cleanup, err := wireApp(bc, logger)
	if err != nil {
		return fmt.Errorf("build service: %w", err)
	}
	defer cleanup()
	return app.Run() // returns after SIGINT/SIGTERM, once in-flight requests have finished
}

func newLogger(w io.Writer) log.Logger {
	return log.With(log.NewStdLogger(w),
		"ts", log.DefaultTimestamp,
		"caller", log.DefaultCaller,
		"service.version", Version,
		"request_id", mw.RequestIDValuer(),
	)
}

// newApp runs both servers and prints where to look once they listen. On SIGTERM it drains
// first (/readyz 503 for server.drain while the listeners still serve), then stops them.
func newApp(logger log.Logger, hs *http.Server, gs *grpc.Server, workers *server.Workers, debug *server.Debug,
	metrics *server.Metrics, drain *server.Drain, bc *conf.Bootstrap) *kratos.App {
	return kratos.New(
		kratos.Name("groupbuy"),
		kratos.Version(Version),
		kratos.Logger(logger),
		kratos.Server(hs, gs, workers, debug, metrics),
		kratos.AfterStart(func(context.Context) error {
			printBanner(hs, bc)
			return nil
		}),
		kratos.BeforeStop(drain.Start),
	)
}

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

func printBanner(hs *http.Server, bc *conf.Bootstrap) {
	c, w, d := bc.GetServer(), bc.GetWechat(), bc.GetData()
	u, err := hs.Endpoint()
	if err != nil {
		return
	}
	api := "http://" + localHost(u.Host)
	var b strings.Builder
	fmt.Fprintf(&b, "\ngroupbuy %s is serving\n", Version)
	fmt.Fprintf(&b, "  API       %s\n", api)
	fmt.Fprintf(&b, "  OpenAPI   %s/openapi.yaml\n", api)
	if m := c.GetMetricsAddr(); m != "" {
		fmt.Fprintf(&b, "  Metrics   http://%s/metrics\n", localHost(m))
	}
	fmt.Fprintf(&b, "  Health    %s/healthz   %s/readyz\n", api, api)
	fmt.Fprintf(&b, "  gRPC      %s\n", c.GetGrpc().GetAddr())
	fmt.Fprintf(&b, "  Database  %s %s\n", d.GetDatabase().GetDriver(), redactDSN(d.GetDatabase().GetSource()))
	if w.GetSimulator().GetEmbedded() {
		fmt.Fprintf(&b, "  WeChat    simulator at %s\n", w.GetApiBase())
		if w.GetPay().GetMchId() != "" {
			fmt.Fprintf(&b, "  WeChat Pay merchant %s (simulated), notifications to %s/wechatpay/notify/…\n", w.GetPay().GetMchId(), w.GetPay().GetNotifyBaseUrl())
		}
		fmt.Fprintf(&b, "\nLog in as a demo shopper (the simulator plays the phone's wx.login):\n")
		fmt.Fprintf(&b, "  curl -s -X POST %s/v1/auth/wechat-login -H 'Content-Type: application/json' \\\n", api)
		fmt.Fprintf(&b, "    -d \"{\\\"code\\\":\\\"$(curl -s '%s/sim/v1/login-code?openid=demo-shopper')\\\"}\"\n", w.GetApiBase())
	}
	if bc.GetDemo().GetSeed() {
		fmt.Fprintf(&b, "\nConsole demo accounts (POST %s/v1/console/login):\n", api)
		for _, a := range demoAccounts {
			fmt.Fprintf(&b, "  %-8s password %s\n", a.username, a.password)
		}
	}
	b.WriteString("\n")
	fmt.Print(b.String())
}

// localHost turns a wildcard listen address into one a browser can open.
func localHost(hostport string) string {
	for _, wild := range []string{"0.0.0.0:", "[::]:"} {
		if strings.HasPrefix(hostport, wild) {
			return "127.0.0.1:" + strings.TrimPrefix(hostport, wild)
		}
	}
	return hostport
}

// redactDSN hides a password in a database URL.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	creds := dsn[scheme+3 : at]
	if i := strings.IndexByte(creds, ':'); i >= 0 {
		return dsn[:scheme+3] + creds[:i] + ":***" + dsn[at:]
	}
	return dsn
}
