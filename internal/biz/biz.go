// Package biz gathers the providers of every domain package for wire. Domain packages must not
// import it (that would be a cycle); they import port and bizerr instead.
package biz

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
)

// ProviderSet is the use cases of every domain.
var ProviderSet = wire.NewSet(
	identity.NewAuthUsecase,
	identity.NewConsoleUsecase,
	identity.NewAccounts,
	leader.NewUsecase,
	leader.NewFinder,
	event.NewDispatcher,
	payment.NewRegistrar,
	payment.NewReceiverOps,
	catalog.NewUsecase,
	payment.NewUsecase,
	presale.NewUsecase,
	order.NewKeeper,
	order.NewListener,
	order.NewAfterSaleRefunds,
	order.NewAfterSales,
	order.NewPickup,
	wire.Struct(new(order.CheckoutDeps), "*"),
	CheckoutPricing,
	order.NewCheckout,
	order.NewSweeper,
	order.NewPriceRecorder,
	shipping.NewUsecase,
	ledger.NewLedger,
	commission.NewPlans,
	commission.NewFlows,
	commission.NewViews,
	wire.Bind(new(commission.Poster), new(*ledger.Ledger)),
	wire.Bind(new(presale.CommissionLimits), new(*commission.Plans)),
	wire.Bind(new(payment.Listener), new(*order.Listener)),
	wire.Bind(new(order.RefundApplier), new(*order.AfterSaleRefunds)),
	wire.Bind(new(order.Payments), new(*payment.Usecase)),
	audit.NewUsecase,
	dashboard.NewUsecase,
	promo.NewKeeper,
	promo.NewClaims,
	promo.NewAdmin,
	promo.NewShop,
	promo.NewExpiry,
	promo.NewSends,
	PromoAdmin,
	invite.NewUsecase,
	promo.NewWelcome,
	tracking.NewUsecase,
	metrics.NewRollupJob,
	metrics.NewDashboard,
	wire.Bind(new(invite.Rewarder), new(*promo.Claims)),
	layer.NewSnapshots,
	layer.NewTargeting,
	layer.NewConsents,
)

// PromoAdmin is what coupon templates are checked against: the commission cap (promo cannot
// read commission's config itself: commission reads orders, which price with promo).
func PromoAdmin(c commission.Config) promo.AdminConfig { return promo.AdminConfig{CapBP: c.CapBP} }

// CheckoutPricing is what checkout prices against: the commission cap of a line and WeChat Pay's
// maximum profit-sharing ratio net of its fee, as settlement shares.
func CheckoutPricing(c commission.Config, s settlement.Config) order.PricingConfig {
	return order.PricingConfig{CapBP: c.CapBP, Limit: s.Limit()}
}
