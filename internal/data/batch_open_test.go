package data_test

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/outboxstore"
	"github.com/groupbuy/groupbuy/internal/data/presalestore"
)

// A batch scheduled to open at once is open with its stock in place: the first order right
// after the scheduler opened it is taken, with no rebuild and so no pause of the sale.
func TestBatchOpensWithItsStock(t *testing.T) {
	for _, counter := range []string{"redis", "database"} {
		t.Run(counter, func(t *testing.T) {
			e := newCoEnv(t, counter, 5, 0)
			e.bind(1)
			ctx := t.Context()
			batches := presalestore.NewBatchRepo(e.data)
			// Scheduling alone, by hand: no catalog, grid check or commission limits (the batch's
			// SKUs are in no catalog here), on coEnv's counter.
			uc := presale.NewUsecase(batches, nil, nil, outboxstore.NewOutboxStore(e.data, port.SystemClock), e.data,
				port.SystemClock, nil, e.counter, nil, presale.Config{})
			now := time.Now().UTC()
			draft, err := batches.Create(ctx, &presale.Batch{Title: "即时开团", Status: presale.Draft, OpensAt: now,
				CutoffAt: now.Add(time.Hour), PickupDate: now.Add(48 * time.Hour), CreatedBy: 1,
				Items: []presale.Item{{SKUID: 2, ProductID: 1, Title: "草莓", Spec: "1斤", Unit: "盒", ListPrice: 4990,
					Price: 2990, Quota: 7, CommissionBP: 1000}},
				Grids: e.batch.Grids})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := uc.Schedule(ctx, draft.ID); err != nil {
				t.Fatal(err)
			}
			if err := uc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			b, err := batches.Get(ctx, draft.ID)
			if err != nil || b.Status != presale.Open {
				t.Fatalf("batch after the tick: %+v, %v", b, err)
			}
			item := b.Items[0]
			if left, err := e.counter.Remaining(ctx, b); err != nil || left[item.ID] != 7 {
				t.Fatalf("open batch's counters: %v (%v), want 7 left", left, err)
			}
			// Loading again (a second replica's tick, a retried schedule) changes nothing.
			if err := e.counter.LoadFresh(ctx, b); err != nil {
				t.Fatal(err)
			}
			o, err := e.checkout.Place(ctx, 100, order.PlaceInput{Key: "first-order", BatchID: b.ID,
				Lines: []order.LineInput{{ItemID: item.ID, Qty: 2, Price: item.Price}}})
			if err != nil {
				t.Fatalf("first order of a batch just opened: %v", err)
			}
			if err := e.counter.LoadFresh(ctx, b); err != nil {
				t.Fatal(err)
			}
			if left, err := e.counter.Remaining(ctx, b); err != nil || left[item.ID] != 5 {
				t.Fatalf("after order %d and a repeated load: %v (%v), want 5 left", o.ID, left, err)
			}

			// Ops read the live stock beside the database's figures, without pausing the sale.
			inspect := func() order.StockCheck {
				t.Helper()
				_, checks, err := e.keeper.Inspect(ctx, b.ID)
				if err != nil || len(checks) != 1 {
					t.Fatalf("inspect: %v %v", checks, err)
				}
				return checks[0]
			}
			want := order.StockCheck{ItemID: item.ID, Quota: 7, Pending: 2, Reserved: 2, Remaining: 5, Loaded: true, Agrees: true}
			if got := inspect(); got != want {
				t.Fatalf("stock check %+v, want %+v", got, want)
			}
			// Stock the counter holds with no order behind it shows as a difference.
			r := order.Reservation{BatchID: b.ID, Token: "no-order", UserID: 101,
				Lines: []order.StockLine{{ItemID: item.ID, Qty: 1}}}
			if _, err := e.counter.Reserve(ctx, r, b.Items); err != nil {
				t.Fatal(err)
			}
			want.Reserved, want.Remaining, want.Agrees = 3, 4, false
			if got := inspect(); got != want {
				t.Fatalf("stock check after a reservation without an order %+v, want %+v", got, want)
			}
		})
	}
}

// A draft whose pickup date lies too late for its commission to be paid (saved under another
// configuration) is refused at scheduling, names the latest pickup date, and stays a draft
// with no stock loaded.
func TestScheduleRefusesPickupPastTheFreezeWindow(t *testing.T) {
	e := newCoEnv(t, "redis", 5, 0)
	ctx := t.Context()
	batches := presalestore.NewBatchRepo(e.data)
	cfg := presale.Config{FreezeWindow: 30 * 24 * time.Hour, AfterSalesWindow: 48 * time.Hour, SettleMargin: 48 * time.Hour}
	// Scheduling alone, by hand, as in TestBatchOpensWithItsStock.
	uc := presale.NewUsecase(batches, nil, nil, outboxstore.NewOutboxStore(e.data, port.SystemClock), e.data,
		port.SystemClock, nil, e.counter, nil, cfg)
	opens := time.Now().UTC().Add(time.Hour)
	latest := cfg.LatestPickup(opens)
	draft, err := batches.Create(ctx, &presale.Batch{Title: "远期团", Status: presale.Draft, OpensAt: opens,
		CutoffAt: opens.Add(time.Hour), PickupDate: latest.AddDate(0, 0, 1), CreatedBy: 1,
		Items: []presale.Item{{SKUID: 2, ProductID: 1, Title: "草莓", Spec: "1斤", Unit: "盒", ListPrice: 4990,
			Price: 2990, Quota: 7, CommissionBP: 1000}},
		Grids: e.batch.Grids})
	if err != nil {
		t.Fatal(err)
	}
	_, err = uc.Schedule(ctx, draft.ID)
	var late *presale.PickupTooLateError
	if !errors.As(err, &late) || late.Latest != latest.Format(time.DateOnly) {
		t.Fatalf("schedule: %v, want refused naming %s", err, latest.Format(time.DateOnly))
	}
	b, err := batches.Get(ctx, draft.ID)
	if err != nil || b.Status != presale.Draft {
		t.Fatalf("after the refusal: %+v, %v", b, err)
	}
	if left, err := e.counter.Remaining(ctx, b); err != nil || len(left) != 0 {
		t.Fatalf("a refused batch has counters: %v (%v)", left, err)
	}
}
