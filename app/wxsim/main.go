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
	fs := flag.NewFlagSet("wxsim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	var appSpecs []string
	fs.Func("app", "mini-program as appid:secret; repeatable or comma-separated (default "+
		wxsim.DemoAppID+":"+wxsim.DemoSecret+")", func(v string) error {
		appSpecs = append(appSpecs, v)
		return nil
	})
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil // the usage is already printed
	} else if err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	apps, err := wxsim.ParseApps(appSpecs...)
	if err != nil {
		return fmt.Errorf("parse -app: %w", err)
	}

	sim := wxsim.New(wxsim.Config{Apps: apps}) // no apps → the demo app
	baseURL, stop, err := sim.Start(*addr)
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
	return nil
}
