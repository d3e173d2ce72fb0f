package main

import (
	"fmt"

	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// commonSet is what both injectors share: the configuration's sections, turned into domain
// policy where needed, and the clock.
var commonSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	wire.FieldsOf(new(*conf.Bootstrap), "Server", "Data", "Auth", "Wechat", "Security", "Geo", "Leaders", "Catalog", "Checkout", "Shipping", "Commission", "Settlement", "Invitations", "Promotions", "Events", "DailyJobs", "Layers"),
	layerRules,
	targetingConfig,
	invitationConfig,
	trackingConfig,
	invitationCodes,
	checkoutConfig,
	checkoutTick,
	qrSigner,
	checkoutLoops,
	promoLoops,
	domainLoops,
	newDailyJobs,
	dailyLoops,
	shippingConfig,
	shippingLoops,
	commissionConfig,
	settlementSet,
	reconcileSet,
	compliance,
	identityConfig,
	leaderConfig,
	presaleConfig,
	clock,
)

// identityConfig turns the auth section (defaults filled by conf.Load) into the identity policy.
func identityConfig(c *conf.Auth) identity.Config {
	cfg := identity.Config{
		AccessTTL:         c.GetAccessTtl().AsDuration(),
		RefreshTTL:        c.GetRefreshTtl().AsDuration(),
		MaxFailedAttempts: int(c.GetConsole().GetMaxFailedAttempts()),
		Lockout:           c.GetConsole().GetLockout().AsDuration(),
		PasswordParams:    passhash.DefaultParams,
	}
	cfg.PasswordChecks = passhash.NewLimiter(int(c.GetConsole().GetMaxPasswordChecks()))
	return cfg
}

func clock() port.Clock { return port.SystemClock }

// tools are the use cases the demo data is seeded through.
type tools struct {
	Accounts *identity.Accounts
	Leaders  *leader.Usecase
	Users    identity.UserRepo
	Catalog  *catalog.Usecase
	Batches  *presale.Usecase
}

// maxCommissionLevels is the legal ceiling on distribution levels (anti-pyramid rules and
// WeChat's rules on multi-level distribution), whatever the configuration says.
const maxCommissionLevels = 3

// leaderConfig turns the geo and leaders sections (defaults filled by conf.Load) into the
// neighbourhood policy, refusing what the law or H3 cannot take.
func leaderConfig(g *conf.Geo, l *conf.Leaders, w *conf.Wechat) (leader.Config, error) {
	cfg := leader.Config{
		GridRes:          int(g.GetGridRes()),
		PickupRes:        int(g.GetPickupRes()),
		MaxRadiusMeters:  g.GetMaxRadiusM(),
		IndexRefresh:     g.GetIndexRefresh().AsDuration(),
		RebindInterval:   l.GetRebindInterval().AsDuration(),
		FirstChoiceGrace: l.GetFirstChoiceGrace().AsDuration(),
		UplineDepth:      int(l.GetCommissionLevels()) - 1,
		AppID:            w.GetMiniProgram().GetAppId(),
	}
	if cfg.UplineDepth < 0 || cfg.UplineDepth > maxCommissionLevels-1 {
		return cfg, fmt.Errorf("leaders.commission_levels must be 1 to %d", maxCommissionLevels)
	}
	if cfg.MaxRadiusMeters < 0 || cfg.MaxRadiusMeters > geo.MaxRadiusMeters {
		return cfg, fmt.Errorf("geo.max_radius_m must be 0 to %d", geo.MaxRadiusMeters)
	}
	if cfg.GridRes < 0 || cfg.PickupRes > 15 || cfg.GridRes >= cfg.PickupRes {
		return cfg, fmt.Errorf("geo: grid_res %d must be coarser than pickup_res %d (0..15)", cfg.GridRes, cfg.PickupRes)
	}
	return cfg, nil
}

// presaleConfig is the batch policy: the freeze window and after-sales window as settlement and
// checkout have them, and the settlement margin.
func presaleConfig(s *conf.Settlement, st settlement.Config, co order.Config) (presale.Config, error) {
	cfg := presale.Config{FreezeWindow: st.FreezeWindow, AfterSalesWindow: co.AfterSalesWindow,
		SettleMargin: s.GetSettleMargin().AsDuration()}
	if cfg.AfterSalesWindow+cfg.SettleMargin >= cfg.FreezeWindow {
		return cfg, fmt.Errorf("checkout.after_sales_window %s plus settlement.settle_margin %s leave no time in "+
			"settlement.freeze_window %s", cfg.AfterSalesWindow, cfg.SettleMargin, cfg.FreezeWindow)
	}
	return cfg, nil
}

// compliance is the advertising-law check with the configured words, or the built-in ones.
func compliance(c *conf.Catalog) *catalog.Compliance {
	words := c.GetBannedWords()
	if len(words) == 0 {
		words = catalog.DefaultBannedWords
	}
	return catalog.NewCompliance(words)
}
