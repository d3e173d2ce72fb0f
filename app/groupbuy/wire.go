//go:build wireinject

package main

import (
	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/redispace"
	"github.com/groupbuy/groupbuy/internal/server"
	"github.com/groupbuy/groupbuy/internal/service"
)

// wireApp builds the whole service.
func wireApp(*conf.Bootstrap, log.Logger) (*kratos.App, func(), error) {
	panic(wire.Build(server.ProviderSet, data.ProviderSet, biz.ProviderSet, service.ProviderSet, commonSet, newApp,
		wire.Bind(new(server.Readiness), new(*data.Readiness))))
}

// wireTools builds the use cases that the demo data is seeded through.
func wireTools(*conf.Bootstrap, log.Logger) (*tools, func(), error) {
	panic(wire.Build(data.ProviderSet, biz.ProviderSet, commonSet,
		wire.Struct(new(tools), "*")))
}

// wireSettlement builds the settle command's use case on the database, WeChat Pay, and Redis
// for the merchant's pace, which the command shares with the servers' workers.
func wireSettlement(*conf.Bootstrap, log.Logger) (*settlement.Usecase, func(), error) {
	panic(wire.Build(commandSet, settlementSet, redisdb.ProviderSet, redispace.ProviderSet))
}

// wireReconciler builds the reconcile command's reconciler on the database and WeChat Pay alone.
func wireReconciler(*conf.Bootstrap, log.Logger) (*reconcile.Reconciler, func(), error) {
	panic(wire.Build(commandSet, reconcileSet))
}

// wireLedger builds the ledger check command's ledger on the database alone.
func wireLedger(*conf.Bootstrap) (*ledger.Ledger, func(), error) {
	panic(wire.Build(commandSet))
}

// wireAccounts builds the account command's administration of console accounts on the database
// alone.
func wireAccounts(*conf.Bootstrap) (*identity.Accounts, func(), error) {
	panic(wire.Build(accountSet))
}

// wireMigrator builds the migrate command's (and serve's schema check's) migrator on the
// opened database alone.
func wireMigrator(*conf.Bootstrap) (*migrator, func(), error) {
	panic(wire.Build(migratorSet))
}
