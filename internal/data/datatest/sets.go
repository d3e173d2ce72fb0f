package datatest

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/reconcilestore"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
)

// programSet is the program's stores and use cases on the database the injector is given (whose
// port.Transactor binding each injector adds: wire binds only where the provider is), and
// settlement and reconciliation as app/groupbuy's settlement and reconcile sets build them.
var programSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	data.Stores,
	biz.ProviderSet,
	settlementstore.ProviderSet,
	wire.Bind(new(settlement.Poster), new(*ledger.Ledger)),
	settlement.NewUsecase,
	// As app/groupbuy's reconcile set has it.
	reconcilestore.ProviderSet,
	reconcile.NewReconciler,
	builtInCompliance,
)

// builtInCompliance is the advertising-law check with its built-in words, as the program has it
// when catalog.banned_words is not configured.
func builtInCompliance() *catalog.Compliance { //nolint:unused // a provider of programSet
	return catalog.NewCompliance(catalog.DefaultBannedWords)
}
