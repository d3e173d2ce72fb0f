package data_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/ent/payment"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	bizpay "github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// stClientTimeout bounds each call to the simulator, so that a slow answer is a timeout.
const stClientTimeout = 300 * time.Millisecond

// stEnv is settlement on the real database, the ledger and commission flows, and the WeChat
// simulator through the official SDK.
type stEnv struct {
	*stack
	built   *datatest.Stack
	db      *ent.Client
	sim     *wxsim.Simulator
	client  *wechatpay.Client
	flows   *commission.Flows
	views   *commission.Views
	book    *ledger.Ledger
	store   *settlementstore.SettlementStore
	cfg     settlement.Config
	grid    geo.Cell
	leaders []*leader.Leader
	openid  map[int64]string
	batch   int
	item    int
	events  int64
	orders  int
	// dsn and wechat let a worker in another process join (the subprocess test).
	dsn    string
	wechat *conf.Wechat
}

// newStEnv builds the environment with n leaders, every third recruited by the one before
// (level-1 override 5%), each registered as a receiver at the simulator.
func newStEnv(t *testing.T, n int, simCfg func(*wxsim.PayConfig)) *stEnv {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	s := newStack(t, openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: maxConns}))
	ctx := t.Context()
	e := &stEnv{stack: s, db: s.db.Ent, openid: map[int64]string{}, dsn: dsn}
	keys := pkPayKeys(t)
	pc := keys.PayConfig()
	pc.RefundDelay, pc.SharingDelay = 0, 0
	if simCfg != nil {
		simCfg(&pc)
	}
	sim, err := wxsim.Open(wxsim.Config{Apps: map[string]string{testAppID: testAppSecret}, Pay: pc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = sim.Close() })
	pem, err := wxsim.PublicKeyPEM(&keys.PlatformKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	e.sim = sim
	e.wechat = &conf.Wechat{
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testAppID, AppSecret: testAppSecret},
		Pay: &conf.Wechat_Pay{MchId: keys.MchID, MerchantSerial: keys.MerchantSerial,
			MerchantPrivateKey: dir + "/" + wxsim.MerchantKeyFile, Apiv3Key: keys.APIv3Key,
			PlatformPublicKeyId: keys.PublicKeyID, PlatformPublicKey: string(pem), ApiBaseUrl: srv.URL,
			NotifyBaseUrl: "http://127.0.0.1:1",
			Retry:         &conf.Wechat_Pay_Retry{MaxAttempts: 1}},
	}
	e.cfg = stConfig(t)
	cfg := s.config()
	cfg.Commission = commission.Config{Levels: 2, CapBP: commission.DefaultCapBP}
	cfg.Settlement = e.cfg
	e.built = s.build(s.clock.Now, e.wechat, cfg)
	e.client, e.book, e.flows, e.views = e.built.WechatPay, e.built.Ledger, e.built.Flows, e.built.Views
	e.store = e.built.SettlementStore
	e.setupCommerce(t, n)
	if _, err := e.built.CommissionStore.CreatePlan(ctx, &commission.Plan{Rates: []int{500}, EffectiveFrom: s.clock.Now().Add(-90 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return e
}

func stConfig(t *testing.T) settlement.Config {
	cfg := settlement.Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour, MaxRatioBP: 3000,
		FeeBP: 60, Concurrency: 8, ClaimBatch: 32, PollAfter: time.Millisecond, RetryAfter: time.Millisecond,
		RetryMax: 10 * time.Millisecond, Lease: time.Minute, SelectBatch: 500, FinishBatch: 64}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// setupCommerce makes the grid, the leaders (users with openids), their receivers and a batch.
func (e *stEnv) setupCommerce(t *testing.T, n int) {
	ctx := t.Context()
	var err error
	if e.grid, err = geo.CellAt(peoplesSquare, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := e.built.Grids.Upsert(ctx, &leader.Grid{Cell: e.grid, Name: "人民广场", Serving: true}); err != nil {
		t.Fatal(err)
	}
	pickupCell, _ := geo.CellAt(peoplesSquare, 9)
	repo := e.built.Leaders
	for i := range n {
		openid := fmt.Sprintf("oLeader%04d", i)
		u := e.db.User.Create().SetOpenid(openid).SetRoles([]string{"leader"}).SaveX(ctx)
		l := &leader.Leader{UserID: int64(u.ID), Status: leader.StatusApproved, RealName: "团长", Phone: "13800000000",
			InviteCode: fmt.Sprintf("INV%05d", i), Point: leader.PickupPoint{Name: "点", Address: "路1号",
				Location: peoplesSquare, OpeningHours: "08:00-20:00", PickupCell: pickupCell, GridCell: e.grid}}
		if i%3 == 1 {
			l.Upline = []int64{e.leaders[i-1].ID}
		}
		if l, err = repo.Create(ctx, l); err != nil {
			t.Fatal(err)
		}
		e.leaders = append(e.leaders, l)
		e.openid[l.ID] = openid
		e.register(t, l.ID)
	}
	now := e.clock.Now()
	b := e.db.Batch.Create().SetTitle("周五鲜果").SetStatus(entbatch.StatusDispatched).
		SetOpensAt(now.Add(-96 * time.Hour)).SetCutoffAt(now.Add(-72 * time.Hour)).
		SetPickupDate(time.Date(2026, 5, 2, 0, 0, 0, 0, bjtime.Zone)).SetCreatedBy(1).SaveX(ctx)
	e.batch = b.ID
	e.item = e.db.BatchItem.Create().SetBatchID(b.ID).SetSkuID(1).SetProductID(1).SetTitle("草莓").SetSpec("一份").
		SetUnit("份").SetListPrice(3000).SetPrice(2500).SetQuota(1 << 30).SetPerShopperLimit(0).SetCommissionBp(1000).SaveX(ctx).ID
}

// register adds the leader as a receiver at WeChat and records the registration done.
func (e *stEnv) register(t *testing.T, leaderID int64) {
	err := e.client.AddReceiver(t.Context(), bizpay.Receiver{Type: bizpay.ReceiverPersonalOpenID,
		Account: e.openid[leaderID], Relation: bizpay.RelationDistributor})
	if err != nil {
		t.Fatal(err)
	}
	e.db.ReceiverRegistration.Create().SetLeaderID(int(leaderID)).SetOp("add").SetReceiverType(bizpay.ReceiverPersonalOpenID).
		SetAccount(e.openid[leaderID]).SetRelationType(bizpay.RelationDistributor).SetState("done").
		SetNextAttemptAt(e.clock.Now()).SaveX(t.Context())
}

// paidOrder makes a paid order of l with units at 2500 fen and the line's commission rate,
// paid paidAgo ago in a profit-sharing transaction at the simulator, and credits it.
func (e *stEnv) paidOrder(t *testing.T, l *leader.Leader, units int64, bp int, paidAgo time.Duration) *ent.Order {
	ctx := t.Context()
	e.orders++
	paidAt := e.clock.Now().Add(-paidAgo)
	amount := 2500 * units
	o := e.db.Order.Create().SetUserID(100000 + e.orders).SetLeaderID(int(l.ID)).SetBatchID(e.batch).
		SetGridCell(e.grid.String()).SetStatus(entorder.StatusCompleted).SetIdempotencyKey(fmt.Sprintf("st-%d", e.orders)).
		SetAmount(amount).SetPayAttempt(1).SetExpiresAt(paidAt).SetPaidAt(paidAt).SaveX(ctx)
	e.db.OrderLine.Create().SetOrderID(o.ID).SetItemID(e.item).SetSkuID(1).SetTitle("草莓").SetPrice(2500).
		SetQuantity(units).SetAmount(amount).SetCommissionBp(bp).SaveX(ctx)
	no := bizpay.OutTradeNo(int64(o.ID), 1)
	txid, err := e.sim.AddPaidTransaction(wxsim.PaidTransaction{OutTradeNo: no, Total: amount,
		PayerOpenID: "oShopper0001", ProfitSharing: true})
	if err != nil {
		t.Fatal(err)
	}
	e.db.Payment.Create().SetOutTradeNo(no).SetDescription("社区团购").SetAmount(amount).SetPayerOpenid("oShopper0001").
		SetProfitSharing(true).SetState(payment.StatePaid).SetTransactionID(txid).SetPaidAt(paidAt).SaveX(ctx)
	e.deliver(t, e.flows.OnPaid, order.Changed{OrderID: int64(o.ID)})
	return o
}

// refund refunds units of the order at WeChat and in the records, and reverses its commission.
func (e *stEnv) refund(t *testing.T, o *ent.Order, units int64) {
	ctx := t.Context()
	line := e.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).OnlyX(ctx)
	amount := 2500 * units
	no := bizpay.OutTradeNo(int64(o.ID), 1)
	rno := bizpay.OutRefundNo(int64(o.ID), line.RefundedQuantity+1)
	r, err := e.client.Refund(ctx, bizpay.RefundInput{OutRefundNo: rno, OutTradeNo: no, Amount: amount, Total: o.Amount, Reason: "售后"})
	if err != nil {
		t.Fatal(err)
	}
	e.db.PaymentRefund.Create().SetOutRefundNo(rno).SetOutTradeNo(no).SetAmount(amount).SetTotal(o.Amount).
		SetState("success").SetRefundID(r.RefundID).SetSuccessAt(e.clock.Now()).SaveX(ctx)
	e.db.Payment.Update().Where(payment.OutTradeNo(no)).AddRefunded(amount).ExecX(ctx)
	e.db.OrderLine.UpdateOne(line).AddRefundedQuantity(units).AddRefundedAmount(amount).ExecX(ctx)
	e.deliver(t, e.flows.OnRefunded, order.Changed{OrderID: int64(o.ID), RefundNo: rno, RefundAmount: amount})
}

func (e *stEnv) complete(t *testing.T, o *ent.Order) {
	e.deliver(t, e.flows.OnCompleted, order.Changed{OrderID: int64(o.ID)})
}

func (e *stEnv) deliver(t *testing.T, h func(context.Context, event.Event) error, ch order.Changed) {
	t.Helper()
	e.events++
	if err := h(t.Context(), commissionEvent(t, e.events, ch)); err != nil {
		t.Fatal(err)
	}
}

// usecase is a settlement use case as one process would build it: as the settle command
// does, on the database and its own WeChat Pay client.
func (e *stEnv) usecase() *settlement.Usecase {
	e.t.Helper()
	f, err := datatest.BuildFinance(e.data, e.clock.Now, e.wechat, e.cfg, testLogger)
	if err != nil {
		e.t.Fatalf("build settlement: %v", err)
	}
	return f.Settlement
}

// settle starts a run at now and works it to the end with uc.
func (e *stEnv) settle(t *testing.T, uc *settlement.Usecase) *settlement.RunView {
	t.Helper()
	ctx := t.Context()
	e.clock.Advance(time.Second) // a later cut-off: another run, not this one's again
	r, err := uc.Start(ctx, settlement.StartInput{Cutoff: e.clock.Now(), Trigger: settlement.TriggerFinance})
	if err != nil {
		t.Fatal(err)
	}
	return e.finish(t, uc, r.ID)
}

// finish works a run until it is done.
func (e *stEnv) finish(t *testing.T, uc *settlement.Usecase, runID int64) *settlement.RunView {
	t.Helper()
	for range 10000 {
		if _, err := uc.Round(t.Context()); err != nil {
			t.Logf("round: %v", err)
		}
		v, err := uc.Get(t.Context(), runID)
		if err != nil {
			t.Fatal(err)
		}
		if v.State == settlement.RunDone {
			return v
		}
		e.clock.Advance(10 * time.Millisecond)
	}
	t.Fatalf("run %d did not finish", runID)
	return nil
}

// checkBooks asserts that every leader's wallet at WeChat holds what the ledger says it was
// paid, that the ledger checks out, and returns the total paid.
func (e *stEnv) checkBooks(t *testing.T) int64 {
	t.Helper()
	ctx := t.Context()
	wallets := e.sim.SharedTotals()
	var total int64
	for _, l := range e.leaders {
		b, err := e.views.Balance(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := wallets[e.openid[l.ID]]; got != b.Settled {
			t.Errorf("leader %d: WeChat paid %d, ledger settled %d", l.ID, got, b.Settled)
		}
		total += b.Settled
	}
	rep, err := e.book.Check(ctx)
	if err != nil || !rep.OK() || rep.TrialBalance != 0 {
		t.Fatalf("ledger check = %+v, %v", rep, err)
	}
	return total
}

func randomBP(r *rand.Rand) int { return 500 + 100*r.IntN(16) } // 5%–20%
