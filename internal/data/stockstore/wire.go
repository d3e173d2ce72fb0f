package stockstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ProviderSet builds the configured stock counter.
var ProviderSet = wire.NewSet(
	NewCounter,
	wire.Bind(new(order.Counter), new(StockCounter)),
	wire.Bind(new(order.Counters), new(StockCounter)),
	wire.Bind(new(presale.Stock), new(StockCounter)),
)
