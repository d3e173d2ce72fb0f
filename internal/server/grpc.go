package server

import (
	"github.com/go-kratos/kratos/v2/transport/grpc"
	grpcgo "google.golang.org/grpc"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// NewGRPCServer serves the same API over gRPC with the same middleware. A request that does not
// decode is answered MALFORMED_REQUEST (INVALID_ARGUMENT), as over HTTP (see decodeGuard).
func NewGRPCServer(c *conf.Server, chain Middleware, svc Services) *grpc.Server {
	opts := []grpc.ServerOption{
		grpc.Middleware(chain...),
		grpc.Options(grpcgo.ForceServerCodecV2(newRequestCodec())),
	}
	if a := c.GetGrpc().GetAddr(); a != "" {
		opts = append(opts, grpc.Address(a))
	}
	if t := c.GetGrpc().GetTimeout(); t != nil {
		opts = append(opts, grpc.Timeout(t.AsDuration()))
	}
	kratos := grpc.NewServer(opts...)
	srv := decodeGuard{kratos}
	v1.RegisterAuthServer(srv, svc.Auth)
	v1.RegisterConsoleServer(srv, svc.Console)
	v1.RegisterNeighbourhoodServer(srv, svc.Neighbourhood)
	v1.RegisterLeaderSelfServer(srv, svc.LeaderSelf)
	v1.RegisterLeaderOpsServer(srv, svc.LeaderOps)
	v1.RegisterCatalogOpsServer(srv, svc.CatalogOps)
	v1.RegisterPromoOpsServer(srv, svc.PromoOps)
	v1.RegisterPromoShopServer(srv, svc.PromoShop)
	v1.RegisterLayerOpsServer(srv, svc.LayerOps)
	v1.RegisterLayerShopServer(srv, svc.LayerShop)
	v1.RegisterInvitationsServer(srv, svc.Invitations)
	v1.RegisterInvitationOpsServer(srv, svc.InvitationOps)
	v1.RegisterShopEventsServer(srv, svc.ShopEvents)
	v1.RegisterBatchOpsServer(srv, svc.BatchOps)
	v1.RegisterShopServer(srv, svc.Shop)
	v1.RegisterLeaderPickupServer(srv, svc.LeaderPickup)
	v1.RegisterAfterSalesOpsServer(srv, svc.AfterSalesOps)
	v1.RegisterShippingOpsServer(srv, svc.ShippingOps)
	v1.RegisterOpsDashboardServer(srv, svc.OpsDashboard)
	v1.RegisterOpsMetricsServer(srv, svc.OpsMetrics)
	v1.RegisterLeaderMetricsServer(srv, svc.LeaderMetrics)
	v1.RegisterLeaderCommissionServer(srv, svc.LeaderCommission)
	v1.RegisterFinanceLedgerServer(srv, svc.FinanceLedger)
	v1.RegisterCommissionOpsServer(srv, svc.CommissionOps)
	v1.RegisterReceiverOpsServer(srv, svc.ReceiverOps)
	v1.RegisterFinanceSettlementServer(srv, svc.Settlement)
	v1.RegisterFinanceReconciliationServer(srv, svc.Reconciliation)
	v1.RegisterAuditLogServer(srv, svc.AuditLog)
	return kratos
}
