package trackingstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/tracking"
)

// ProviderSet builds the event store, the leaders' attribution and the per-shopper quota.
var ProviderSet = wire.NewSet(
	NewStore,
	NewLeaders,
	NewQuota,
	wire.Bind(new(tracking.Repo), new(*Store)),
	wire.Bind(new(tracking.Leaders), new(*Leaders)),
	wire.Bind(new(tracking.Quota), new(*Quota)),
)
