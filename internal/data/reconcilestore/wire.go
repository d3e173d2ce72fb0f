package reconcilestore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

// ProviderSet builds the source of our records that reconciliation compares with WeChat Pay's bills.
var ProviderSet = wire.NewSet(
	NewReconcileSource,
	wire.Bind(new(reconcile.Source), new(*ReconcileSource)),
)
