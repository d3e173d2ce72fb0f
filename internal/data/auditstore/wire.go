package auditstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
)

// ProviderSet builds the audit log's store.
var ProviderSet = wire.NewSet(
	NewAuditStore,
	wire.Bind(new(audit.Repo), new(*AuditStore)),
)
