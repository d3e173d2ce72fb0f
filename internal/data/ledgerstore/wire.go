package ledgerstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// ProviderSet builds the ledger.
var ProviderSet = wire.NewSet(
	NewLedgerStore,
	wire.Bind(new(ledger.Store), new(*LedgerStore)),
)
