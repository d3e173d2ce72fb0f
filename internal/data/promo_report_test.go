package data_test

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/reconcilestore"
)

// Four orders of one leader, placed and paid through checkout and WeChat Pay's simulator under
// 满50减8 (each line at 10% commission):
//
//	                        goods  满减  coupon  leader  paid  level-0 commission
//	满减 only                 5000   800      0       0  4200  252 + 168 = 420
//	满减, platform ¥10 coupon 5000   800   1000       0  3200  192 + 128 = 320
//	满减, leader ¥3 coupon    5000   800    300     300  3900  (234 − 180) + (156 − 120) = 90
//	below the threshold      1500     0      0       0  1500  150
//
// The leader's statement of the period, the day's reconciliation figures and the dashboard
// show exactly those sums; the leader's own commission bears the ¥3 it funded; another leader's
// statement shows none of it; a whole refund of the leader-funded order reverses its 90 and
// leaves the figures of what was sold as they were; the ledger stays balanced throughout.
func TestReportsShowDiscountsAndWhoFundedThem(t *testing.T) {
	e := newPrEnv(t, "redis")
	ctx := t.Context()
	e.activity(promo.Scope{Kind: promo.ScopeAll}, time.Hour, promo.Tier{Threshold: 5000, Off: 800})

	place := func(n int, lines []order.LineInput, coupon func(user int64) int64) *order.Order {
		t.Helper()
		user := e.shopper(n)
		in := order.PlaceInput{Key: "report-" + string(rune('a'+n)), BatchID: e.batch.ID, Lines: lines}
		if coupon != nil {
			in.CouponID = coupon(user)
		}
		o, err := e.built.Checkout.Place(ctx, user, in)
		if err != nil {
			t.Fatalf("order %d: %v", n, err)
		}
		e.payOrder(user, o)
		e.credit(o.ID)
		return o
	}
	couponOf := func(off int64, by promo.Funder) func(int64) int64 {
		return func(user int64) int64 {
			return e.coupon(user, promo.Discount{Kind: promo.FixedOff, Threshold: 3000, AmountOff: off}, by, time.Hour).ID
		}
	}
	promoOnly := place(1, e.cart(), nil)
	platform := place(2, e.cart(), couponOf(1000, promo.FundedByPlatform))
	funded := place(3, e.cart(), couponOf(300, promo.FundedByLeader))
	plain := place(4, []order.LineInput{{ItemID: e.a.ID, Qty: 1, Price: e.a.Price}}, nil)
	for _, c := range []struct {
		o                                   *order.Order
		promoOff, couponOff, funded, amount int64
	}{{promoOnly, 800, 0, 0, 4200}, {platform, 800, 1000, 0, 3200}, {funded, 800, 300, 300, 3900}, {plain, 0, 0, 0, 1500}} {
		if o := c.o; o.PromoOff != c.promoOff || o.CouponOff != c.couponOff || o.LeaderFunded != c.funded || o.Amount != c.amount {
			t.Fatalf("order %d priced %d/%d/%d, paying %d; want %d/%d/%d, paying %d", o.ID, o.PromoOff, o.CouponOff,
				o.LeaderFunded, o.Amount, c.promoOff, c.couponOff, c.funded, c.amount)
		}
	}
	want := commission.Discounts{Orders: 4, Goods: 3*5000 + 1500, PromoOff: 3 * 800, CouponOff: 1300, LeaderFunded: 300,
		Paid: 4200 + 3200 + 3900 + 1500}
	if want.Goods-want.PromoOff-want.CouponOff != want.Paid || want.PlatformFunded() != 2400+1000 {
		t.Fatalf("the expected figures do not reconcile: %+v", want)
	}

	// The statement of a period around today (China dates) holds the four orders.
	today := bjtime.StartOfDay(e.clock.Now())
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 2).Format(time.DateOnly)
	st, err := e.built.Views.PeriodStatement(ctx, e.leader.ID, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if st.Discounts != want {
		t.Errorf("statement discounts\n got %+v\nwant %+v", st.Discounts, want)
	}
	if earned := int64(420 + 320 + 90 + 150); st.EarnedByLevel[0] != earned || st.Earned != earned {
		t.Errorf("earned %d (level 0: %d), want %d: 10%% of what was paid less the ¥3 the leader funded",
			st.Earned, st.EarnedByLevel[0], earned)
	}
	if later, err := e.built.Views.PeriodStatement(ctx, e.leader.ID, to, today.AddDate(0, 0, 3).Format(time.DateOnly)); err != nil ||
		later.Discounts != (commission.Discounts{}) {
		t.Errorf("a later period: %+v, %v; want no orders", later, err)
	}
	other, err := e.built.Leaders.Create(ctx, &leader.Leader{UserID: 9002, Status: leader.StatusApproved, RealName: "另一位团长",
		Phone: "13800000001", InviteCode: "INVP0002", Point: e.leader.Point})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := e.built.Views.PeriodStatement(ctx, other.ID, from, to); err != nil || st.Discounts != (commission.Discounts{}) {
		t.Errorf("another leader's statement: %+v, %v; want none of these orders", st, err)
	}

	// Finance's day: the reconciliation's figures and the dashboard, by the orders' paid time.
	// Payments a moment apart can straddle Beijing midnight, so the day and the day before
	// are summed.
	last := e.await(plain.ID, order.Paid).PaidAt
	day := bjtime.StartOfDay(last)
	src := reconcilestore.NewReconcileSource(e.data)
	var sum commission.Discounts
	for _, d := range []time.Time{day.AddDate(0, 0, -1), day} {
		got, err := src.Discounts(ctx, d, d.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		sum = addDiscounts(sum, got)
	}
	if sum != want {
		t.Errorf("the day's discounts\n got %+v\nwant %+v", sum, want)
	}
	if e.clock.Now().Before(last) {
		e.clock.Set(last) // the dashboard shows no day after the clock's today
	}
	board, err := e.built.Dashboard.Get(ctx, bjtime.Day(day))
	if err != nil {
		t.Fatal(err)
	}
	if s := board.Sales; s.Orders+board.Previous.Orders != 4 || s.Paid+board.Previous.Paid != want.Paid ||
		s.PromoOff+board.Previous.PromoOff != want.PromoOff || s.CouponOff+board.Previous.CouponOff != want.CouponOff ||
		s.LeaderFunded+board.Previous.LeaderFunded != want.LeaderFunded ||
		s.PlatformFunded()+board.Previous.PlatformFunded() != want.PlatformFunded() {
		t.Errorf("dashboard sales %+v and %+v, want the four orders' %+v", s, board.Previous, want)
	}
	e.trialBalanceZero()

	// A whole refund of the leader-funded order reverses the 90 its leader earned; what was
	// sold, and who funded its discounts, stays as sold.
	user := funded.UserID
	if _, err := e.built.Checkout.Cancel(ctx, user, funded.ID); err != nil {
		t.Fatal(err)
	}
	e.settleRefund(payment.OutRefundNo(funded.ID, 0))
	ev := commissionEvent(t, 2, order.Changed{OrderID: funded.ID, RefundNo: payment.OutRefundNo(funded.ID, 0), RefundAmount: funded.Amount})
	if err := e.built.Flows.OnRefunded(ctx, ev); err != nil {
		t.Fatal(err)
	}
	st, err = e.built.Views.PeriodStatement(ctx, e.leader.ID, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if st.Discounts != want || st.Reversed != 90 {
		t.Errorf("after the refund: discounts %+v, reversed %d; want %+v and 90", st.Discounts, st.Reversed, want)
	}
	e.trialBalanceZero()
}

func addDiscounts(a, b commission.Discounts) commission.Discounts {
	return commission.Discounts{Orders: a.Orders + b.Orders, Goods: a.Goods + b.Goods, PromoOff: a.PromoOff + b.PromoOff,
		CouponOff: a.CouponOff + b.CouponOff, LeaderFunded: a.LeaderFunded + b.LeaderFunded, Paid: a.Paid + b.Paid,
		Gifts: a.Gifts + b.Gifts}
}
