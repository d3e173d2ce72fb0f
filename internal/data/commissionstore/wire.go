package commissionstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

// ProviderSet builds the store of commission plans and entries.
var ProviderSet = wire.NewSet(
	NewCommissionStore,
	wire.Bind(new(commission.Repo), new(*CommissionStore)),
)
