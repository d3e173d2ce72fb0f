package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	khttp "github.com/go-kratos/kratos/v2/transport/http"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server/console"
)

// NewHTTPServer serves the API as JSON over HTTP, plus /healthz, /readyz, /openapi.yaml and the
// staff console's pages under /console/. Metrics are not here: Metrics serves them on their own
// address.
func NewHTTPServer(c *conf.Server, chain Middleware, ready Readiness, drain *Drain,
	svc Services, hooks Webhooks, pages *console.Console, logger log.Logger) *khttp.Server {
	opts := []khttp.ServerOption{
		khttp.Middleware(chain...),
		khttp.Filter(limitBody(c.GetHttp().GetMaxBodyBytes())), // defaulted in internal/conf/defaults.go
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
	v1.RegisterPromoOpsHTTPServer(srv, svc.PromoOps)
	v1.RegisterPromoShopHTTPServer(srv, svc.PromoShop)
	v1.RegisterLayerOpsHTTPServer(srv, svc.LayerOps)
	v1.RegisterLayerShopHTTPServer(srv, svc.LayerShop)
	v1.RegisterInvitationsHTTPServer(srv, svc.Invitations)
	v1.RegisterInvitationOpsHTTPServer(srv, svc.InvitationOps)
	v1.RegisterShopEventsHTTPServer(srv, svc.ShopEvents)
	v1.RegisterBatchOpsHTTPServer(srv, svc.BatchOps)
	v1.RegisterShopHTTPServer(srv, svc.Shop)
	v1.RegisterLeaderPickupHTTPServer(srv, svc.LeaderPickup)
	v1.RegisterAfterSalesOpsHTTPServer(srv, svc.AfterSalesOps)
	v1.RegisterShippingOpsHTTPServer(srv, svc.ShippingOps)
	v1.RegisterOpsDashboardHTTPServer(srv, svc.OpsDashboard)
	v1.RegisterOpsMetricsHTTPServer(srv, svc.OpsMetrics)
	v1.RegisterLeaderMetricsHTTPServer(srv, svc.LeaderMetrics)
	v1.RegisterLeaderCommissionHTTPServer(srv, svc.LeaderCommission)
	v1.RegisterFinanceLedgerHTTPServer(srv, svc.FinanceLedger)
	v1.RegisterCommissionOpsHTTPServer(srv, svc.CommissionOps)
	v1.RegisterReceiverOpsHTTPServer(srv, svc.ReceiverOps)
	v1.RegisterFinanceSettlementHTTPServer(srv, svc.Settlement)
	v1.RegisterFinanceReconciliationHTTPServer(srv, svc.Reconciliation)
	v1.RegisterAuditLogHTTPServer(srv, svc.AuditLog)

	for _, h := range hooks {
		srv.Handle(h.Path, h.Handler)
	}

	// The console has its own sessions, CSRF checks and headers; the API's middleware chain
	// applies to API operations only.
	if pages != nil { // nil in tests of the operational endpoints alone
		srv.HandlePrefix(console.Prefix, pages)
		srv.Handle(strings.TrimSuffix(console.Prefix, "/"), http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	}

	srv.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	srv.HandleFunc("/readyz", readyz(ready, drain, logger))
	srv.HandleFunc("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(v1.OpenAPI)
	})
	return srv
}

// readyz answers 200 only when the database and Redis answer within two seconds and the
// server is not draining. The reply names what does not answer, never how: driver errors carry
// the database's user, name and host, so they go to the log only.
func readyz(ready Readiness, drain *Drain, logger log.Logger) http.HandlerFunc {
	h := log.NewHelper(logger)
	return func(w http.ResponseWriter, r *http.Request) {
		if drain.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready.Ready(ctx); err != nil {
			h.WithContext(ctx).Warnw("msg", "not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": unavailable(err)})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

// unavailable is the public wording of a readiness failure: "database unavailable" when the
// error names its dependency (Dependency() string), else a generic one.
func unavailable(err error) string {
	var dep interface{ Dependency() string }
	if errors.As(err, &dep) {
		return dep.Dependency() + " unavailable"
	}
	return "a dependency is unavailable"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
