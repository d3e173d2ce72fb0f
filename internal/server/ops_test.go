package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"google.golang.org/protobuf/types/known/durationpb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/conf"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
)

// readiness answers what it is told to.
type readiness struct{ err error }

func (r readiness) Ready(context.Context) error { return r.err }

// dependencyError is an error naming its dependency, as data.Ready returns.
type dependencyError struct{ name, detail string }

func (e dependencyError) Error() string      { return e.name + ": " + e.detail }
func (e dependencyError) Dependency() string { return e.name }

// logBuffer is a log.Logger writing into a buffer the handlers and the test share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noDrain() *Drain { return NewDrain(&conf.Server{Drain: durationpb.New(0)}, log.DefaultLogger) }

func newPublic(t *testing.T, ready Readiness, drain *Drain, logger log.Logger) *khttp.Server {
	t.Helper()
	bc := &conf.Bootstrap{}
	conf.ApplyDefaults(bc)
	return NewHTTPServer(bc.GetServer(), nil, ready, drain, Services{}, nil, nil, logger)
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// Metrics are not on the public API port; the metrics address serves them.
func TestMetricsOnlyOnTheirOwnAddress(t *testing.T) {
	reg := NewMetricsRegistry()
	if code, _ := get(t, newPublic(t, readiness{}, noDrain(), log.DefaultLogger), "/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics = %d, want 404", code)
	}
	m, err := NewMetrics(&conf.Server{MetricsAddr: "127.0.0.1:0"}, reg, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop(context.Background()) })
	resp, err := http.Get("http://" + m.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("metrics address: %d %.200s", resp.StatusCode, body)
	}

	off, err := NewMetrics(&conf.Server{}, reg, log.DefaultLogger)
	if err != nil || off.Start(t.Context()) != nil || off.Addr() != "" {
		t.Errorf("no metrics_addr: want nothing served, got %v %q", err, off.Addr())
	}
	if _, err := NewMetrics(&conf.Server{MetricsAddr: "9090"}, reg, log.DefaultLogger); err == nil {
		t.Error("metrics_addr without a host:port accepted")
	}
}

// /readyz says which dependency is down, never the driver's words (user, database, host); the
// log has them.
func TestReadyzHidesTheDriverError(t *testing.T) {
	var logs logBuffer
	detail := "failed to connect to `user=groupbuy_prod database=groupbuy`: dial tcp 10.0.0.7:5432: connection refused"
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("ping: %w", dependencyError{"database", detail}), `"database unavailable"`},
		{errors.New(detail), `"a dependency is unavailable"`},
	} {
		code, body := get(t, newPublic(t, readiness{c.err}, noDrain(), log.NewStdLogger(&logs)), "/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, c.want) || strings.Contains(body, "groupbuy_prod") {
			t.Errorf("readyz = %d %s, want 503 with %s and no detail", code, body, c.want)
		}
	}
	if !strings.Contains(logs.String(), "groupbuy_prod") {
		t.Errorf("the log lacks the driver error:\n%s", logs.String())
	}
}

// Once draining, /readyz answers 503 while the server still serves everything else.
func TestDrainTurnsReadinessOff(t *testing.T) {
	drain := noDrain()
	srv := newPublic(t, readiness{}, drain, log.DefaultLogger)
	if code, _ := get(t, srv, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before draining = %d", code)
	}
	if err := drain.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "draining") {
		t.Errorf("readyz while draining = %d %s", code, body)
	}
	if code, _ := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Errorf("healthz while draining = %d", code)
	}

	// The window is server.drain (default 5s, as conf.Load fills it); a stop that must not wait
	// longer cuts it short.
	bc := &conf.Bootstrap{}
	conf.ApplyDefaults(bc)
	if d := NewDrain(bc.GetServer(), log.DefaultLogger); d.wait != 5*time.Second {
		t.Errorf("default drain %v, want 5s", d.wait)
	}
	long := NewDrain(&conf.Server{Drain: durationpb.New(5000 * time.Second)}, log.DefaultLogger)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := long.Start(ctx); err != nil || !long.Draining() {
		t.Errorf("cancelled drain: %v, draining %v", err, long.Draining())
	}
}

// An API error's cause reaches the access log and never the reply.
func TestErrorCauseLoggedNotAnswered(t *testing.T) {
	var logs logBuffer
	cause := errors.New("get access token: dial tcp: lookup api.weixin.qq.com: no such host")
	srv := khttp.NewServer(khttp.Middleware(mw.RequestLog(log.NewStdLogger(&logs), nil)), khttp.ErrorEncoder(encodeError))
	srv.Route("/").GET("/login", func(ctx khttp.Context) error {
		h := ctx.Middleware(func(context.Context, any) (any, error) {
			return nil, v1.ErrorWechatUnavailable("WeChat is unavailable: retry later").WithCause(cause)
		})
		_, err := h(ctx, nil)
		return err
	})
	code, body := get(t, srv, "/login")
	if code != http.StatusServiceUnavailable || strings.Contains(body, "no such host") {
		t.Errorf("reply %d %s: want 503 without the cause", code, body)
	}
	if !strings.Contains(logs.String(), "no such host") {
		t.Errorf("the access log lacks the cause:\n%s", logs.String())
	}
}
