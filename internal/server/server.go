// Package server builds the HTTP and gRPC servers: transports, middleware, and the operational
// endpoints (health, readiness, metrics, the OpenAPI document).
package server

import (
	"context"
	"net/http"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/google/wire"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	"github.com/groupbuy/groupbuy/internal/server/console"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
	"github.com/groupbuy/groupbuy/internal/server/wechatnotify"
	"github.com/groupbuy/groupbuy/internal/service"
)

// ProviderSet is the servers and what they are built from.
var ProviderSet = wire.NewSet(
	EventMap,
	NewHTTPServer,
	NewGRPCServer,
	NewWorkers,
	NewDebug,
	NewMetrics,
	NewDrain,
	wire.Struct(new(Services), "*"),
	NewMiddleware,
	NewProxies,
	NewMetricsRegistry,
	auth.NewIssuer,
	auth.LoadPolicy,
	wire.Bind(new(identity.TokenIssuer), new(*auth.Issuer)),
	NewWebhooks,
	console.New,
	wire.Struct(new(console.Deps), "*"),
)

// Services are every API service, registered on both transports.
type Services struct {
	Auth             *service.AuthService
	Console          *service.ConsoleService
	Neighbourhood    *service.NeighbourhoodService
	LeaderSelf       *service.LeaderSelfService
	LeaderOps        *service.LeaderOpsService
	CatalogOps       *service.CatalogOpsService
	BatchOps         *service.BatchOpsService
	Shop             *service.ShopService
	LeaderPickup     *service.LeaderPickupService
	AfterSalesOps    *service.AfterSalesOpsService
	ShippingOps      *service.ShippingOpsService
	LeaderCommission *service.LeaderCommissionService
	FinanceLedger    *service.FinanceLedgerService
	CommissionOps    *service.CommissionOpsService
	ReceiverOps      *service.ReceiverOpsService
	Settlement       *service.FinanceSettlementService
	Reconciliation   *service.FinanceReconciliationService
	AuditLog         *service.AuditLogService
	OpsDashboard     *service.OpsDashboardService
	OpsMetrics       *service.OpsMetricsService
	LeaderMetrics    *service.LeaderMetricsService
	PromoOps         *service.PromoOpsService
	PromoShop        *service.PromoShopService
	LayerOps         *service.LayerOpsService
	LayerShop        *service.LayerShopService
	Invitations      *service.InvitationService
	InvitationOps    *service.InvitationOpsService
	ShopEvents       *service.ShopEventsService
}

// Webhook is a plain HTTP route outside the API: public (no token), authenticated by what it
// receives, like WeChat Pay's signed notifications.
type Webhook struct {
	Path    string
	Handler http.Handler
}

// Webhooks are the routes NewHTTPServer adds beside the API.
type Webhooks []Webhook

// NewWebhooks are WeChat Pay's notification routes, public but signed: verified and opened by
// decode, applied by the payment use cases.
func NewWebhooks(decode payment.NotificationDecoder, payments *payment.Usecase, logger log.Logger) Webhooks {
	wechat := wechatnotify.New(decode, payments, logger)
	return Webhooks{
		{Path: payment.PaymentNotifyPath, Handler: wechat.Payment()},
		{Path: payment.RefundNotifyPath, Handler: wechat.Refund()},
	}
}

// Readiness tells whether the service's dependencies answer. An error that has a
// Dependency() string method names the dependency for the public /readyz reply.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Middleware is the chain every request passes, on both transports, in this order.
type Middleware []middleware.Middleware

// NewMiddleware builds the chain: recover from panics, log with a request id, count, then
// authenticate and authorize (before validation, so an anonymous caller learns nothing about
// the rules), record the staff's actions in the audit log (after authentication, so it knows
// who; before validation, so a refused input is recorded too), recover again (so an action that
// panics is recorded as failed, with its request id in the log), then validate.
func NewMiddleware(logger log.Logger, reg *prometheus.Registry, issuer *auth.Issuer, policy auth.Policy,
	marks identity.AccessMarks, audits *audit.Usecase, accounts *identity.ConsoleUsecase, proxies mw.Proxies) (Middleware, error) {
	metrics, err := mw.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	audited, err := AuditedOperations(policy)
	if err != nil {
		return nil, err
	}
	return Middleware{
		mw.Recover(logger),
		mw.RequestLog(logger, proxies),
		metrics.Middleware(),
		auth.Middleware(issuer, policy, marks),
		Audit(logger, audits, Recording{Issuer: issuer, Names: ConsoleNames{Accounts: accounts}, Ops: audited, Proxies: proxies}),
		mw.Recover(logger),
		mw.Validate(),
	}, nil
}

// NewProxies reads the trusted load balancers of the configuration.
func NewProxies(c *conf.Server) (mw.Proxies, error) {
	return mw.ParseProxies(c.GetHttp().GetTrustedProxies())
}

// NewMetricsRegistry is the Prometheus registry Metrics serves, with Go and process metrics.
func NewMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
