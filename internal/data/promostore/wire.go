package promostore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// ProviderSet builds the promotion stores.
var ProviderSet = wire.NewSet(
	NewStore,
	NewCouponStore,
	NewCounters,
	wire.Bind(new(promo.Coupons), new(*CouponStore)),
	wire.Bind(new(promo.Repo), new(*Store)),
	wire.Bind(new(promo.CouponKeys), new(*Store)),
	wire.Bind(new(promo.Holdings), new(*Store)),
	wire.Bind(new(promo.SendRepo), new(*Store)),
	wire.Bind(new(order.Activities), new(*Store)),
)
