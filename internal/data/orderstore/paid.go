package orderstore

import (
	"context"
	"fmt"

	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// HasPaid reports whether the shopper ever paid for an order (refunded ones included: it paid).
func HasPaid(ctx context.Context, data *sqldb.DB, userID int64) (bool, error) {
	ok, err := data.Client(ctx).Order.Query().
		Where(entorder.UserID(int(userID)), entorder.PaidAtNotNil()).Exist(ctx)
	return ok, sqldb.Err(err, fmt.Sprintf("paid orders of shopper %d", userID))
}
