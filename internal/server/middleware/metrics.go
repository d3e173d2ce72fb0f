package middleware

import (
	"context"
	"strconv"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the server's request metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the request metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "groupbuy", Subsystem: "server", Name: "requests_total",
			Help: "Requests handled, by transport, operation, status code and error reason.",
		}, []string{"kind", "operation", "code", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "groupbuy", Subsystem: "server", Name: "request_duration_seconds",
			Help:    "Time to handle a request, by transport and operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"kind", "operation"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Middleware counts and times every request.
func (m *Metrics) Middleware() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			tr, ok := transport.FromServerContext(ctx)
			if !ok {
				return next(ctx, req)
			}
			start := time.Now()
			reply, err := next(ctx, req)
			se := errors.FromError(err)
			kind := tr.Kind().String()
			m.requests.WithLabelValues(kind, tr.Operation(), strconv.Itoa(int(code(se))), reason(se)).Inc()
			m.duration.WithLabelValues(kind, tr.Operation()).Observe(time.Since(start).Seconds())
			return reply, err
		}
	}
}
