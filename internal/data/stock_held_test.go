package data_test

import (
	"maps"
	"testing"

	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Held sums what Reservations lists, per item, pending apart: paid and later orders, pending
// ones and cancelled ones whose stock is still to go back; not cancelled ones nor those
// refunded by a cancellation.
func TestHeldSumsTheReservations(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPkEnv(t, open(t))
			ctx := t.Context()
			e.pkOrder(e.a, entorder.StatusPaid, 2, 1)
			e.pkOrder(e.b, entorder.StatusPickedUp, 0, 3)
			e.pkOrder(e.a, entorder.StatusPendingPayment, 1)
			e.pkOrder(e.a, entorder.StatusCancelled, 5)
			releasing := e.pkOrder(e.a, entorder.StatusCancelled, 4)
			e.db.Order.UpdateOne(releasing).SetReleasePending(true).ExecX(ctx)
			cancelled := e.pkOrder(e.b, entorder.StatusRefunded, 7)
			e.db.Order.UpdateOne(cancelled).SetCancelReason("shopper").ExecX(ctx)
			afterSales := e.pkOrder(e.b, entorder.StatusRefunded, 0, 6) // refunded by after-sales: sold
			e.db.Order.UpdateOne(afterSales).SetCancelReason("").ExecX(ctx)

			pending, sold, err := e.orders.Held(ctx, int64(e.batch), []int64{int64(e.items[0]), int64(e.items[1])})
			if err != nil {
				t.Fatal(err)
			}
			orders, err := e.orders.Reservations(ctx, int64(e.batch))
			if err != nil {
				t.Fatal(err)
			}
			wantPending, wantSold := map[int64]int64{}, map[int64]int64{}
			for _, o := range orders {
				for _, l := range o.Lines {
					if o.Status == "pending_payment" {
						wantPending[l.ItemID] += l.Quantity
					} else {
						wantSold[l.ItemID] += l.Quantity
					}
				}
			}
			strawberry, eggs := int64(e.items[0]), int64(e.items[1])
			if !maps.Equal(pending, wantPending) || !maps.Equal(sold, wantSold) ||
				pending[strawberry] != 1 || sold[strawberry] != 6 || sold[eggs] != 10 {
				t.Errorf("held pending %v sold %v; the reservations %v and %v", pending, sold, wantPending, wantSold)
			}
		})
	}
}
