package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// Debug serves Go's runtime profiles on a loopback address, for an operator on the machine (and
// the benchmarks) to see where time goes. It is a kratos server, started and stopped with the
// others; without server.debug_addr it does nothing.
type Debug struct{ sideServer }

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
	return &Debug{newSideServer("profiles", addr, "/debug/pprof/", mux, logger)}, nil
}

// Metrics serves Prometheus metrics on their own address (server.metrics_addr), away from the
// public API port: they name every route, count its errors and show the load. Without an
// address it does nothing.
type Metrics struct{ sideServer }

// NewMetrics serves reg at /metrics on server.metrics_addr.
func NewMetrics(c *conf.Server, reg *prometheus.Registry, logger log.Logger) (*Metrics, error) {
	addr := c.GetMetricsAddr()
	if addr == "" {
		return &Metrics{}, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("server.metrics_addr %q: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return &Metrics{newSideServer("metrics", addr, "/metrics", mux, logger)}, nil
}

// sideServer is a plain HTTP server beside the API, for operators: started and stopped as a
// kratos server; the zero value does nothing.
type sideServer struct {
	what, addr, path string
	log              *log.Helper
	srv              *http.Server

	mu    sync.Mutex
	bound net.Addr
}

func newSideServer(what, addr, path string, h http.Handler, logger log.Logger) sideServer {
	return sideServer{what: what, addr: addr, path: path, log: log.NewHelper(logger),
		srv: &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}}
}

// Start listens, then serves in the background.
func (s *sideServer) Start(context.Context) error {
	if s.srv == nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s server: %w", s.what, err)
	}
	s.mu.Lock()
	s.bound = ln.Addr()
	s.mu.Unlock()
	s.log.Infow("msg", s.what+" served", "url", "http://"+ln.Addr().String()+s.path)
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Errorw("msg", s.what+" server stopped", "error", err)
		}
	}()
	return nil
}

// Stop closes the listener and waits for requests in flight (a profile running) or ctx.
func (s *sideServer) Stop(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Addr is the address the server listens on once started (the configured one before), or ""
// when it is off.
func (s *sideServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bound != nil {
		return s.bound.String()
	}
	return s.addr
}
