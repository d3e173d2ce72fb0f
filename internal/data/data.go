// Package data implements the repositories and gateways that biz declares: ent on PostgreSQL (or
// SQLite for the embedded default), go-redis, and WeChat's APIs.
package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
)

// ProviderSet is every implementation of a biz port, with what they are built from.
var ProviderSet = wire.NewSet(
	OpenDatabase,
	NewRedis,
	NewKeyPrefix,
	NewKeyring,
	NewData,
	NewUserRepo,
	NewConsoleRepo,
	NewSessionRepo,
	NewLeaderRepo,
	NewGridRepo,
	NewBindingRepo,
	NewReceiverQueue,
	NewOutboxStore,
	NewCatalogRepo,
	NewRegistrationQueue,
	wire.Bind(new(payment.RegistrationQueue), new(*RegistrationQueue)),
	wire.Bind(new(payment.RegistrationBook), new(*RegistrationQueue)),
	wire.Bind(new(event.Publisher), new(*OutboxStore)),
	wire.Bind(new(event.Store), new(*OutboxStore)),
	NewBatchRepo,
	NewGridNames,
	NewSKUCatalog,
	NewOrderRepo,
	NewCounter,
	wire.Bind(new(order.Counter), new(StockCounter)),
	wire.Bind(new(order.Counters), new(StockCounter)),
	wire.Bind(new(presale.Stock), new(StockCounter)),
	NewShoppers,
	NewBatchCache,
	NewArrivalMessenger,
	NewPickupRepo,
	NewPickupGuard,
	NewAccessMarks,
	NewAfterSaleRepo,
	NewMiniProgram,
	NewPaymentStore,
	NewWechatPay,
	NewShippingStore,
	NewShippingUploader,
	wire.Bind(new(shipping.Repo), new(*ShippingStore)),
	wire.Bind(new(shipping.Uploader), new(*ShippingUploader)),
	wire.Bind(new(port.Transactor), new(*Data)),
	NewLedgerStore,
	wire.Bind(new(ledger.Store), new(*LedgerStore)),
	NewCommissionStore,
	wire.Bind(new(commission.Repo), new(*CommissionStore)),
	wire.Bind(new(identity.UserRepo), new(*UserRepo)),
	wire.Bind(new(leader.Users), new(*UserRepo)),
	wire.Bind(new(identity.Wechat), new(*wechat.MiniProgram)),
	wire.Bind(new(payment.Store), new(*PaymentStore)),
	wire.Bind(new(payment.Gateway), new(*wechatpay.Client)),
	wire.Bind(new(payment.ProfitSharing), new(*wechatpay.Client)),
	wire.Bind(new(payment.Bills), new(*wechatpay.Client)),
	wechatpay.NewDecoder,
	wire.Bind(new(payment.NotificationDecoder), new(*wechatpay.Decoder)),
)

// Data is the shared handle of every repository.
type Data struct {
	db      *ent.Client
	sql     *sql.DB
	dialect string
	rdb     redis.UniversalClient
}

// NewData wraps the opened database and Redis.
func NewData(db *Database, rdb redis.UniversalClient) *Data {
	return &Data{db: db.Ent, sql: db.SQL, dialect: db.Dialect, rdb: rdb}
}

// InTx runs fn in one transaction; repositories given fn's context join it. A nested call joins
// the outer transaction instead of opening another.
func (d *Data) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if ent.TxFromContext(ctx) != nil {
		return fn(ctx)
	}
	tx, err := d.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(ent.NewTxContext(ctx, tx)); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// client is the transaction's client when ctx carries one, else the pool's.
func (d *Data) client(ctx context.Context) *ent.Client {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return tx.Client()
	}
	return d.db
}

// Ready reports whether the database and Redis answer; the readiness probe calls it. Its
// errors name the dependency (Dependency) for the public reply; the rest is for the log.
func (d *Data) Ready(ctx context.Context) error {
	if err := d.sql.PingContext(ctx); err != nil {
		return &unreadyError{dependency: "database", err: err}
	}
	if err := d.rdb.Ping(ctx).Err(); err != nil {
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

// dbErr maps ent's errors onto biz's kinds and wraps everything with what was being done.
// Only a real "no rows" becomes ErrNotFound; anything else keeps its cause.
func dbErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err):
		return fmt.Errorf("%s: %w", what, bizerr.ErrNotFound)
	case ent.IsConstraintError(err):
		return fmt.Errorf("%s: %w: %w", what, bizerr.ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// NewMiniProgram is the WeChat mini-program client, its access token cached under prefix.
func NewMiniProgram(c *conf.Wechat, rdb redis.UniversalClient, prefix KeyPrefix) *wechat.MiniProgram {
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
