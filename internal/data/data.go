// Package data implements the repositories and gateways that biz declares: ent on PostgreSQL (or
// SQLite for the embedded default), go-redis, and WeChat's APIs.
package data

import (
	"context"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/auditstore"
	"github.com/groupbuy/groupbuy/internal/data/catalogstore"
	"github.com/groupbuy/groupbuy/internal/data/commissionstore"
	"github.com/groupbuy/groupbuy/internal/data/couponcount"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/invitestore"
	"github.com/groupbuy/groupbuy/internal/data/layerstore"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/metricstore"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/outboxstore"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/data/pricestore"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/redispace"
	"github.com/groupbuy/groupbuy/internal/data/shippingstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/stockstore"
	"github.com/groupbuy/groupbuy/internal/data/trackingstore"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
)

// ProviderSet is every implementation of a biz port, with what they are built from: the
// configured database and Redis, the personal-data keyring and the stores on them.
var ProviderSet = wire.NewSet(
	sqldb.Open,
	wire.Bind(new(port.Transactor), new(*sqldb.DB)),
	redisdb.ProviderSet,
	NewKeyring,
	NewReadiness,
	Stores,
)

// Stores is every store and WeChat client on a given database (*sqldb.DB), Redis
// (redis.UniversalClient, redisdb.KeyPrefix) and keyring: the program builds them on the
// configured ones (ProviderSet), the data-layer tests on theirs (package datatest).
// (wire.Bind of port.Transactor to *sqldb.DB goes with the database's provider.)
var Stores = wire.NewSet(
	identitystore.ProviderSet,
	leaderstore.ProviderSet,
	catalogstore.ProviderSet,
	presalestore.ProviderSet,
	orderstore.ProviderSet,
	stockstore.ProviderSet,
	paymentstore.ProviderSet,
	ledgerstore.ProviderSet,
	commissionstore.ProviderSet,
	shippingstore.ProviderSet,
	outboxstore.ProviderSet,
	redispace.ProviderSet,
	auditstore.ProviderSet,
	pricestore.ProviderSet,
	promostore.ProviderSet,
	couponcount.ProviderSet,
	invitestore.ProviderSet,
	trackingstore.ProviderSet,
	metricstore.ProviderSet,
	layerstore.ProviderSet,
	NewMiniProgram,
	NewWechatPay,
	wire.Bind(new(identity.Wechat), new(*wechat.MiniProgram)),
	wire.Bind(new(payment.Gateway), new(*wechatpay.Client)),
	wire.Bind(new(payment.ProfitSharing), new(*wechatpay.Client)),
	wire.Bind(new(payment.Bills), new(*wechatpay.Client)),
	wechatpay.NewDecoder,
	wire.Bind(new(payment.NotificationDecoder), new(*wechatpay.Decoder)),
)

// Readiness answers the readiness probe from the database and Redis.
type Readiness struct {
	db  *sqldb.DB
	rdb redis.UniversalClient
}

// NewReadiness is the probe of db and rdb.
func NewReadiness(db *sqldb.DB, rdb redis.UniversalClient) *Readiness {
	return &Readiness{db: db, rdb: rdb}
}

// Ready reports whether the database and Redis answer; the readiness probe calls it. Its
// errors name the dependency (Dependency) for the public reply; the rest is for the log.
func (r *Readiness) Ready(ctx context.Context) error {
	if err := r.db.SQL.PingContext(ctx); err != nil {
		return &unreadyError{dependency: "database", err: err}
	}
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return &unreadyError{dependency: "Redis", err: err}
	}
	return nil
}

// unreadyError is a dependency that does not answer.
type unreadyError struct {
	dependency string
	err        error
}

func (e *unreadyError) Error() string      { return e.dependency + ": " + e.err.Error() }
func (e *unreadyError) Unwrap() error      { return e.err }
func (e *unreadyError) Dependency() string { return e.dependency }

// NewMiniProgram is the WeChat mini-program client, its access token cached under prefix.
func NewMiniProgram(c *conf.Wechat, rdb redis.UniversalClient, prefix redisdb.KeyPrefix) *wechat.MiniProgram {
	return wechat.NewMiniProgram(c, rdb, prefix.Key(""))
}

// NewWechatPay is the WeChat Pay client of the configured merchant, or, with no merchant
// configured, one that answers payment.ErrNotConfigured.
func NewWechatPay(c *conf.Wechat, logger log.Logger) (*wechatpay.Client, error) {
	client, err := wechatpay.NewFromConf(c)
	if err != nil {
		return nil, err
	}
	if !client.Configured() {
		log.NewHelper(logger).Warnw("msg", "WeChat Pay is not configured (wechat.pay.mch_id): payments are off")
	}
	return client, nil
}
