package pricestore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ProviderSet builds the store of transaction prices.
var ProviderSet = wire.NewSet(
	NewPriceStore,
	wire.Bind(new(order.PriceBook), new(*PriceStore)),
	wire.Bind(new(presale.PriceHistory), new(*PriceStore)),
)
