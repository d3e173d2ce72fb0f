package server

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// defaultDrain is how long a stopping server keeps serving after /readyz turned 503 when
// server.drain is not set: a few of a load balancer's probe periods.
const defaultDrain = 5 * time.Second

// Drain takes a stopping server out of rotation before it stops: Start turns /readyz to 503 and
// waits server.drain while the listeners still serve, so load balancers stop sending new
// requests before connections are refused. The app calls Start before it stops the servers.
type Drain struct {
	wait     time.Duration
	draining atomic.Bool
	log      *log.Helper
}

// NewDrain reads server.drain: unset is the default, "0s" none (tests).
func NewDrain(c *conf.Server, logger log.Logger) *Drain {
	wait := defaultDrain
	if d := c.GetDrain(); d != nil {
		wait = max(d.AsDuration(), 0)
	}
	return &Drain{wait: wait, log: log.NewHelper(logger)}
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
