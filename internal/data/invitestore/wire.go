package invitestore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/invite"
)

// ProviderSet builds the invitation store and who-is-who through users and orders.
var ProviderSet = wire.NewSet(
	NewStore,
	NewPeople,
	wire.Bind(new(invite.Repo), new(*Store)),
	wire.Bind(new(invite.People), new(*People)),
)
