package couponcount

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// ProviderSet builds the coupon budget counters.
var ProviderSet = wire.NewSet(
	NewStore,
	wire.Bind(new(promo.Counters), new(*Store)),
)

var _ promo.Counters = (*Store)(nil)
