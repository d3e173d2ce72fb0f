package couponcount

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// ProviderSet builds the Redis coupon counters (promostore.NewCounters chooses what claims use).
var ProviderSet = wire.NewSet(NewStore)

var _ promo.Counters = (*Store)(nil)
