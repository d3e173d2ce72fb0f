//go:build wireinject

package datatest

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// Build is the Stack on db, Redis rdb under prefix, keyring keys, clock now and WeChat wx
// (NoWechat for none), with the policy cfg; logger hears what the program would log.
func Build(db *sqldb.DB, rdb redis.UniversalClient, prefix redisdb.KeyPrefix, keys *seal.Keyring, now port.Clock,
	wx *conf.Wechat, cfg Config, logger log.Logger) (*Stack, error) {
	panic(wire.Build(
		data.Stores,
		wire.Bind(new(port.Transactor), new(*sqldb.DB)),
		biz.ProviderSet,
		// As app/groupbuy's server and settlement sets have them.
		auth.NewIssuer,
		wire.Bind(new(identity.TokenIssuer), new(*auth.Issuer)),
		settlementstore.ProviderSet,
		wire.Bind(new(settlement.Poster), new(*ledger.Ledger)),
		settlement.NewUsecase,
		wire.FieldsOf(new(Config), "Identity", "Leader", "Order", "Presale", "Commission", "Shipping",
			"Settlement", "QR", "Auth", "Checkout"),
		wire.Struct(new(Stack), "*"),
	))
}
