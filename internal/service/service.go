// Package service adapts the API (api/groupbuy/v1) to the use cases of biz: it maps messages to
// domain values and domain errors to the API's reasons, and holds no business rules of its own.
package service

import (
	"github.com/google/wire"
)

// ProviderSet is every API service.
var ProviderSet = wire.NewSet(NewAuthService, NewConsoleService, NewNeighbourhoodService,
	NewLeaderSelfService, NewLeaderOpsService, NewCatalogOpsService, NewBatchOpsService, NewShopService,
	NewPromoOpsService, NewPromoShopService, NewInvitationService, NewInvitationOpsService,
	NewShopEventsService,
	NewLeaderPickupService, NewAfterSalesOpsService, NewShippingOpsService,
	NewLeaderCommissionService, NewFinanceLedgerService, NewCommissionOpsService,
	NewReceiverOpsService, NewFinanceSettlementService, NewFinanceReconciliationService,
	NewAuditLogService, NewOpsDashboardService, NewOpsMetricsService, NewLeaderMetricsService,
	NewLayerOpsService, NewLayerShopService)
