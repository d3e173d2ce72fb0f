package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/go-kratos/kratos/v2/transport/http"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
)

func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	confPath := confFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	bc, err := loadConfig(*confPath)
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
	fmt.Fprintf(&b, "  Console   %s/console/\n", api)
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
		fmt.Fprintf(&b, "\nConsole demo accounts (sign in at %s/console/, or POST %s/v1/console/login):\n", api, api)
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
