package data_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/stockstore"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// coEnv is checkout built as the program builds it, on PostgreSQL and Redis, with one open batch
// of one item and shoppers bound to one leader.
type coEnv struct {
	*stack
	checkout *order.Checkout
	keeper   *order.Keeper
	counter  stockstore.StockCounter
	batch    *presale.Batch
}

// newCoEnv checks out with the stock counter named by counter: "redis" on the single server,
// "redis-cluster" on the cluster, or "database".
func newCoEnv(t *testing.T, counter string, quota, limit int64) *coEnv {
	t.Helper()
	mode := testenv.SingleRedis
	if counter == "redis-cluster" {
		counter, mode = "redis", testenv.ClusterRedis
	}
	s := newStackIn(t, openPostgres(t), mode)
	ctx := t.Context()
	cfg := s.config()
	cfg.Order = order.Config{OrderTTL: 15 * time.Minute, CheckoutDeadline: 2 * time.Second}
	// The counter is this test's choice, as checkout.stock_counter is the operator's.
	cfg.Checkout = &conf.Checkout{StockCounter: counter}
	// On the wall clock: the batch opens and orders expire in real time here.
	built := s.build(port.SystemClock, datatest.NoWechat(), cfg)
	cell, err := geo.CellAt(geo.LatLng{Lat: 31.2304, Lng: 121.4737}, geo.DefaultGridRes)
	if err != nil {
		t.Fatal(err)
	}
	s.exec(`INSERT INTO grids (cell, name, serving, route_label, station_label, created_at, updated_at)
		VALUES ($1, '人民广场', true, '', '', now(), now())`, cell.String())
	s.exec(`INSERT INTO leaders (created_at, updated_at, user_id, status, paused, status_reason, real_name_sealed,
		phone_sealed, pii_key_id, point_name, address, lat, lng, pickup_cell, grid_cell, opening_hours, invite_code)
		VALUES (now(), now(), 1, 'approved', false, '', 'x', 'x', 'k1', '东门', '人民大道', 31.23, 121.47, 'c', $1,
		'08:00-20:00', 'INV00001')`, cell.String())
	now := time.Now().UTC()
	b, err := built.Batches.Create(ctx, &presale.Batch{Title: "水果团", Status: presale.Scheduled, OpensAt: now.Add(-time.Minute),
		CutoffAt: now.Add(time.Hour), PickupDate: now.Add(48 * time.Hour), CreatedBy: 1,
		Items: []presale.Item{{SKUID: 1, ProductID: 1, Title: "水蜜桃", Spec: "6只", Unit: "盒", ListPrice: 5990,
			Price: 3990, Quota: quota, Limit: limit, CommissionBP: 1000}},
		Grids: []geo.Cell{cell}})
	if err != nil {
		t.Fatal(err)
	}
	if err := built.Keeper.Rebuild(ctx, b.ID); err != nil { // scheduled: loads at once
		t.Fatal(err)
	}
	s.exec(`UPDATE batches SET status = 'open' WHERE id = $1`, b.ID)
	b.Status = presale.Open
	return &coEnv{stack: s, checkout: built.Checkout, keeper: built.Keeper, counter: built.Counter, batch: b}
}

// bind binds shoppers 100..100+n-1 to the leader.
func (e *coEnv) bind(n int) {
	e.exec(`INSERT INTO leader_bindings (user_id, leader_id, bound_at)
		SELECT 100 + g, (SELECT id FROM leaders LIMIT 1), now() FROM generate_series(0, $1 - 1) g`, n)
}

func (e *coEnv) place(user int64, key string, qty int64) (*order.Order, error) {
	it := e.batch.Items[0]
	return e.checkout.Place(e.t.Context(), user, order.PlaceInput{Key: key, BatchID: e.batch.ID,
		Lines: []order.LineInput{{ItemID: it.ID, Qty: qty, Price: it.Price}}})
}

// Many shoppers race for a small quota with both stock counters: exactly the quota is taken,
// each shopper keeps its limit, and the counters agree with the database.
func TestCheckoutNeverOversells(t *testing.T) {
	for _, counter := range []string{"redis", "redis-cluster", "database"} {
		t.Run(counter, func(t *testing.T) {
			const quota, limit, shoppers = 60, 2, 150
			e := newCoEnv(t, counter, quota, limit)
			e.bind(shoppers)
			var units, soldOut, limited atomic.Int64
			var wg sync.WaitGroup
			for u := range int64(shoppers) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i, qty := range []int64{1, 2} { // the second order passes the limit if the first made it
						o, err := e.place(100+u, fmt.Sprintf("order-key-%d-%d", u, i), qty)
						switch {
						case err == nil:
							units.Add(o.Lines[0].Quantity)
						case errors.Is(err, order.ErrSoldOut):
							soldOut.Add(1)
						case errors.Is(err, order.ErrLimitExceeded):
							limited.Add(1)
						default:
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			if units.Load() != quota {
				t.Fatalf("%d units taken, quota %d (%d sold out, %d over the limit)", units.Load(), quota, soldOut.Load(), limited.Load())
			}
			if n := e.count(`SELECT coalesce(sum(quantity), 0) FROM order_lines`); n != quota {
				t.Fatalf("the database holds %d units", n)
			}
			if n := e.count(`SELECT count(*) FROM (SELECT o.user_id FROM orders o JOIN order_lines l ON l.order_id = o.id
				GROUP BY o.user_id HAVING sum(l.quantity) > $1) over`, limit); n != 0 {
				t.Fatalf("%d shoppers hold more than the limit", n)
			}
			left, err := e.counter.Remaining(t.Context(), e.batch)
			if err != nil || left[e.batch.Items[0].ID] != 0 {
				t.Fatalf("counters say %v left (%v)", left, err)
			}
		})
	}
}

// The same request sent many times at once makes one order and takes its stock once.
func TestCheckoutRetriesMakeOneOrder(t *testing.T) {
	for _, counter := range []string{"redis", "redis-cluster", "database"} {
		t.Run(counter, func(t *testing.T) {
			e := newCoEnv(t, counter, 10, 0)
			e.bind(1)
			ids := make(chan int64, 20)
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o, err := e.place(100, "same-key-1", 3)
					if err != nil {
						t.Error(err)
						return
					}
					ids <- o.ID
				}()
			}
			wg.Wait()
			close(ids)
			first := int64(0)
			for id := range ids {
				if first == 0 {
					first = id
				}
				if id != first {
					t.Fatalf("retries made orders %d and %d", first, id)
				}
			}
			left, err := e.counter.Remaining(t.Context(), e.batch)
			if err != nil || left[e.batch.Items[0].ID] != 7 {
				t.Fatalf("left %v (%v), want 7", left, err)
			}
			if _, err := e.place(100, "same-key-1", 4); !errors.Is(err, order.ErrKeyReused) {
				t.Fatalf("the key with another quantity: %v", err)
			}
			if _, err := e.place(999, "key-unbound", 1); !errors.Is(err, order.ErrNoBoundLeader) {
				t.Fatalf("an unbound shopper: %v", err)
			}
			if n := e.count(`SELECT count(*) FROM orders`); n != 1 {
				t.Fatalf("%d orders", n)
			}
			// A retry that arrives after the cut-off still gets its order back.
			e.exec(`UPDATE batches SET status = 'closed' WHERE id = $1`, e.batch.ID)
			time.Sleep(1100 * time.Millisecond) // checkout's batch cache holds a batch for a second
			if o, err := e.place(100, "same-key-1", 3); err != nil || o.ID != first {
				t.Fatalf("retry after the cut-off: %v, %v", o, err)
			}
			if _, err := e.place(100, "another-key", 1); !errors.Is(err, presale.ErrNotOpen) {
				t.Fatalf("a new order after the cut-off: %v", err)
			}
			if left, _ := e.counter.Remaining(t.Context(), e.batch); left[e.batch.Items[0].ID] != 7 {
				t.Fatalf("refusals took stock: %v left", left)
			}
		})
	}
}
