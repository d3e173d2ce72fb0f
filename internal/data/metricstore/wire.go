package metricstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/schedule"
)

// ProviderSet builds the daily counts store and the daily job runs.
var ProviderSet = wire.NewSet(
	NewStore,
	NewRuns,
	wire.Bind(new(metrics.Store), new(*Store)),
	wire.Bind(new(metrics.Ranking), new(*Store)),
	wire.Bind(new(schedule.Runs), new(*Runs)),
)
