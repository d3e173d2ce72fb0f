package main

import (
	"time"

	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// commonSet is what both injectors share: the configuration's sections, turned into domain
// policy where needed, and the clock.
var commonSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	wire.FieldsOf(new(*conf.Bootstrap), "Server", "Data", "Auth", "Wechat", "Security"),
	identityConfig,
	clock,
)

// identityConfig turns the auth section into the identity policy, with safe defaults.
func identityConfig(c *conf.Auth) identity.Config {
	cfg := identity.Config{
		AccessTTL:         c.GetAccessTtl().AsDuration(),
		RefreshTTL:        c.GetRefreshTtl().AsDuration(),
		MaxFailedAttempts: int(c.GetConsole().GetMaxFailedAttempts()),
		Lockout:           c.GetConsole().GetLockout().AsDuration(),
		PasswordParams:    passhash.DefaultParams,
	}
	orDefault(&cfg.AccessTTL, 2*time.Hour)
	orDefault(&cfg.RefreshTTL, 30*24*time.Hour)
	orDefault(&cfg.Lockout, 15*time.Minute)
	if cfg.MaxFailedAttempts <= 0 {
		cfg.MaxFailedAttempts = 5
	}
	return cfg
}

func orDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

func clock() port.Clock { return port.SystemClock }
