//go:build wireinject

package datatest

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// Build is the Stack on db, Redis rdb under prefix, keyring keys, clock now and WeChat wx
// (NoWechat for none), with the policy cfg; logger hears what the program would log. Call the
// returned func when done with the Stack: it stops what the Stack runs in the background.
func Build(db *sqldb.DB, rdb redis.UniversalClient, prefix redisdb.KeyPrefix, keys *seal.Keyring, now port.Clock,
	wx *conf.Wechat, cfg Config, logger log.Logger) (*Stack, func(), error) {
	panic(wire.Build(
		programSet,
		wire.Bind(new(port.Transactor), new(*sqldb.DB)), // as data.ProviderSet has it with the database
		// As app/groupbuy's server set has them.
		auth.NewIssuer,
		wire.Bind(new(identity.TokenIssuer), new(*auth.Issuer)),
		wire.FieldsOf(new(Config), "Identity", "Leader", "Order", "Presale", "Commission", "Shipping",
			"Settlement", "QR", "Auth", "Checkout", "Promotions", "Invitations", "InviteCodes", "Tracking", "Layers", "Targeting"),
		wire.Struct(new(Stack), "*"),
	))
}

// BuildFinance is Finance on db, clock now and WeChat wx (NoWechat for none), settling with cfg;
// logger hears what the program would log.
func BuildFinance(db *sqldb.DB, now port.Clock, wx *conf.Wechat, cfg settlement.Config, logger log.Logger) (*Finance, error) {
	panic(wire.Build(programSet, wire.Bind(new(port.Transactor), new(*sqldb.DB)),
		wire.Struct(new(Finance), "*")))
}
