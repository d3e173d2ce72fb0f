package shippingstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
)

// ProviderSet builds the store of shipping declarations and their uploader.
var ProviderSet = wire.NewSet(
	NewShippingStore,
	NewShippingUploader,
	wire.Bind(new(shipping.Repo), new(*ShippingStore)),
	wire.Bind(new(shipping.Uploader), new(*ShippingUploader)),
	wire.Bind(new(dashboard.Shipping), new(*ShippingStore)),
)
