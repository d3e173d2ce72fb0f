package wxsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Start serves the simulator on addr ("127.0.0.1:0" picks a free port) in a goroutine. It
// returns the base URL to point WeChat clients at and a stop func that shuts the server down
// gracefully within ctx; stop may be called more than once.
func (s *Simulator) Start(addr string) (baseURL string, stop func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("wxsim: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var (
		once    sync.Once
		stopErr error
	)
	stop = func(ctx context.Context) error {
		once.Do(func() {
			stopErr = srv.Shutdown(ctx)
			// Serve has returned by now (Shutdown closes the listener first); anything but
			// ErrServerClosed is a failure the caller has not heard of yet.
			if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
				stopErr = errors.Join(stopErr, fmt.Errorf("wxsim: serve: %w", serveErr))
			}
		})
		return stopErr
	}
	return "http://" + dialAddr(ln.Addr()), stop, nil
}

// dialAddr turns a listening address into one a client can dial: a wildcard host (":8090",
// "0.0.0.0:8090") becomes 127.0.0.1, which Go's wildcard listeners (dual-stack for "::")
// always accept.
func dialAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}
