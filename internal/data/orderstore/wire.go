package orderstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
)

// ProviderSet builds the stores of orders, after-sales and the pickup day.
var ProviderSet = wire.NewSet(
	NewOrderRepo,
	NewShoppers,
	NewBatchCache,
	NewArrivalMessenger,
	NewPickupRepo,
	NewPickupGuard,
	NewAfterSaleRepo,
	NewHistory,
	NewDashboardOrders,
	wire.Bind(new(dashboard.Orders), new(*DashboardOrders)),
	wire.Bind(new(leaderstore.OrderHistory), new(*History)),
)
