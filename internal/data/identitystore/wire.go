package identitystore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
)

// ProviderSet builds the stores of users, console accounts, sessions and access marks.
var ProviderSet = wire.NewSet(
	NewUserRepo,
	NewConsoleRepo,
	NewSessionRepo,
	NewAccessMarks,
	wire.Bind(new(identity.UserRepo), new(*UserRepo)),
	wire.Bind(new(leader.Users), new(*UserRepo)),
)
