package data_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/server/wechatnotify"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

var (
	pkKeysOnce sync.Once
	pkKeys     *wxsim.DevPayKeys
	pkKeysErr  error
)

// pkPayKeys is one development key set for the test binary: RSA key generation is slow.
func pkPayKeys(t *testing.T) *wxsim.DevPayKeys {
	t.Helper()
	pkKeysOnce.Do(func() { pkKeys, pkKeysErr = wxsim.GenerateDevPayKeys(wxsim.DemoMchID) })
	if pkKeysErr != nil {
		t.Fatal(pkKeysErr)
	}
	return pkKeys
}

const pkPayer = "oPkPayer0000000000000000000001"

// pkPay is WeChat Pay for these tests: the simulator's pay half over HTTP, the program's
// configuration of the real adapter (wechatpay-go) pointed at it, and the notification routes on
// a real server, served by the payment use cases of the stack built with that configuration.
type pkPay struct {
	sim  *wxsim.Simulator
	conf *conf.Wechat
	mux  *http.ServeMux
	uc   *payment.Usecase
}

// newPkPay starts the simulator and the notification server; serve routes the notifications to
// a stack built with conf. Refunds wait for CompleteRefund / FailRefund; the adapter makes one
// attempt per call, so each call of the use case is one call at the simulator (sim.Calls
// counts them).
func newPkPay(t *testing.T) *pkPay {
	t.Helper()
	keys := pkPayKeys(t)
	cfg := keys.PayConfig()
	cfg.NotifySchedule = []time.Duration{20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}
	cfg.NotifyTimeout = 5 * time.Second
	cfg.RefundDelay, cfg.SharingDelay = wxsim.Manual, wxsim.Manual
	sim, err := wxsim.Open(wxsim.Config{Apps: map[string]string{testAppID: testAppSecret}, Pay: cfg})
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim.Handler())
	mux := http.NewServeMux()
	notifySrv := httptest.NewServer(mux)
	// Cleanups run last-in first-out: the simulator stops sending before the notification
	// server goes, and both before the database closes (opened earlier by the stack).
	t.Cleanup(notifySrv.Close)
	t.Cleanup(simSrv.Close)
	t.Cleanup(func() { _ = sim.Close() })
	pem, err := wxsim.PublicKeyPEM(&keys.PlatformKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return &pkPay{sim: sim, mux: mux, conf: &conf.Wechat{
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testAppID, AppSecret: testAppSecret},
		Pay: &conf.Wechat_Pay{
			MchId: keys.MchID, MerchantSerial: keys.MerchantSerial,
			MerchantPrivateKey: dir + "/" + wxsim.MerchantKeyFile, Apiv3Key: keys.APIv3Key,
			PlatformPublicKeyId: keys.PublicKeyID, PlatformPublicKey: string(pem),
			NotifyBaseUrl: notifySrv.URL, ApiBaseUrl: simSrv.URL,
			Retry: &conf.Wechat_Pay_Retry{MaxAttempts: 1},
		},
	}}
}

// serve routes WeChat Pay's notifications to built's payment use cases, as the program does.
func (p *pkPay) serve(built *datatest.Stack) {
	p.uc = built.Payments
	n := wechatnotify.New(built.Decoder, built.Payments, testLogger)
	p.mux.Handle(payment.PaymentNotifyPath, n.Payment())
	p.mux.Handle(payment.RefundNotifyPath, n.Refund())
}

// refunds is how many refunds were asked of WeChat Pay; syncs how many were queried.
func (p *pkPay) refunds() int { return p.sim.Calls(wxsim.OpRefundCreate) }
func (p *pkPay) syncs() int   { return p.sim.Calls(wxsim.OpRefundQuery) }

// pkEnv is one batch with two items in one grid, served by leaders A and B.
type pkEnv struct {
	*stack
	built      *datatest.Stack // the program's wiring with WeChat Pay at the simulator
	db         *ent.Client
	orders     order.Repo
	pickup     *order.Pickup
	afterSales *order.AfterSales
	pay        *pkPay
	qr         *order.QRSigner
	grid       geo.Cell
	a, b       *leader.Leader
	batch      int
	items      [2]int // 草莓 2500 fen, 鸡蛋 1800 fen
	cfg        order.Config
	nextUser   int
}

const (
	pkLeaderUserA = 9001
	pkLeaderUserB = 9002
)

func newPkEnv(t *testing.T, db *sqldb.DB) *pkEnv {
	t.Helper()
	return newPkEnvIn(t, db, testenv.SingleRedis)
}

// newPkEnvIn is newPkEnv with the pickup guard on the Redis of mode.
func newPkEnvIn(t *testing.T, db *sqldb.DB, mode testenv.RedisMode) *pkEnv {
	t.Helper()
	s := newStackIn(t, db, mode)
	ctx := t.Context()
	e := &pkEnv{stack: s, db: db.Ent, nextUser: 100,
		cfg: order.Config{AfterSalesWindow: 48 * time.Hour, PickupOverdue: 72 * time.Hour}}
	qr, err := order.NewQRSigner([]byte("pickup-test-key-of-at-least-32-bytes!!"))
	if err != nil {
		t.Fatal(err)
	}
	e.qr = qr
	// Wired as the program wires it: the payment use cases tell the orders' listener, which
	// hands after-sales refunds to the after-sales refund applier.
	e.pay = newPkPay(t)
	cfg := s.config()
	cfg.Order, cfg.QR = e.cfg, qr
	built := s.build(s.clock.Now, e.pay.conf, cfg)
	e.pay.serve(built)
	e.built, e.orders, e.pickup, e.afterSales = built, built.Orders, built.Pickup, built.AfterSales
	if e.grid, err = geo.CellAt(peoplesSquare, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := built.Grids.Upsert(ctx, &leader.Grid{Cell: e.grid, Name: "人民广场", Serving: true,
		RouteLabel: "A线", StationLabel: "黄浦站"}); err != nil {
		t.Fatal(err)
	}
	pickupCell, err := geo.CellAt(peoplesSquare, 9)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(userID int64, name, invite string) *leader.Leader {
		l, err := built.Leaders.Create(ctx, &leader.Leader{UserID: userID, Status: leader.StatusApproved, RealName: "团长",
			Phone: "13800000000", InviteCode: invite, Point: leader.PickupPoint{Name: name, Address: name + "路1号",
				Location: peoplesSquare, OpeningHours: "08:00-20:00", PickupCell: pickupCell, GridCell: e.grid}})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	e.a, e.b = mk(pkLeaderUserA, "甲点", "INVA0001"), mk(pkLeaderUserB, "乙点", "INVB0001")
	now := s.clock.Now()
	b := db.Ent.Batch.Create().SetTitle("周五鲜果").SetStatus(entbatch.StatusDispatched).
		SetOpensAt(now.Add(-48 * time.Hour)).SetCutoffAt(now.Add(-24 * time.Hour)).
		SetPickupDate(time.Date(2026, 5, 2, 0, 0, 0, 0, bjtime.Zone)).SetCreatedBy(1).SaveX(ctx)
	e.batch = b.ID
	for i, it := range []struct {
		title string
		price int64
	}{{"草莓", 2500}, {"鸡蛋", 1800}} {
		e.items[i] = db.Ent.BatchItem.Create().SetBatchID(b.ID).SetSkuID(i + 1).SetProductID(i + 1).SetTitle(it.title).
			SetSpec("一份").SetUnit("份").SetListPrice(it.price + 500).SetPrice(it.price).SetQuota(1000).
			SetPerShopperLimit(0).SetCommissionBp(1000).SaveX(ctx).ID
	}
	db.Ent.BatchGrid.Create().SetBatchID(b.ID).SetGridCell(e.grid.String()).SaveX(ctx)
	return e
}

// pkOrder inserts an order of l in status with qty[i] units of item i, paid (with a pickup code)
// unless pending.
func (e *pkEnv) pkOrder(l *leader.Leader, status entorder.Status, qty ...int64) *ent.Order {
	e.t.Helper()
	ctx := e.t.Context()
	e.nextUser++
	prices := []int64{2500, 1800}
	var amount int64
	for i, q := range qty {
		amount += prices[i] * q
	}
	now := e.clock.Now()
	c := e.db.Order.Create().SetUserID(e.nextUser).SetLeaderID(int(l.ID)).SetBatchID(e.batch).
		SetGridCell(e.grid.String()).SetStatus(status).SetIdempotencyKey(fmt.Sprintf("key-%d", e.nextUser)).
		SetAmount(amount).SetPayAttempt(1).SetExpiresAt(now.Add(-47 * time.Hour))
	if status != entorder.StatusPendingPayment {
		code, err := order.NewPickupCode()
		if err != nil {
			e.t.Fatal(err)
		}
		c.SetPaidAt(now.Add(-47 * time.Hour)).SetPickupCode(code)
	}
	o := c.SaveX(ctx)
	for i, q := range qty {
		if q == 0 {
			continue
		}
		e.db.OrderLine.Create().SetOrderID(o.ID).SetItemID(e.items[i]).SetSkuID(i + 1).SetTitle("item").
			SetPrice(prices[i]).SetQuantity(q).SetAmount(prices[i] * q).SetCommissionBp(1000).SaveX(ctx)
	}
	return o
}

// paidOrder is pkOrder of a paid order whose money really went through WeChat Pay: prepaid
// through the payment use cases as its first attempt, paid on the "phone" at the simulator,
// and synced, so its payment row is paid and refunds can be asked of it.
func (e *pkEnv) paidOrder(l *leader.Leader, qty ...int64) *ent.Order {
	e.t.Helper()
	o := e.pkOrder(l, entorder.StatusPaid, qty...)
	ctx := e.t.Context()
	no := payment.OutTradeNo(int64(o.ID), 1)
	if _, err := e.pay.uc.Prepay(ctx, payment.PrepayInput{OutTradeNo: no, Description: "社区团购-周五鲜果",
		Amount: o.Amount, PayerOpenID: pkPayer, ExpiresAt: time.Now().Add(15 * time.Minute)}); err != nil {
		e.t.Fatalf("prepay %s: %v", no, err)
	}
	if _, err := e.pay.sim.Pay(no); err != nil {
		e.t.Fatalf("pay %s at the simulator: %v", no, err)
	}
	p, err := e.pay.uc.Sync(ctx, no)
	if err != nil || p.State != payment.StatePaid || p.Amount != o.Amount {
		e.t.Fatalf("sync %s: %+v, %v", no, p, err)
	}
	return o
}

// order reads an order through the real repository.
func (e *pkEnv) order(id int) *order.Order {
	e.t.Helper()
	o, err := e.orders.Get(e.t.Context(), int64(id))
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *pkEnv) status(id int) entorder.Status {
	e.t.Helper()
	return e.db.Order.GetX(e.t.Context(), id).Status
}

func (e *pkEnv) events(topic string) int {
	return e.count("SELECT count(*) FROM outbox_events WHERE topic = $1", topic)
}

func (e *pkEnv) batchStatus() entbatch.Status { return e.db.Batch.GetX(e.t.Context(), e.batch).Status }

// Arrival makes a point's paid orders ready exactly once, leaves one notice per order, and the
// batch arrives with its last waiting point; the lists read the same orders.
func TestPickupArrivalMakesOrdersReadyOnce(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPkEnv(t, open(t))
			ctx := t.Context()
			a1, a2 := e.pkOrder(e.a, entorder.StatusPaid, 2, 1), e.pkOrder(e.a, entorder.StatusPaid, 0, 3)
			a3 := e.pkOrder(e.a, entorder.StatusPaid, 1, 0)
			pending := e.pkOrder(e.a, entorder.StatusPendingPayment, 1, 0)
			b1 := e.pkOrder(e.b, entorder.StatusPaid, 4, 0)

			arr, err := e.pickup.ConfirmArrival(ctx, pkLeaderUserA, int64(e.batch))
			if err != nil || arr.OrdersReady != 3 || arr.MarkedBy != "leader:9001" || arr.LeaderID != e.a.ID {
				t.Fatalf("first arrival: %+v, %v", arr, err)
			}
			again, err := e.pickup.Arrive(ctx, int64(e.batch), e.a.ID, "ops:1")
			if err != nil || again.OrdersReady != 0 || again.MarkedBy != "leader:9001" || !again.ArrivedAt.Equal(arr.ArrivedAt) {
				t.Fatalf("second arrival: %+v, %v", again, err)
			}
			for _, o := range []*ent.Order{a1, a2, a3} {
				if st := e.status(o.ID); st != entorder.StatusReadyForPickup {
					t.Errorf("order %d is %s", o.ID, st)
				}
			}
			if st := e.status(pending.ID); st != entorder.StatusPendingPayment {
				t.Errorf("pending order is %s", st)
			}
			if n := e.count("SELECT count(*) FROM shopper_notices WHERE kind = 'arrived'"); n != 3 {
				t.Errorf("%d notices, want 3", n)
			}
			if n := e.events(order.TopicReady); n != 3 {
				t.Errorf("%d ready events, want 3", n)
			}
			if st := e.batchStatus(); st != entbatch.StatusDispatched {
				t.Errorf("batch is %s with B waiting", st)
			}
			ns, err := e.pickup.Notices(ctx, int64(a1.UserID), 0, 10)
			if err != nil || len(ns) != 1 || ns[0].OrderID != int64(a1.ID) || !strings.Contains(ns[0].Body, "甲点") {
				t.Errorf("notices of a1's shopper: %+v, %v", ns, err)
			}

			pl, err := e.pickup.PickList(ctx, pkLeaderUserA, int64(e.batch))
			if err != nil {
				t.Fatal(err)
			}
			if !pl.Arrived || len(pl.Bags) != 3 || len(pl.Totals) != 2 || pl.Totals[0].Qty != 3 || pl.Totals[0].Ready != 3 ||
				pl.Totals[1].Qty != 4 || pl.PickupDate != "2026-05-02" {
				t.Errorf("pick list of A: %+v", pl)
			}

			arr, err = e.pickup.Arrive(ctx, int64(e.batch), e.b.ID, "ops:1")
			if err != nil || arr.OrdersReady != 1 {
				t.Fatalf("arrival at B: %+v, %v", arr, err)
			}
			if st := e.batchStatus(); st != entbatch.StatusArrived {
				t.Errorf("batch is %s after the last arrival", st)
			}
			if st := e.status(b1.ID); st != entorder.StatusReadyForPickup {
				t.Errorf("B's order is %s", st)
			}

			dl, err := e.pickup.DispatchList(ctx, int64(e.batch), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(dl.Grids) != 1 {
				t.Fatalf("dispatch list: %+v", dl)
			}
			g := dl.Grids[0]
			if g.Name != "人民广场" || g.RouteLabel != "A线" || g.StationLabel != "黄浦站" || len(g.Stops) != 2 {
				t.Fatalf("grid: %+v", g)
			}
			if st := g.Stops[0]; st.LeaderID != e.a.ID || st.Orders != 3 || st.PointName != "甲点" || !st.Arrived ||
				len(st.Lines) != 2 || st.Lines[0].Qty != 3 || st.Lines[1].Qty != 4 {
				t.Errorf("stop A: %+v", st)
			}
			if len(g.Totals) != 2 || g.Totals[0].Qty != 7 || g.Totals[0].Title != "草莓" || g.Totals[1].Qty != 4 {
				t.Errorf("grid totals: %+v", g.Totals)
			}
			checkDispatchRoutes(t, e, dl)
		})
	}
}

// Arrivals marked at once for one point make its orders ready once; a batch not dispatched
// takes none.
func TestPickupConcurrentArrivalsAndState(t *testing.T) {
	t.Parallel()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	for range 5 {
		e.pkOrder(e.a, entorder.StatusPaid, 1, 1)
	}
	var ready atomic.Int64
	waitAll(t, 8, 30*time.Second, func(i int) {
		a, err := e.pickup.Arrive(ctx, int64(e.batch), e.a.ID, fmt.Sprintf("ops:%d", i))
		if err != nil {
			t.Errorf("arrival %d: %v", i, err)
			return
		}
		ready.Add(int64(a.OrdersReady))
	})
	if ready.Load() != 5 || e.events(order.TopicReady) != 5 {
		t.Errorf("orders made ready %d, events %d; want 5", ready.Load(), e.events(order.TopicReady))
	}
	if st := e.batchStatus(); st != entbatch.StatusArrived {
		t.Errorf("batch is %s", st)
	}

	e.db.Batch.UpdateOneID(e.batch).SetStatus(entbatch.StatusClosed).ExecX(ctx)
	if _, err := e.pickup.ConfirmArrival(ctx, pkLeaderUserB, int64(e.batch)); !refusedBy(err, presale.Lifecycle.Entity()) {
		t.Errorf("arrival of a closed batch: %v", err)
	}
	e.db.Batch.UpdateOneID(e.batch).SetStatus(entbatch.StatusOpen).ExecX(ctx)
	if _, err := e.pickup.PickList(ctx, pkLeaderUserA, int64(e.batch)); !refusedBy(err, presale.Lifecycle.Entity()) {
		t.Errorf("pick list of an open batch: %v", err)
	}
	if _, err := e.pickup.PickList(ctx, 12345, int64(e.batch)); !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("pick list of a user who is no leader: %v", err)
	}
}

// A pickup code hands its order out once, only at its own point; QR payloads likewise.
func TestPickupVerifyIsSingleUseAndScoped(t *testing.T) {
	t.Parallel()
	for _, mode := range testenv.RedisModes { // the guard's counters and locks live in Redis
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			testPickupVerifyIsSingleUseAndScoped(t, newPkEnvIn(t, openPostgres(t), mode))
		})
	}
}

func testPickupVerifyIsSingleUseAndScoped(t *testing.T, e *pkEnv) {
	ctx := t.Context()
	o1, o2, o3 := e.pkOrder(e.a, entorder.StatusPaid, 1, 0), e.pkOrder(e.a, entorder.StatusPaid, 0, 1),
		e.pkOrder(e.a, entorder.StatusPaid, 1, 1)
	early := e.pkOrder(e.b, entorder.StatusPaid, 1, 0)
	if _, err := e.pickup.Verify(ctx, pkLeaderUserB, *early.PickupCode, ""); !refusedBy(err, order.Lifecycle.Entity()) {
		t.Errorf("a paid order before arrival: %v", err)
	}
	if _, err := e.pickup.ConfirmArrival(ctx, pkLeaderUserA, int64(e.batch)); err != nil {
		t.Fatal(err)
	}

	if _, err := e.pickup.Verify(ctx, pkLeaderUserB, *o1.PickupCode, ""); !errors.Is(err, order.ErrPickupCode) {
		t.Errorf("another leader's code: %v", err)
	}
	if _, err := e.pickup.Verify(ctx, pkLeaderUserB, "", e.qr.Sign(int64(o2.ID), *o2.PickupCode)); !errors.Is(err, order.ErrPickupCode) {
		t.Errorf("another leader's QR: %v", err)
	}
	var won atomic.Int32
	waitAll(t, 6, 30*time.Second, func(int) {
		o, err := e.pickup.Verify(ctx, pkLeaderUserA, *o1.PickupCode, "")
		switch {
		case err == nil && o.Status == order.PickedUp:
			won.Add(1)
		case !errors.Is(err, order.ErrPickupCode):
			t.Errorf("concurrent verification: %v", err)
		}
	})
	if won.Load() != 1 || e.status(o1.ID) != entorder.StatusPickedUp || e.events(order.TopicPickedUp) != 1 {
		t.Errorf("winners %d, status %s, events %d", won.Load(), e.status(o1.ID), e.events(order.TopicPickedUp))
	}
	o, err := e.pickup.Verify(ctx, pkLeaderUserA, "", e.qr.Sign(int64(o2.ID), *o2.PickupCode))
	if err != nil || o.ID != int64(o2.ID) || o.PickedUpAt.IsZero() {
		t.Fatalf("QR: %+v, %v", o, err)
	}
	forged := e.qr.Sign(int64(o3.ID), *o3.PickupCode)
	forged = forged[:len(forged)-2] + "xx"
	for _, bad := range []struct{ code, qr string }{{"12345", ""}, {"000000000000", ""}, {"", forged},
		{"", e.qr.Sign(int64(o2.ID), *o2.PickupCode)}, {"", e.qr.Sign(int64(o3.ID), *o2.PickupCode)}} {
		if _, err := e.pickup.Verify(ctx, pkLeaderUserA, bad.code, bad.qr); !errors.Is(err, order.ErrPickupCode) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if st := e.status(o3.ID); st != entorder.StatusReadyForPickup {
		t.Errorf("o3 is %s", st)
	}

	// Guessing stops after a while: the failures so far count too.
	for range 30 {
		_, _ = e.pickup.Verify(ctx, pkLeaderUserA, "999999999999", "")
	}
	if _, err := e.pickup.Verify(ctx, pkLeaderUserA, *o3.PickupCode, ""); !errors.Is(err, bizerr.ErrRateLimited) {
		t.Errorf("after many failures: %v", err)
	}
	if _, err := e.pickup.Verify(ctx, pkLeaderUserB, "999999999999", ""); !errors.Is(err, order.ErrPickupCode) {
		t.Errorf("another leader is not limited: %v", err)
	}
}

// Parallel wrong codes of one leader are checked no more often than sequential ones: the limit
// is counted in the same step that lets an attempt through. A handed-out order does not count.
func TestPickupVerifyLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	good := e.pkOrder(e.a, entorder.StatusPaid, 1, 0)
	if _, err := e.pickup.ConfirmArrival(ctx, pkLeaderUserA, int64(e.batch)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pickup.Verify(ctx, pkLeaderUserA, *good.PickupCode, ""); err != nil {
		t.Fatalf("a right code: %v", err)
	}
	var checked, limited atomic.Int32
	waitAll(t, 60, 60*time.Second, func(int) {
		_, err := e.pickup.Verify(ctx, pkLeaderUserA, "999999999999", "")
		switch {
		case errors.Is(err, order.ErrPickupCode):
			checked.Add(1)
		case errors.Is(err, bizerr.ErrRateLimited):
			limited.Add(1)
		default:
			t.Errorf("a wrong code: %v", err)
		}
	})
	if checked.Load() != 30 || limited.Load() != 30 {
		t.Errorf("of 60 parallel wrong codes %d were checked and %d refused; want 30 and 30",
			checked.Load(), limited.Load())
	}
}

// The guard's claim is one atomic step in Redis: of 60 parallel claims exactly the limit pass,
// and a returned attempt makes room for exactly one more.
func TestPickupGuardClaimsAtomically(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	g := orderstore.NewPickupGuard(s.rdb, s.prefix)
	ctx := t.Context()
	var passed atomic.Int32
	waitAll(t, 60, 30*time.Second, func(int) {
		ok, err := g.ClaimAttempt(ctx, 7, 30, time.Minute)
		if err != nil {
			t.Error(err)
		}
		if ok {
			passed.Add(1)
		}
	})
	if passed.Load() != 30 {
		t.Fatalf("%d of 60 claims passed a limit of 30", passed.Load())
	}
	if err := g.ReturnAttempt(ctx, 7); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		if ok, err := g.ClaimAttempt(ctx, 7, 30, time.Minute); err != nil || ok != want {
			t.Errorf("claim %d after a return: %v, %v; want %v", i, ok, err, want)
		}
	}
	if ok, err := g.ClaimAttempt(ctx, 8, 30, time.Minute); err != nil || !ok {
		t.Errorf("another leader: %v, %v", ok, err)
	}
	ttl, err := s.rdb.PTTL(ctx, string(s.prefix.Key("pickup", "fail", "7"))).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("the count's window: %v, %v", ttl, err)
	}
}

// The sweeper flags overdue orders once, completes picked-up orders after the window (not while
// an after-sales request is open), makes late-paid orders ready, and completes the batch.
func TestPickupTick(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newPkEnv(t, open(t))
			ctx := t.Context()
			o1, o2, o3 := e.pkOrder(e.a, entorder.StatusPaid, 1, 0), e.pkOrder(e.a, entorder.StatusPaid, 2, 0),
				e.pkOrder(e.a, entorder.StatusPaid, 0, 1)
			if _, err := e.pickup.ConfirmArrival(ctx, pkLeaderUserA, int64(e.batch)); err != nil {
				t.Fatal(err)
			}
			if st := e.batchStatus(); st != entbatch.StatusArrived {
				t.Fatalf("batch is %s", st)
			}
			late := e.pkOrder(e.a, entorder.StatusPaid, 1, 0) // paid after the arrival
			for _, o := range []*ent.Order{o1, o2} {
				if _, err := e.pickup.Verify(ctx, pkLeaderUserA, *o.PickupCode, ""); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.afterSales.Request(ctx, int64(o2.UserID), int64(o2.ID), nil, "坏了一个"); err != nil {
				t.Fatal(err)
			}

			if err := e.pickup.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if st := e.status(late.ID); st != entorder.StatusReadyForPickup {
				t.Errorf("late-paid order is %s", st)
			}
			e.clock.Advance(73 * time.Hour)
			if err := e.pickup.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if st := e.status(o1.ID); st != entorder.StatusCompleted {
				t.Errorf("o1 is %s after the window", st)
			}
			if st := e.status(o2.ID); st != entorder.StatusPickedUp {
				t.Errorf("o2 with an open request is %s", st)
			}
			if n := e.events(order.TopicCompleted); n != 1 {
				t.Errorf("%d completed events", n)
			}
			over, err := e.pickup.Overdue(ctx, 0, 10)
			if err != nil || len(over) != 2 || over[0].ID != int64(o3.ID) || over[0].OverdueAt.IsZero() || len(over[0].Lines) != 1 {
				t.Fatalf("overdue: %+v, %v", over, err)
			}
			flagged := over[0].OverdueAt
			e.clock.Advance(time.Hour)
			if err := e.pickup.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if again, _ := e.pickup.Overdue(ctx, 0, 10); !again[0].OverdueAt.Equal(flagged) {
				t.Errorf("overdue_at moved: %v → %v", flagged, again[0].OverdueAt)
			}
			if page, _ := e.pickup.Overdue(ctx, int64(o3.ID), 10); len(page) != 1 || page[0].ID != int64(late.ID) {
				t.Errorf("next page: %+v", page)
			}

			// The rest is handed out, the request rejected: everything completes, then the batch.
			for _, o := range []*ent.Order{o3, late} {
				if _, err := e.pickup.Verify(ctx, pkLeaderUserA, *o.PickupCode, ""); err != nil {
					t.Fatal(err)
				}
			}
			mine, _ := e.afterSales.Mine(ctx, int64(o2.UserID), 0, 10)
			if _, err := e.afterSales.Review(ctx, 1, mine[0].ID, false, "照片看不出问题"); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(49 * time.Hour)
			if err := e.pickup.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if st := e.batchStatus(); st != entbatch.StatusCompleted {
				t.Errorf("batch is %s", st)
			}
			if n := e.events(order.TopicCompleted); n != 4 {
				t.Errorf("%d completed events, want 4", n)
			}
			bs, err := e.pickup.MyBatches(ctx, pkLeaderUserA, 0, 10)
			if err != nil || len(bs) != 1 || bs[0].ID != int64(e.batch) || len(bs[0].Items) != 2 {
				t.Errorf("A's batches: %+v, %v", bs, err)
			}
			if bs, _ := e.pickup.MyBatches(ctx, pkLeaderUserB, 0, 10); len(bs) != 0 {
				t.Errorf("B's batches: %+v", bs)
			}
		})
	}
}

// refusedBy reports whether err is a move or action that entity's life cycle refused.
func refusedBy(err error, entity string) bool {
	var te *lifecycle.TransitionError
	return errors.As(err, &te) && errors.Is(err, lifecycle.ErrRefused) && te.Entity == entity
}

// checkDispatchRoutes: the batch's route index counts what the whole list holds, one route's
// list is that grid's part of it, another cell's is empty, and a cell too long is refused.
func checkDispatchRoutes(t *testing.T, e *pkEnv, all *order.DispatchList) {
	t.Helper()
	ctx := t.Context()
	g := all.Grids[0]
	idx, err := e.pickup.DispatchRoutes(ctx, int64(e.batch))
	if err != nil {
		t.Fatal(err)
	}
	var orders int64
	for _, st := range g.Stops {
		orders += st.Orders
	}
	if len(idx.Routes) != 1 || idx.PickupDate != all.PickupDate {
		t.Fatalf("routes: %+v", idx)
	}
	if r := idx.Routes[0]; r.Cell != g.Cell || r.Name != g.Name || r.RouteLabel != g.RouteLabel ||
		r.StationLabel != g.StationLabel || r.Stops != int64(len(g.Stops)) || r.Orders != orders {
		t.Errorf("route %+v, the list's grid %+v", r, g)
	}
	one, err := e.pickup.DispatchList(ctx, int64(e.batch), g.Cell)
	if err != nil || len(one.Grids) != 1 || !reflect.DeepEqual(one.Grids[0], g) {
		t.Errorf("route %s alone: %+v, %v", g.Cell, one, err)
	}
	none, err := e.pickup.DispatchList(ctx, int64(e.batch), "8731aa000ffffff")
	if err != nil || len(none.Grids) != 0 || len(none.Totals) != 0 {
		t.Errorf("a cell the batch does not serve: %+v, %v", none, err)
	}
	var invalid *bizerr.InvalidError
	if _, err := e.pickup.DispatchList(ctx, int64(e.batch), strings.Repeat("8", 17)); !errors.As(err, &invalid) || invalid.Field != "grid_cell" {
		t.Errorf("a cell of 17 characters: %v", err)
	}
}
