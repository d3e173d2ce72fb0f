package shippingstore

import (
	"context"

	"github.com/groupbuy/groupbuy/ent/shippingdeclaration"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

var _ dashboard.Shipping = (*ShippingStore)(nil)

// FailedDeclarations counts on the (state, …) indexes.
func (s *ShippingStore) FailedDeclarations(ctx context.Context) (int64, error) {
	n, err := s.data.Client(ctx).ShippingDeclaration.Query().
		Where(shippingdeclaration.StateEQ(shippingdeclaration.StateFailed)).Count(ctx)
	return int64(n), sqldb.Err(err, "count failed shipping declarations")
}
