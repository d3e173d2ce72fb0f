package layerstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
)

// ProviderSet builds the layer stores.
var ProviderSet = wire.NewSet(
	NewSnapshotStore,
	NewSendStore,
	NewMessenger,
	wire.Bind(new(layer.SnapshotRepo), new(*SnapshotStore)),
	wire.Bind(new(layer.SendRepo), new(*SendStore)),
	wire.Bind(new(layer.ConsentRepo), new(*SendStore)),
	wire.Bind(new(layer.Messenger), new(*Messenger)),
)
