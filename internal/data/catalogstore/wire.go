package catalogstore

import "github.com/google/wire"

// ProviderSet builds the stores of products and SKUs.
var ProviderSet = wire.NewSet(
	NewCatalogRepo,
	NewSKUCatalog,
)
