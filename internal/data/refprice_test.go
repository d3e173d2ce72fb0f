package data_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/service"
)

// rpLine is one line of a test order: its SKU, quantity and the amount paid for it.
type rpLine struct{ sku, qty, amount int64 }

// rpEnv is the program's wiring on a fresh PostgreSQL database, with one open batch whose items
// are SKUs 1 to 3, for orders to be paid in.
type rpEnv struct {
	*stack
	built *datatest.Stack
	batch int
	items map[int64]int // SKU → batch item
	user  int
}

func newRpEnv(t *testing.T, db *sqldb.DB) *rpEnv {
	t.Helper()
	s := newStack(t, db)
	e := &rpEnv{stack: s, built: s.build(s.clock.Now, datatest.NoWechat(), s.config()), items: map[int64]int{}, user: 500}
	ctx := t.Context()
	now := s.clock.Now()
	b := s.db.Ent.Batch.Create().SetTitle("早市").SetStatus("open").SetOpensAt(now.Add(-time.Hour)).
		SetCutoffAt(now.Add(time.Hour)).SetPickupDate(bjtime.StartOfDay(now).AddDate(0, 0, 2)).SetCreatedBy(1).SaveX(ctx)
	e.batch = b.ID
	for sku := int64(1); sku <= 3; sku++ {
		e.items[sku] = s.db.Ent.BatchItem.Create().SetBatchID(b.ID).SetSkuID(int(sku)).SetProductID(1).
			SetTitle("鸡蛋").SetSpec("10枚").SetUnit("盒").SetListPrice(1500).SetPrice(1000).SetQuota(100).
			SetPerShopperLimit(0).SetCommissionBp(0).SaveX(ctx).ID
	}
	return e
}

// pay saves a pending order of lines and pays it at paidAt through the orders' payment
// listener, in a transaction as the payment use cases call it: the order turns paid and its
// order.paid event goes to the outbox.
func (e *rpEnv) pay(paidAt time.Time, lines ...rpLine) int {
	e.t.Helper()
	ctx := e.t.Context()
	e.user++
	var amount int64
	for _, l := range lines {
		amount += l.amount
	}
	o := e.db.Ent.Order.Create().SetUserID(e.user).SetLeaderID(1).SetBatchID(e.batch).SetGridCell("87309a9a9ffffff").
		SetStatus(entorder.StatusPendingPayment).SetIdempotencyKey(fmt.Sprintf("rp-%d", e.user)).SetAmount(amount).
		SetPayAttempt(1).SetExpiresAt(paidAt.Add(15 * time.Minute)).SaveX(ctx)
	for _, l := range lines {
		e.db.Ent.OrderLine.Create().SetOrderID(o.ID).SetItemID(e.items[l.sku]).SetSkuID(int(l.sku)).SetTitle("鸡蛋").
			SetPrice(1000).SetQuantity(l.qty).SetAmount(l.amount).SetCommissionBp(0).SaveX(ctx)
	}
	err := e.data.InTx(ctx, func(ctx context.Context) error {
		return e.built.Listener.PaymentPaid(ctx, &payment.Payment{OutTradeNo: payment.OutTradeNo(int64(o.ID), 1),
			Amount: amount, State: payment.StatePaid, PaidAt: paidAt})
	})
	if err != nil {
		e.t.Fatalf("pay order %d: %v", o.ID, err)
	}
	return o.ID
}

// deliver runs the outbox's order.paid events through the price recorder, as the dispatcher of
// the event map does, and returns how many it delivered.
func (e *rpEnv) deliver() int {
	e.t.Helper()
	d := event.NewDispatcher(e.built.Outbox, time.Now, event.Map{order.TopicPaid: {
		{Name: "order.PriceRecorder.OnPaid", Handle: e.built.PriceRecorder.OnPaid}}})
	n, err := d.DispatchOnce(e.t.Context())
	if err != nil {
		e.t.Fatalf("deliver: %v", err)
	}
	return n
}

// priceRow is one row of sku_price_days as stored.
type priceRow struct {
	sku     int64
	day     string
	lowest  int64
	updated time.Time
}

func (e *rpEnv) priceRows() []priceRow {
	e.t.Helper()
	rows, err := e.data.SQL.QueryContext(e.t.Context(),
		`SELECT sku_id, day, lowest_fen, updated_at FROM sku_price_days ORDER BY sku_id, day`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []priceRow
	for rows.Next() {
		var r priceRow
		if err := rows.Scan(&r.sku, &r.day, &r.lowest, &r.updated); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// Paid orders leave each SKU's lowest unit price per Beijing day: the amount paid ÷ quantity,
// rounded down, never the item's price (1000 on every line here); a later, higher price
// on the same day lowers nothing; the day turns at Beijing midnight. Every event delivered
// again, and an order's event replayed by hand, change no row, updated_at included. (Lines of
// amount 0, gifts, cannot be stored yet; DayPrices' unit test leaves them out.)
func TestPaidOrdersRecordTheDaysLowestUnitPrice(t *testing.T) {
	t.Parallel()
	for engine, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			testPaidOrdersRecordPrices(t, newRpEnv(t, open(t)))
		})
	}
}

func testPaidOrdersRecordPrices(t *testing.T, e *rpEnv) {
	ctx := t.Context()
	lastSecond := time.Date(2026, 11, 30, 23, 59, 59, 0, bjtime.Zone)
	first := e.pay(lastSecond.Add(-time.Hour), rpLine{sku: 1, qty: 3, amount: 2999}) // 999 a unit
	e.pay(lastSecond, rpLine{sku: 1, qty: 2, amount: 1900})                          // 950 a unit: the day's lowest
	e.pay(lastSecond.Add(-2*time.Hour), rpLine{sku: 1, qty: 1, amount: 1200})        // higher: no change
	e.pay(lastSecond.Add(time.Second), rpLine{sku: 1, qty: 1, amount: 1100}, rpLine{sku: 3, qty: 4, amount: 3998})
	if n := e.deliver(); n != 4 {
		t.Fatalf("delivered %d events, want 4", n)
	}
	rows := e.priceRows()
	want := []priceRow{{sku: 1, day: "2026-11-30", lowest: 950}, {sku: 1, day: "2026-12-01", lowest: 1100},
		{sku: 3, day: "2026-12-01", lowest: 999}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v, want %+v", rows, want)
	}
	for i, w := range want {
		if r := rows[i]; r.sku != w.sku || r.day != w.day || r.lowest != w.lowest {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}

	// The outbox delivers at least once: every event again, through the recorder.
	if _, err := e.data.Exec(ctx, `UPDATE outbox_events SET delivered_at = NULL, available_at = created_at`); err != nil {
		t.Fatal(err)
	}
	if n := e.deliver(); n != 4 {
		t.Fatalf("redelivered %d events, want 4", n)
	}
	replay := event.Event{ID: 1, Topic: order.TopicPaid, Attempts: 1,
		Payload: []byte(fmt.Sprintf(`{"order_id": %d}`, first))}
	if err := e.built.PriceRecorder.OnPaid(ctx, replay); err != nil {
		t.Fatal(err)
	}
	again := e.priceRows()
	if len(again) != len(rows) {
		t.Fatalf("after the replay: %+v, want %+v", again, rows)
	}
	for i := range rows {
		if again[i].lowest != rows[i].lowest || !again[i].updated.Equal(rows[i].updated) {
			t.Errorf("row %d changed on replay: %+v, was %+v", i, again[i], rows[i])
		}
	}
	if got, err := e.built.Prices.Lowest(ctx, []int64{1, 2, 3}, "2026-11-30", "2026-12-01"); err != nil ||
		len(got) != 1 || got[1] != 950 {
		t.Errorf("lowest on the 30th: %v, %v, want SKU 1 at 950 only", got, err)
	}
}

// rpCatalog adds a product with SKUs at the given list prices and returns their ids.
func (e *rpEnv) rpCatalog(listPrices ...int64) []int64 {
	e.t.Helper()
	ctx := e.t.Context()
	p, err := e.built.Catalog.CreateProduct(ctx, catalog.ProductInput{Title: "散养土鸡蛋", Category: "蛋类"})
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for i, lp := range listPrices {
		s, err := e.built.Catalog.AddSKU(ctx, p.ID, catalog.SKUInput{Spec: fmt.Sprintf("%d枚", 10*(i+1)), Unit: "盒", ListPrice: lp})
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

// Scheduling through the API refuses a list price above the lowest price of the 7 days before
// the opening day, with INVALID_ARGUMENT on items.list_price naming the item and that price,
// and one with no sales in the window with its own sentence; the batch stays a draft. With a
// basis stated through UpdateBatch it is scheduled, the verdicts stored for the shop. Opening
// judges again: a lower sale since scheduling hides a list price without a basis.
func TestSchedulingRefusesAnUnbackedListPrice(t *testing.T) {
	t.Parallel()
	// SQLite too: its one writer at a time catches a read or write outside the transaction.
	for engine, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			testSchedulingRefuses(t, newRpEnv(t, open(t)))
		})
	}
}

func testSchedulingRefuses(t *testing.T, e *rpEnv) {
	ctx := identity.WithPrincipal(t.Context(), identity.Principal{Kind: identity.SubjectConsole, ID: 1, Roles: []identity.Role{identity.RoleOps}})
	grid, err := geo.CellAt(peoplesSquare, geo.DefaultGridRes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.built.Grids.Upsert(ctx, &leader.Grid{Cell: grid, Name: "人民广场", Serving: true}); err != nil {
		t.Fatal(err)
	}
	skus := e.rpCatalog(1500, 1200, 1800) // A above its lowest, B at it, C never sold
	opens := e.clock.Now().Add(time.Hour).Truncate(time.Second)
	_, to := presale.ReferenceWindow(opens)
	day := func(before int) string {
		d, _ := time.ParseInLocation(time.DateOnly, to, bjtime.Zone)
		return bjtime.Day(d.AddDate(0, 0, -before))
	}
	if err := e.built.Prices.Record(ctx, []order.DayPrice{
		{SKUID: skus[0], Day: day(8), LowestFen: 900}, // before the window: does not count
		{SKUID: skus[0], Day: day(7), LowestFen: 1499},
		{SKUID: skus[1], Day: day(1), LowestFen: 1200},
		{SKUID: skus[2], Day: to, LowestFen: 100}, // the opening day: not in the window either
	}); err != nil {
		t.Fatal(err)
	}
	svc := service.NewBatchOpsService(e.built.Presale, e.built.Pickup, e.built.Keeper)
	input := func(bases ...string) *v1.BatchInput {
		in := &v1.BatchInput{Title: "周末鸡蛋团", OpensAt: timestamppb.New(opens), CutoffAt: timestamppb.New(opens.Add(24 * time.Hour)),
			PickupDate: bjtime.Day(opens.Add(72 * time.Hour)), GridCells: []string{grid.String()}}
		for i, sku := range skus {
			it := &v1.BatchItemInput{SkuId: sku, PriceFen: 990, Quota: 50}
			if i < len(bases) {
				it.ReferenceBasis = bases[i]
			}
			in.Items = append(in.Items, it)
		}
		return in
	}
	draft, err := svc.CreateBatch(ctx, input())
	if err != nil {
		t.Fatal(err)
	}
	refused := func(wantInReason ...string) {
		t.Helper()
		_, err := svc.ScheduleBatch(ctx, &v1.BatchActionRequest{Id: draft.GetId()})
		ke := kerrors.FromError(err)
		if ke.Reason != v1.ErrorReason_INVALID_ARGUMENT.String() || ke.Code != 400 || ke.Metadata["field"] != "items.list_price" {
			t.Fatalf("schedule: %v, want INVALID_ARGUMENT 400 on items.list_price", err)
		}
		for _, w := range wantInReason {
			if !strings.Contains(ke.Message, w) {
				t.Errorf("message %q does not say %q", ke.Message, w)
			}
		}
		if b, err := e.built.Presale.Get(ctx, draft.GetId()); err != nil || b.Status != presale.Draft {
			t.Fatalf("refused batch: %+v, %v, want a draft", b, err)
		}
	}
	refused(fmt.Sprintf("SKU %d", skus[0]), "¥15.00", "¥14.99", to)

	// A's basis stated: C, never sold in the window, is refused next, with its own sentence.
	if _, err := svc.UpdateBatch(ctx, &v1.UpdateBatchRequest{Id: draft.GetId(), Batch: input("厂商建议零售价")}); err != nil {
		t.Fatal(err)
	}
	refused(fmt.Sprintf("SKU %d", skus[2]), "no transactions in the 7 days before "+to)

	if _, err := svc.UpdateBatch(ctx, &v1.UpdateBatchRequest{Id: draft.GetId(),
		Batch: input("厂商建议零售价", "", "品牌官方指导价")}); err != nil {
		t.Fatal(err)
	}
	scheduled, err := svc.ScheduleBatch(ctx, &v1.BatchActionRequest{Id: draft.GetId()})
	if err != nil {
		t.Fatalf("schedule with the bases stated: %v", err)
	}
	wantBasis := []string{"厂商建议零售价", "", "品牌官方指导价"}
	for i, it := range scheduled.GetItems() {
		if !it.GetListPriceShown() || it.GetReferenceBasis() != wantBasis[i] {
			t.Errorf("item %d: shown %v basis %q, want shown with %q", i, it.GetListPriceShown(), it.GetReferenceBasis(), wantBasis[i])
		}
	}

	// B sells lower on the last day before opening, after scheduling: opening hides its list
	// price; A and C keep theirs on their bases.
	if err := e.built.Prices.Record(ctx, []order.DayPrice{{SKUID: skus[1], Day: day(1), LowestFen: 1199},
		{SKUID: skus[0], Day: day(1), LowestFen: 100}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(opens)
	if err := e.built.Presale.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, err := e.built.Presale.Get(ctx, draft.GetId())
	if err != nil || open.Status != presale.Open {
		t.Fatalf("after the tick: %+v, %v", open, err)
	}
	for i, want := range []bool{true, false, true} {
		if got := open.Items[i].ListPriceShown; got != want {
			t.Errorf("open item %d (SKU %d) shown = %v, want %v", i, open.Items[i].SKUID, got, want)
		}
	}
}
