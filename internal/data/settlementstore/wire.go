package settlementstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// ProviderSet builds the store of settlement runs and their items.
var ProviderSet = wire.NewSet(
	NewSettlementStore,
	wire.Bind(new(settlement.Store), new(*SettlementStore)),
)
