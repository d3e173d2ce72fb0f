package presalestore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ProviderSet builds the store of batches.
var ProviderSet = wire.NewSet(
	NewBatchRepo,
	wire.Bind(new(presale.Repo), new(*BatchRepo)),
	wire.Bind(new(dashboard.Batches), new(*BatchRepo)),
)
