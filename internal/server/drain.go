package server

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// Drain takes a stopping server out of rotation before it stops: Start turns /readyz to 503 and
// waits server.drain while the listeners still serve, so load balancers stop sending new
// requests before connections are refused. The app calls Start before it stops the servers.
type Drain struct {
	wait     time.Duration
	draining atomic.Bool
	log      *log.Helper
}

// NewDrain reads server.drain (its default is in internal/conf/defaults.go; "0s" is none).
func NewDrain(c *conf.Server, logger log.Logger) *Drain {
	return &Drain{wait: max(c.GetDrain().AsDuration(), 0), log: log.NewHelper(logger)}
}

// Draining reports whether the server is on its way out.
func (d *Drain) Draining() bool { return d.draining.Load() }

// Start marks the server not ready and waits the drain window, or until ctx ends.
func (d *Drain) Start(ctx context.Context) error {
	d.draining.Store(true)
	if d.wait <= 0 {
		return nil
	}
	d.log.Infow("msg", "draining: /readyz answers 503 before the listeners close", "wait", d.wait.String())
	t := time.NewTimer(d.wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}
