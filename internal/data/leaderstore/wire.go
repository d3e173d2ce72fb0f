package leaderstore

import "github.com/google/wire"

// ProviderSet builds the stores of leaders, grids, bindings and .
var ProviderSet = wire.NewSet(
	NewLeaderRepo,
	NewGridRepo,
	NewBindingRepo,
	NewGridNames,
)
