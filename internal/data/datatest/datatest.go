// Package datatest builds the data-layer tests' use cases with wire from the provider sets the
// program is built from (data.Stores, biz.ProviderSet), on the database, Redis, keyring, clock
// and WeChat the tests control, with the policy each test chooses. A test that passes here
// passes on the program's wiring, not on a wiring of its own.
package datatest

import (
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/commissionstore"
	"github.com/groupbuy/groupbuy/internal/data/couponcount"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/outboxstore"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
	"github.com/groupbuy/groupbuy/internal/data/pricestore"
	"github.com/groupbuy/groupbuy/internal/data/promostore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
	"github.com/groupbuy/groupbuy/internal/data/shippingstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/stockstore"
	"github.com/groupbuy/groupbuy/internal/data/trackingstore"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// Config is the policy a test chooses: what the program's providers.go turns the configuration
// into, and the sections the stores read themselves. A zero field is the zero policy; each test
// sets the fields its use cases read.
type Config struct {
	Identity   identity.Config
	Leader     leader.Config
	Order      order.Config
	Presale    presale.Config
	Commission commission.Config
	Shipping   shipping.Config
	Settlement settlement.Config
	QR         *order.QRSigner
	// Auth signs the tokens (jwt_secret).
	Auth *conf.Auth
	// Checkout chooses the stock counter (stock_counter) and the arrival message's template.
	Checkout *conf.Checkout
	// Promotions chooses the coupon counter (coupon_counter; nil: Redis).
	Promotions *conf.Promotions
	// Invitations is the 邀请有礼 programme (zero: off) and InviteCodes its code signer (nil
	// while off).
	Invitations invite.Config
	InviteCodes *invite.InviteCodes
	// Tracking is the per-shopper limit of the mini-program's events (zero: none).
	Tracking tracking.Config
	// Layers are the snapshot's rules (zero: refused at use; layer.DefaultRules the default) and
	// Targeting the subscription templates targeted sends may use.
	Layers    layer.Rules
	Targeting layer.TargetingConfig
}

// NoWechat is WeChat left unconfigured, as the program runs without it: the mini-program client
// has no app and WeChat Pay answers payment.ErrNotConfigured. For tests that never reach WeChat.
func NoWechat() *conf.Wechat { return &conf.Wechat{} }

// Stack is the stores and use cases the tests use, built as the program builds them.
type Stack struct {
	DB     *sqldb.DB
	Redis  redis.UniversalClient
	Prefix redisdb.KeyPrefix
	Keys   *seal.Keyring

	Users    *identitystore.UserRepo
	Consoles identity.ConsoleRepo
	Sessions identity.SessionRepo
	Marks    identity.AccessMarks
	Issuer   *auth.Issuer
	Auth     *identity.AuthUsecase
	Console  *identity.ConsoleUsecase

	Leaders  leader.Repo
	Grids    leader.GridRepo
	Bindings leader.BindingRepo
	Leader   *leader.Usecase

	Catalog *catalog.Usecase
	Batches *presalestore.BatchRepo
	Presale *presale.Usecase

	Prices        *pricestore.PriceStore
	PriceRecorder *order.PriceRecorder

	Outbox *outboxstore.OutboxStore

	Orders        order.Repo
	AfterSaleRepo order.AfterSaleRepo
	PickupRepo    order.PickupRepo
	PickupGuard   order.PickupGuard
	Messenger     order.Messenger
	Counter       stockstore.StockCounter
	Keeper        *order.Keeper
	Checkout      *order.Checkout
	Sweeper       *order.Sweeper
	Listener      *order.Listener
	Pickup        *order.Pickup
	AfterSales    *order.AfterSales
	Coupons       promo.Coupons

	MiniProgram  *wechat.MiniProgram
	WechatPay    *wechatpay.Client
	Decoder      *wechatpay.Decoder
	PaymentStore *paymentstore.PaymentStore
	Payments     *payment.Usecase

	LedgerStore *ledgerstore.LedgerStore
	Ledger      *ledger.Ledger

	CommissionStore *commissionstore.CommissionStore
	Plans           *commission.Plans
	Flows           *commission.Flows
	Views           *commission.Views

	ShippingStore *shippingstore.ShippingStore
	Shipping      *shipping.Usecase

	Dashboard *dashboard.Usecase

	SettlementStore *settlementstore.SettlementStore
	Settlement      *settlement.Usecase
	Reconciler      *reconcile.Reconciler

	PromoStore     *promostore.Store
	CouponStore    *promostore.CouponStore
	CouponCounters *couponcount.Store
	// Counters are the counters claims use (CouponCounters unless Promotions says "database").
	Counters     promo.Counters
	CouponKeeper *promo.Keeper
	Claims       *promo.Claims
	PromoAdmin   *promo.Admin
	Invitations  *invite.Usecase
	PromoShop    *promo.Shop
	CouponExpiry *promo.Expiry
	CouponSends  *promo.Sends

	EventStore *trackingstore.Store
	Tracking   *tracking.Usecase

	LayerSnapshots *layer.Snapshots
	Targeting      *layer.Targeting
	Consents       *layer.Consents
}

// Finance is the ledger and settlement on the database and WeChat Pay alone, as the finance
// commands (settle, ledger check) have them: no Redis.
type Finance struct {
	WechatPay       *wechatpay.Client
	LedgerStore     *ledgerstore.LedgerStore
	Ledger          *ledger.Ledger
	SettlementStore *settlementstore.SettlementStore
	Settlement      *settlement.Usecase
}
