package leaderstore

import "github.com/google/wire"

// ProviderSet builds the stores of leaders, grids, bindings and receiver requests.
var ProviderSet = wire.NewSet(
	NewLeaderRepo,
	NewGridRepo,
	NewBindingRepo,
	NewReceiverQueue,
	NewGridNames,
)
