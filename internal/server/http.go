package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// defaultMaxBody is the request body limit when none is configured: far above any request of
// this API, far below what could hurt the server.
const defaultMaxBody = 1 << 20

// NewHTTPServer serves the API as JSON over HTTP, plus /healthz, /readyz, /metrics and
// /openapi.yaml.
func NewHTTPServer(c *conf.Server, chain Middleware, reg *prometheus.Registry, ready Readiness,
	svc Services, hooks Webhooks) *khttp.Server {
	maxBody := c.GetHttp().GetMaxBodyBytes()
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	opts := []khttp.ServerOption{
		khttp.Middleware(chain...),
		khttp.Filter(limitBody(maxBody)),
		khttp.RequestDecoder(decodeBody),
		khttp.ResponseEncoder(encodeResponse),
		khttp.ErrorEncoder(encodeError),
		khttp.NotFoundHandler(jsonError(v1.ErrorNotFound("no such route"))),
		khttp.MethodNotAllowedHandler(jsonError(v1.ErrorNotFound("no such route for this method"))),
	}
	if a := c.GetHttp().GetAddr(); a != "" {
		opts = append(opts, khttp.Address(a))
	}
	if t := c.GetHttp().GetTimeout(); t != nil {
		opts = append(opts, khttp.Timeout(t.AsDuration()))
	}
	srv := khttp.NewServer(opts...)
	v1.RegisterAuthHTTPServer(srv, svc.Auth)
	v1.RegisterConsoleHTTPServer(srv, svc.Console)
	v1.RegisterNeighbourhoodHTTPServer(srv, svc.Neighbourhood)
	v1.RegisterLeaderSelfHTTPServer(srv, svc.LeaderSelf)
	v1.RegisterLeaderOpsHTTPServer(srv, svc.LeaderOps)
	v1.RegisterCatalogOpsHTTPServer(srv, svc.CatalogOps)
	v1.RegisterBatchOpsHTTPServer(srv, svc.BatchOps)
	v1.RegisterShopHTTPServer(srv, svc.Shop)
	v1.RegisterLeaderPickupHTTPServer(srv, svc.LeaderPickup)
	v1.RegisterAfterSalesOpsHTTPServer(srv, svc.AfterSalesOps)
	v1.RegisterShippingOpsHTTPServer(srv, svc.ShippingOps)
	v1.RegisterLeaderCommissionHTTPServer(srv, svc.LeaderCommission)
	v1.RegisterFinanceLedgerHTTPServer(srv, svc.FinanceLedger)
	v1.RegisterCommissionOpsHTTPServer(srv, svc.CommissionOps)
	v1.RegisterReceiverOpsHTTPServer(srv, svc.ReceiverOps)
	v1.RegisterFinanceSettlementHTTPServer(srv, svc.Settlement)
	v1.RegisterFinanceReconciliationHTTPServer(srv, svc.Reconciliation)

	for _, h := range hooks {
		srv.Handle(h.Path, h.Handler)
	}

	srv.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	srv.HandleFunc("/readyz", readyz(ready))
	srv.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv.HandleFunc("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(v1.OpenAPI)
	})
	return srv
}

// readyz answers 200 only when the database and Redis answer within two seconds.
func readyz(ready Readiness) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
