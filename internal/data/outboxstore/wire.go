package outboxstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/event"
)

// ProviderSet builds the outbox.
var ProviderSet = wire.NewSet(
	NewOutboxStore,
	wire.Bind(new(event.Publisher), new(*OutboxStore)),
	wire.Bind(new(event.Store), new(*OutboxStore)),
)
