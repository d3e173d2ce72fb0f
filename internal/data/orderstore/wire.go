package orderstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ProviderSet builds the stores of orders, after-sales and the pickup day, and the stock counter.
var ProviderSet = wire.NewSet(
	NewOrderRepo,
	NewCounter,
	NewShoppers,
	NewBatchCache,
	NewArrivalMessenger,
	NewPickupRepo,
	NewPickupGuard,
	NewAfterSaleRepo,
	wire.Bind(new(order.Counter), new(StockCounter)),
	wire.Bind(new(order.Counters), new(StockCounter)),
	wire.Bind(new(presale.Stock), new(StockCounter)),
)
