package data_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entcoupon "github.com/groupbuy/groupbuy/ent/coupon"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// prEnv is checkout with promotions as the program builds it, on PostgreSQL, Redis and the
// WeChat Pay simulator, with the test's clock: one open batch of three items (A 1500 fen, B 2000,
// C 800, each at 10% commission) in one grid served by one leader, and shoppers bound to it.
type prEnv struct {
	*stack
	built  *datatest.Stack
	pay    *pkPay
	db     *ent.Client
	leader *leader.Leader
	batch  *presale.Batch
	a, b   presale.Item
	gift   presale.Item
}

const prCutoff = 3 * time.Hour

// newPrEnv builds the environment with the stock counter named; policy adjusts the policy.
func newPrEnv(t *testing.T, counter string, policy ...func(*datatest.Config)) *prEnv {
	t.Helper()
	db := openPostgres(t)
	s := newStackIn(t, db, testenv.SingleRedis)
	ctx := t.Context()
	e := &prEnv{stack: s, db: db.Ent, pay: newPkPay(t)}
	cfg := s.config()
	cfg.Order = order.Config{OrderTTL: 15 * time.Minute, CheckoutDeadline: 2 * time.Second, AfterSalesWindow: 48 * time.Hour}
	cfg.Checkout = &conf.Checkout{StockCounter: counter}
	cfg.Commission = commission.Config{Levels: 2, CapBP: commission.DefaultCapBP}
	qr, err := order.NewQRSigner([]byte("pickup-test-key-of-at-least-32-bytes!!"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.QR = qr
	for _, p := range policy {
		p(&cfg)
	}
	e.built = s.build(s.clock.Now, e.pay.conf, cfg)
	e.pay.serve(e.built)
	cell, err := geo.CellAt(peoplesSquare, geo.DefaultGridRes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.built.Grids.Upsert(ctx, &leader.Grid{Cell: cell, Name: "人民广场", Serving: true}); err != nil {
		t.Fatal(err)
	}
	pickupCell, err := geo.CellAt(peoplesSquare, 9)
	if err != nil {
		t.Fatal(err)
	}
	e.leader, err = e.built.Leaders.Create(ctx, &leader.Leader{UserID: 9001, Status: leader.StatusApproved, RealName: "团长",
		Phone: "13800000000", InviteCode: "INVP0001", Point: leader.PickupPoint{Name: "东门", Address: "人民大道1号",
			Location: peoplesSquare, OpeningHours: "08:00-20:00", PickupCell: pickupCell, GridCell: cell}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	item := func(sku int64, title string, price int64) presale.Item {
		return presale.Item{SKUID: sku, ProductID: sku, Title: title, Spec: "一份", Unit: "份", ListPrice: price + 500,
			Price: price, Quota: 100, CommissionBP: 1000}
	}
	b, err := e.built.Batches.Create(ctx, &presale.Batch{Title: "周末鲜果", Status: presale.Scheduled,
		OpensAt: now.Add(-time.Minute), CutoffAt: now.Add(prCutoff), PickupDate: now.Add(48 * time.Hour), CreatedBy: 1,
		Items: []presale.Item{item(1, "草莓", 1500), item(2, "鸡蛋", 2000), item(3, "小番茄", 800)},
		Grids: []geo.Cell{cell}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.built.Keeper.Rebuild(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	s.exec(`UPDATE batches SET status = 'open' WHERE id = $1`, b.ID)
	b.Status = presale.Open
	e.batch, e.a, e.b, e.gift = b, b.Items[0], b.Items[1], b.Items[2]
	return e
}

// shopper makes a shopper with an openid, bound to the leader.
func (e *prEnv) shopper(n int) int64 {
	u := e.db.User.Create().SetOpenid(fmt.Sprintf("oPromoShopper%017d", n)).SetRoles([]string{"shopper"}).
		SaveX(e.t.Context())
	e.exec(`INSERT INTO leader_bindings (user_id, leader_id, bound_at) VALUES ($1, $2, now())`, u.ID, e.leader.ID)
	return int64(u.ID)
}

// coupon issues the shopper a coupon valid for validFor from now.
func (e *prEnv) coupon(user int64, d promo.Discount, by promo.Funder, validFor time.Duration) *promo.Coupon {
	now := e.clock.Now()
	c, _, err := e.built.Coupons.Issue(e.t.Context(), &promo.Coupon{TemplateID: 1, UserID: user, Seq: 1,
		IssueKey: promo.ClaimKey(1, user, 1), Most: d.Most(), State: promo.CouponAvailable,
		Rules:     promo.Rules{Name: "券", Discount: d, Scope: promo.Scope{Kind: promo.ScopeAll}, FundedBy: by},
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(validFor), ClaimedAt: now.Add(-time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// activity starts a 满减 of tiers over everything.
// activity starts a 满减 through the activity store, as ops would (which also drops the store's
// cache of the activities that apply).
func (e *prEnv) activity(scope promo.Scope, window time.Duration, tiers ...promo.Tier) {
	e.t.Helper()
	now := e.clock.Now()
	_, err := e.built.PromoStore.CreateActivity(e.t.Context(), &promo.Activity{Name: "满减", Scope: scope,
		Window: promo.Window{From: now.Add(-time.Hour), Until: now.Add(window)}, Tiers: tiers,
		Status: promo.ActivityActive, CreatedBy: 1})
	if err != nil {
		e.t.Fatal(err)
	}
}

// cart is 2 × A and 1 × B at the prices shown: 5000 fen.
func (e *prEnv) cart() []order.LineInput {
	return []order.LineInput{{ItemID: e.a.ID, Qty: 2, Price: e.a.Price}, {ItemID: e.b.ID, Qty: 1, Price: e.b.Price}}
}

func (e *prEnv) couponState(id int64) (promo.CouponState, int64) {
	c := e.db.Coupon.GetX(e.t.Context(), int(id))
	var orderID int64
	if c.OrderID != nil {
		orderID = int64(*c.OrderID)
	}
	return promo.CouponState(c.State), orderID
}

// payOrder pays the order at the simulator as the phone would and waits for the notification
// to mark it paid; it returns what WeChat was asked to collect.
func (e *prEnv) payOrder(user int64, o *order.Order) int64 {
	e.t.Helper()
	ctx := e.t.Context()
	if _, err := e.built.Checkout.Pay(ctx, user, o.ID); err != nil {
		e.t.Fatal(err)
	}
	no := payment.OutTradeNo(o.ID, o.PayAttempt)
	txn, err := e.pay.sim.Transaction(no)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pay.sim.Pay(no); err != nil {
		e.t.Fatal(err)
	}
	e.await(o.ID, order.Paid)
	return txn.Total
}

func (e *prEnv) await(id int64, want order.Status) *order.Order {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := e.built.Orders.Get(e.t.Context(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if o.Status == want {
			return o
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("order %d is %s, want %s", id, o.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled waits until a paid order's notification has arrived (paid, or refunding when a
// cancellation found it paid) and returns its status.
func (e *prEnv) settled(id int64) order.Status {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := e.built.Orders.Get(e.t.Context(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if o.Status == order.Paid || o.Status == order.Refunding {
			return o.Status
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("order %d is still %s", id, o.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// credit runs the order.paid handler of commission and returns the leader's pending commission.
func (e *prEnv) credit(id int64) int64 {
	e.t.Helper()
	ctx := e.t.Context()
	if err := e.built.Flows.OnPaid(ctx, commissionEvent(e.t, id, order.Changed{OrderID: id})); err != nil {
		e.t.Fatal(err)
	}
	b, err := e.built.Views.Balance(ctx, e.leader.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return b.Pending
}

func (e *prEnv) trialBalanceZero() {
	e.t.Helper()
	if _, total, err := e.built.Views.TrialBalance(e.t.Context()); err != nil || total != 0 {
		e.t.Fatalf("trial balance = %d, %v", total, err)
	}
	rep, err := e.built.Ledger.Check(e.t.Context())
	if err != nil || !rep.OK() {
		e.t.Fatalf("ledger check = %+v, %v", rep, err)
	}
}

// An order of 5000 fen reaching 满50减8 with a coupon of ¥10 off above ¥30: the 满减 is
// allocated 3000:2000 (480, 320), the coupon over what is left 2520:1680 (600, 400). The quote
// and the order agree, the lines are stored with their parts, WeChat collects 3200 fen, paying
// uses the coupon, commission is 10% of what each line paid, and a full refund before the
// cut-off gives the coupon back, reverses all of the commission and leaves the ledger balanced.
func TestCheckoutWithPromotionsStoresAndPaysTheAllocatedAmounts(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	e.activity(promo.Scope{Kind: promo.ScopeAll}, 24*time.Hour, promo.Tier{Threshold: 3000, Off: 300}, promo.Tier{Threshold: 5000, Off: 800})
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 1000, Threshold: 3000}, promo.FundedByPlatform, 24*time.Hour)

	q, err := e.built.Checkout.Quote(ctx, user, order.QuoteInput{BatchID: e.batch.ID, Lines: e.cart(), BestCoupon: true})
	if err != nil {
		t.Fatal(err)
	}
	if q.Amount != 3200 || q.PromoOff != 800 || q.CouponOff != 1000 || q.CouponID != cp.ID || q.ActivityID == 0 ||
		q.Tier.Threshold != 5000 {
		t.Fatalf("quote %+v", q)
	}
	// A payable other than the quote's is refused, and nothing is written.
	_, err = e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "promo-order-0", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID, ExpectedAmount: 3300})
	var amountErr *order.AmountError
	if !errors.As(err, &amountErr) || amountErr.Amount != 3200 {
		t.Fatalf("expected 3300: %v", err)
	}
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "promo-order-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID, ExpectedAmount: q.Amount})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.built.Orders.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]int64{{480, 600, 1920}, {320, 400, 1280}}
	for i, l := range stored.Lines {
		if got := [3]int64{l.PromoOff, l.CouponOff, l.Amount}; got != want[i] {
			t.Fatalf("line %d stored %v, want %v", i, got, want[i])
		}
	}
	if stored.Amount != 3200 || stored.PromoOff != 800 || stored.CouponOff != 1000 || stored.CouponID != cp.ID ||
		stored.ActivityID != q.ActivityID {
		t.Fatalf("order stored %+v", stored)
	}
	if st, by := e.couponState(cp.ID); st != promo.CouponLocked || by != o.ID {
		t.Fatalf("coupon %s by order %d after checkout", st, by)
	}
	if collected := e.payOrder(user, o); collected != 3200 {
		t.Fatalf("WeChat collected %d fen, want 3200", collected)
	}
	if st, _ := e.couponState(cp.ID); st != promo.CouponUsed {
		t.Fatalf("coupon %s after payment", st)
	}
	if c := e.db.Coupon.GetX(ctx, int(cp.ID)); c.Discount != 1000 {
		t.Fatalf("coupon records a discount of %d", c.Discount)
	}
	if pending := e.credit(o.ID); pending != 192+128 {
		t.Fatalf("commission %d, want 10%% of 1920 and 1280", pending)
	}
	// Cancelled before the cut-off: refunded in full; the coupon comes back with the money.
	if _, err := e.built.Checkout.Cancel(ctx, user, o.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.pay.sim.CompleteRefund(payment.OutRefundNo(o.ID, 0)); err != nil {
		t.Fatal(err)
	}
	e.await(o.ID, order.Refunded)
	if st, by := e.couponState(cp.ID); st != promo.CouponAvailable || by != 0 {
		t.Fatalf("coupon %s by order %d after the whole refund", st, by)
	}
	refunded := commissionEvent(t, 2, order.Changed{OrderID: o.ID, RefundNo: payment.OutRefundNo(o.ID, 0), RefundAmount: 3200})
	if err := e.built.Flows.OnRefunded(ctx, refunded); err != nil {
		t.Fatal(err)
	}
	if b, _ := e.built.Views.Balance(ctx, e.leader.ID); b.Pending != 0 {
		t.Fatalf("after the whole refund %d pending", b.Pending)
	}
	e.trialBalanceZero()
}

// Fifty checkouts of one shopper name one coupon at once: exactly one order holds it; the 49
// others are refused for the coupon, leave no order, and take no stock. With both counters.
func TestConcurrentCheckoutsNamingOneCouponMakeOneOrder(t *testing.T) {
	for _, counter := range []string{"redis", "database"} {
		t.Run(counter, func(t *testing.T) {
			e := newPrEnv(t, counter)
			user := e.shopper(1)
			cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 500}, promo.FundedByPlatform, time.Hour)
			const n = 50
			var wg sync.WaitGroup
			var mu sync.Mutex
			var placed []*order.Order
			refused := 0
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o, err := e.built.Checkout.Place(context.Background(), user, order.PlaceInput{
						Key: fmt.Sprintf("coupon-race-%02d", i), BatchID: e.batch.ID, CouponID: cp.ID,
						Lines: []order.LineInput{{ItemID: e.a.ID, Qty: 1, Price: e.a.Price}}})
					mu.Lock()
					defer mu.Unlock()
					var ce *promo.CouponError
					switch {
					case err == nil:
						placed = append(placed, o)
					case errors.As(err, &ce) && errors.Is(err, promo.ErrCouponNotUsable):
						refused++
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if len(placed) != 1 || refused != n-1 {
				t.Fatalf("%d placed, %d refused for the coupon", len(placed), refused)
			}
			if st, by := e.couponState(cp.ID); st != promo.CouponLocked || by != placed[0].ID {
				t.Fatalf("coupon %s by %d, want locked by %d", st, by, placed[0].ID)
			}
			if k := e.count(`SELECT count(*) FROM orders`); k != 1 {
				t.Fatalf("%d orders written", k)
			}
			left, err := e.built.Counter.Remaining(t.Context(), e.batch)
			if err != nil || left[e.a.ID] != e.a.Quota-1 {
				t.Fatalf("%v left of item A (%v), want %d", left, err, e.a.Quota-1)
			}
			if placed[0].Amount != e.a.Price-500 || placed[0].Lines[0].CouponOff != 500 {
				t.Fatalf("order %+v", placed[0])
			}
		})
	}
}

// An unpaid order cancelled by its shopper gives its coupon back, usable again by the next order;
// while the order holds it, a retry of the order finds it and another order is refused.
func TestCancelledUnpaidOrderReleasesItsCoupon(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 500}, promo.FundedByPlatform, time.Hour)
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "cancel-me-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID})
	if err != nil {
		t.Fatal(err)
	}
	// A retry finds its order, though the coupon it names is now locked (by that order).
	again, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "cancel-me-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID})
	if err != nil || again.ID != o.ID {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	if _, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "second-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID}); !errors.Is(err, promo.ErrCouponNotUsable) {
		t.Fatalf("a second order with the held coupon: %v", err)
	}
	if _, err := e.built.Checkout.Cancel(ctx, user, o.ID); err != nil {
		t.Fatal(err)
	}
	if st, by := e.couponState(cp.ID); st != promo.CouponAvailable || by != 0 {
		t.Fatalf("coupon %s by %d after the cancellation", st, by)
	}
	if _, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "second-2", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID}); err != nil {
		t.Fatalf("the coupon back: %v", err)
	}
	if n := e.db.Coupon.Query().Where(entcoupon.StateEQ(entcoupon.StateLocked)).CountX(ctx); n != 1 {
		t.Fatalf("%d locked coupons", n)
	}
}

// settleRefund completes a refund at the simulator and syncs it through the payment use cases
// (the notification may get there first, which changes nothing).
func (e *prEnv) settleRefund(no string) {
	e.t.Helper()
	if err := e.pay.sim.CompleteRefund(no); err != nil {
		e.t.Fatal(err)
	}
	if r, err := e.pay.uc.SyncRefund(e.t.Context(), no); err != nil || r.State != payment.RefundSuccess {
		e.t.Fatalf("sync refund %s: %+v, %v", no, r, err)
	}
}

// afterSale asks for lines of the order (nil: everything left), approves, and completes the
// refund; it returns the refund's amount and applies it to commission.
func (e *prEnv) afterSale(user int64, o *order.Order, lines []order.AfterSaleLine, eventID int64) int64 {
	e.t.Helper()
	ctx := e.t.Context()
	a, err := e.built.AfterSales.Request(ctx, user, o.ID, lines, "坏了两个")
	if err != nil {
		e.t.Fatal(err)
	}
	if a, err = e.built.AfterSales.Review(ctx, 1, a.ID, true, ""); err != nil {
		e.t.Fatal(err)
	}
	e.settleRefund(a.OutRefundNo)
	ev := commissionEvent(e.t, eventID, order.Changed{OrderID: o.ID, RefundNo: a.OutRefundNo, RefundAmount: a.Amount})
	if err := e.built.Flows.OnRefunded(ctx, ev); err != nil {
		e.t.Fatal(err)
	}
	return a.Amount
}

// After the cut-off a partial refund takes the units' share of what the line paid and keeps the
// coupon used (the shopper keeps what it bought with it); the refund of the last line refunds
// the order whole and releases the coupon, expired since its validity is over. Commission is
// reversed exactly and the ledger stays balanced.
func TestPartialRefundKeepsTheCouponAndTheLastReleasesIt(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 1000}, promo.FundedByPlatform, 2*time.Hour)
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "partial-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The coupon over 3000:2000 is 600 and 400: the lines paid 2400 (2 units) and 1600.
	if o.Amount != 4000 || o.Lines[0].Amount != 2400 || o.Lines[1].Amount != 1600 {
		t.Fatalf("order %+v", o)
	}
	e.payOrder(user, o)
	if pending := e.credit(o.ID); pending != 240+160 {
		t.Fatalf("commission %d", pending)
	}
	e.clock.Advance(prCutoff + time.Hour) // after the cut-off, and past the coupon's validity
	if got := e.afterSale(user, o, []order.AfterSaleLine{{LineID: o.Lines[0].ID, Quantity: 1}}, 2); got != 1200 {
		t.Fatalf("one of two units refunds %d, want 1200 (not the price 1500)", got)
	}
	if st, by := e.couponState(cp.ID); st != promo.CouponUsed || by != o.ID {
		t.Fatalf("coupon %s by %d after a partial refund", st, by)
	}
	if got := e.afterSale(user, o, nil, 3); got != 1200+1600 {
		t.Fatalf("the rest refunds %d", got)
	}
	e.await(o.ID, order.Refunded)
	if st, _ := e.couponState(cp.ID); st != promo.CouponExpired {
		t.Fatalf("coupon %s after the whole order came back past its validity", st)
	}
	if b, _ := e.built.Views.Balance(ctx, e.leader.ID); b.Pending != 0 {
		t.Fatalf("%d pending after everything was refunded", b.Pending)
	}
	e.trialBalanceZero()
}

// A coupon the leader funds comes off the leader's commission on the lines it discounts: ¥3 off
// 5000 fen is 180 and 120 on the lines, whose 10% shares (282, 188) bear it as 180 and 120 —
// the leader earns 470 − 300. A whole refund reverses exactly that and the ledger stays balanced.
func TestLeaderFundedCouponLowersTheLeadersCommission(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 300}, promo.FundedByLeader, time.Hour)
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "funded-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if o.LeaderFunded != 300 || o.Lines[0].LeaderFunded != 180 || o.Lines[1].LeaderFunded != 120 {
		t.Fatalf("leader-funded parts %d: %+v", o.LeaderFunded, o.Lines)
	}
	e.payOrder(user, o)
	if pending := e.credit(o.ID); pending != 282+188-300 {
		t.Fatalf("the leader earns %d, want %d", pending, 282+188-300)
	}
	if _, err := e.built.Checkout.Cancel(ctx, user, o.ID); err != nil {
		t.Fatal(err)
	}
	e.settleRefund(payment.OutRefundNo(o.ID, 0))
	ev := commissionEvent(t, 2, order.Changed{OrderID: o.ID, RefundNo: payment.OutRefundNo(o.ID, 0), RefundAmount: o.Amount})
	if err := e.built.Flows.OnRefunded(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if b, _ := e.built.Views.Balance(ctx, e.leader.ID); b.Pending != 0 {
		t.Fatalf("%d pending after the whole refund", b.Pending)
	}
	e.trialBalanceZero()
}

// A tier of 阶梯满赠 adds the gift as a line paid nothing, reserved from the gift item's stock;
// a retry of the request finds its order though the gift line is not one the shopper asked for.
func TestGiftTierReservesTheGiftAndRetriesFindTheOrder(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	e.activity(promo.Scope{Kind: promo.ScopeBatches, IDs: []int64{e.batch.ID}}, time.Hour,
		promo.Tier{Threshold: 3000, GiftItemID: e.gift.ID, GiftQty: 2})
	user := e.shopper(1)
	in := order.PlaceInput{Key: "gift-order-1", BatchID: e.batch.ID, Lines: []order.LineInput{{ItemID: e.a.ID, Qty: 2, Price: e.a.Price}}}
	o, err := e.built.Checkout.Place(ctx, user, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 2 || !o.Lines[1].Gift || o.Lines[1].ItemID != e.gift.ID || o.Lines[1].Quantity != 2 ||
		o.Lines[1].Amount != 0 || o.Amount != 3000 {
		t.Fatalf("order %+v", o)
	}
	again, err := e.built.Checkout.Place(ctx, user, in)
	if err != nil || again.ID != o.ID {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	left, err := e.built.Counter.Remaining(ctx, e.batch)
	if err != nil || left[e.gift.ID] != e.gift.Quota-2 || left[e.a.ID] != e.a.Quota-2 {
		t.Fatalf("left %v (%v)", left, err)
	}
	if k := e.count(`SELECT count(*) FROM order_lines WHERE gift AND amount = 0`); k != 1 {
		t.Fatalf("%d gift lines stored", k)
	}
}

// A payment that reaches an order cancelled meanwhile still wins. When another order holds its
// coupon by then, the payment stands and the coupon stays with that order; when the coupon is
// free, the paid order takes it again and uses it.
func TestLatePaymentOfACancelledOrderTakesItsCouponBackIfFree(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 500}, promo.FundedByPlatform, time.Hour)
	place := func(key string) *order.Order {
		o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: key, BatchID: e.batch.ID, Lines: e.cart(), CouponID: cp.ID})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	cancel := func(o *order.Order) {
		if _, err := e.built.Checkout.Cancel(ctx, user, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	latePay := func(o *order.Order) {
		err := e.data.InTx(ctx, func(ctx context.Context) error {
			return e.built.Listener.PaymentPaid(ctx, &payment.Payment{OutTradeNo: payment.OutTradeNo(o.ID, o.PayAttempt),
				PaidAt: e.clock.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		e.await(o.ID, order.Paid)
	}
	x := place("late-pay-1")
	cancel(x)
	y := place("late-pay-2")
	latePay(x)
	if st, by := e.couponState(cp.ID); st != promo.CouponLocked || by != y.ID {
		t.Fatalf("coupon %s by %d: the order holding it keeps it", st, by)
	}
	cancel(y)
	z := place("late-pay-3")
	cancel(z)
	latePay(z)
	if st, by := e.couponState(cp.ID); st != promo.CouponUsed || by != z.ID {
		t.Fatalf("coupon %s by %d after the late payment", st, by)
	}
}

// Shoppers cancel unpaid orders while their payments go through at WeChat: whichever wins, the
// coupon follows the order — used by a paid order, available again for a cancelled one (or a
// paid one the cancellation then refunds whole).
func TestPaymentRacingCancellationKeepsTheCouponWithTheOrder(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	const n = 12
	type run struct {
		user  int64
		cp    *promo.Coupon
		o     *order.Order
		paid  bool
		clerr error
	}
	runs := make([]*run, n)
	for i := range runs {
		r := &run{user: e.shopper(i + 1)}
		r.cp = e.coupon(r.user, promo.Discount{Kind: promo.FixedOff, AmountOff: 500}, promo.FundedByPlatform, time.Hour)
		o, err := e.built.Checkout.Place(ctx, r.user, order.PlaceInput{Key: fmt.Sprintf("race-pay-%02d", i),
			BatchID: e.batch.ID, Lines: e.cart(), CouponID: r.cp.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.built.Checkout.Pay(ctx, r.user, o.ID); err != nil {
			t.Fatal(err)
		}
		r.o, runs[i] = o, r
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := e.pay.sim.Pay(payment.OutTradeNo(r.o.ID, r.o.PayAttempt))
			r.paid = err == nil
		}()
		go func() {
			defer wg.Done()
			_, r.clerr = e.built.Checkout.Cancel(context.Background(), r.user, r.o.ID)
		}()
	}
	wg.Wait()
	outcomes := map[bool]int{}
	for _, r := range runs {
		outcomes[r.paid]++
		want, coupon, by := order.Cancelled, promo.CouponAvailable, int64(0)
		if r.paid {
			want, coupon, by = order.Paid, promo.CouponUsed, r.o.ID
		} else if r.clerr != nil {
			t.Fatalf("order %d: neither paid nor cancelled: %v", r.o.ID, r.clerr)
		}
		if r.paid && e.settled(r.o.ID) == order.Refunding {
			// The cancellation found the order paid and refunds it whole: the coupon comes back.
			e.settleRefund(payment.OutRefundNo(r.o.ID, 0))
			want, coupon, by = order.Refunded, promo.CouponAvailable, 0
		}
		e.await(r.o.ID, want)
		if st, holder := e.couponState(r.cp.ID); st != coupon || holder != by {
			t.Fatalf("order %d %s: coupon %s by %d", r.o.ID, want, st, holder)
		}
	}
	t.Logf("paid %d, cancelled %d", outcomes[true], outcomes[false])
}

// A paid order's shopper cancels while ops cancel the batch: both ask for the same whole refund,
// the order is refunded once and its coupon comes back once.
func TestWholeRefundsRacingGiveTheCouponBackOnce(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 500}, promo.FundedByPlatform, time.Hour)
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "race-refund-1", BatchID: e.batch.ID,
		Lines: e.cart(), CouponID: cp.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.payOrder(user, o)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); _, errs[0] = e.built.Checkout.Cancel(context.Background(), user, o.ID) }()
	go func() {
		defer wg.Done()
		errs[1] = e.built.Checkout.CancelBatchOrders(context.Background(), e.batch.ID)
	}()
	wg.Wait()
	// The shopper's cancel may come second and find the order refunding: a refused move.
	if errs[0] != nil && !errors.Is(errs[0], lifecycle.ErrRefused) || errs[1] != nil {
		t.Fatal(errors.Join(errs...))
	}
	e.settleRefund(payment.OutRefundNo(o.ID, 0))
	got := e.await(o.ID, order.Refunded)
	if got.Refunded != o.Amount {
		t.Fatalf("refunded %d of %d", got.Refunded, o.Amount)
	}
	if st, by := e.couponState(cp.ID); st != promo.CouponAvailable || by != 0 {
		t.Fatalf("coupon %s by %d", st, by)
	}
	if k := e.pay.refunds(); k < 1 {
		t.Fatalf("%d refunds asked", k)
	}
	if k := e.count(`SELECT count(*) FROM payment_refunds`); k != 1 {
		t.Fatalf("%d refunds recorded", k)
	}
}

// WeChat shares at most its ratio of the payment net of its fee. A ¥15.00 line bought with a
// ¥14.00 coupon pays 100 fen: at a 5% ratio and a 0.6% fee (1 fen) WeChat lets 4 fen be shared,
// while the leader's 10% is 10. The quote tells the cap at pricing, and the credit keeps to it.
func TestCommissionIsCutToWeChatsRatioDecidedAtPricing(t *testing.T) {
	limit := func(c *datatest.Config) {
		c.Settlement.MaxRatioBP, c.Settlement.FeeBP = 500, 60
		c.Commission.Share = c.Settlement.Limit()
	}
	e := newPrEnv(t, "redis", limit)
	ctx := t.Context()
	user := e.shopper(1)
	cp := e.coupon(user, promo.Discount{Kind: promo.FixedOff, AmountOff: 1400}, promo.FundedByPlatform, time.Hour)
	lines := []order.LineInput{{ItemID: e.a.ID, Qty: 1, Price: e.a.Price}}
	q, err := e.built.Checkout.Quote(ctx, user, order.QuoteInput{BatchID: e.batch.ID, Lines: lines, CouponID: cp.ID})
	if err != nil || q.Amount != 100 || q.ShareCap != 4 || q.CommissionCut != 30-4 {
		t.Fatalf("quote %+v, %v", q, err)
	}
	o, err := e.built.Checkout.Place(ctx, user, order.PlaceInput{Key: "tiny-order-1", BatchID: e.batch.ID, Lines: lines,
		CouponID: cp.ID, ExpectedAmount: 100})
	if err != nil {
		t.Fatal(err)
	}
	e.payOrder(user, o)
	if pending := e.credit(o.ID); pending != 4 {
		t.Fatalf("credited %d, want the 4 fen WeChat lets be shared", pending)
	}
	e.trialBalanceZero()
}
