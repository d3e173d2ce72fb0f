package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// Debug serves Go's runtime profiles on a loopback address, for an operator on the machine (and
// the benchmarks) to see where time goes. It is a kratos server, started and stopped with the
// others; without server.debug_addr it does nothing.
type Debug struct {
	addr string
	log  *log.Helper
	srv  *http.Server
}

// NewDebug checks that the configured address is loopback.
func NewDebug(c *conf.Server, logger log.Logger) (*Debug, error) {
	addr := c.GetDebugAddr()
	if addr == "" {
		return &Debug{}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("server.debug_addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("server.debug_addr %q: profiles are served on a loopback address only", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &Debug{addr: addr, log: log.NewHelper(logger),
		srv: &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}}, nil
}

// Start listens, then serves in the background.
func (d *Debug) Start(context.Context) error {
	if d.srv == nil {
		return nil
	}
	ln, err := net.Listen("tcp", d.addr)
	if err != nil {
		return fmt.Errorf("debug server: %w", err)
	}
	d.log.Infow("msg", "profiles served", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	go func() {
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Errorw("msg", "debug server stopped", "error", err)
		}
	}()
	return nil
}

// Stop closes the listener and waits for requests in flight (a profile running) or ctx.
func (d *Debug) Stop(ctx context.Context) error {
	if d.srv == nil {
		return nil
	}
	return d.srv.Shutdown(ctx)
}
