package main

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/data/reconcilestore"
)

// reconcileSet builds the daily reconciliation: WeChat Pay's bills (payment.Bills, bound in
// data.ProviderSet) against our records, read by data's reconcile source.
var reconcileSet = wire.NewSet( //nolint:unused // used by commonSet (wireinject build)
	reconcilestore.ProviderSet,
	reconcile.NewReconciler,
)
