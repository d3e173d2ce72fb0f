package data_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	entaftersale "github.com/groupbuy/groupbuy/ent/aftersale"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/ent/receiverregistration"
	"github.com/groupbuy/groupbuy/ent/shippingdeclaration"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	bizpay "github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The dashboard's grids: A and B sell on both days, C only refunds an older order.
const (
	dashGridA = "872830820ffffff"
	dashGridB = "872830821ffffff"
	dashGridC = "872830822ffffff"
)

// dashNow is 10:00 on 2026-12-07 in Beijing: the shown day runs from 2026-12-06T16:00Z.
var dashNow = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func TestDashboardPostgres(t *testing.T) {
	t.Parallel()
	testDashboard(t, newStack(t, openPostgres(t)))
}

func TestDashboardSQLite(t *testing.T) {
	t.Parallel()
	testDashboard(t, newStack(t, openSQLite(t)))
}

// testDashboard seeds orders on both sides of Beijing midnight in three grids, refunds in every
// state, batches in every state and work for ops, and checks each figure against the sums
// worked out by hand.
func testDashboard(t *testing.T, s *stack) {
	s.clock.Set(dashNow)
	seedDashboard(t, s.data)
	cfg := s.config()
	cfg.Order.PickupOverdue = 72 * time.Hour
	uc := s.build(s.clock.Now, datatest.NoWechat(), cfg).Dashboard

	got, err := uc.Get(t.Context(), "")
	if err != nil {
		t.Fatalf("dashboard of today: %v", err)
	}
	want := &dashboard.Dashboard{Day: "2026-12-07", PreviousDay: "2026-12-06", ReadAt: dashNow,
		// Orders 2, 3 and 4; shopper 1 paid in A and B and is one buyer of the day.
		Sales: dashboard.Sales{Orders: 3, Paid: 9000, Refunded: 1500 + 200 + 100 + 800, Buyers: 2,
			PromoOff: 500, CouponOff: 300 + 200, LeaderFunded: 100},
		Previous: dashboard.Sales{Orders: 2, Paid: 1600, Refunded: 300, Buyers: 2},
		Grids: []dashboard.Grid{
			{Cell: dashGridA, Sales: dashboard.Sales{Orders: 2, Paid: 5000, Refunded: 300, Buyers: 2,
				PromoOff: 500, CouponOff: 300, LeaderFunded: 100},
				Previous: dashboard.Sales{Orders: 1, Paid: 1000, Refunded: 300, Buyers: 1}},
			{Cell: dashGridB, Sales: dashboard.Sales{Orders: 1, Paid: 4000, Refunded: 1500, Buyers: 1, CouponOff: 200},
				Previous: dashboard.Sales{Orders: 1, Paid: 600, Buyers: 1}},
			{Cell: dashGridC, Sales: dashboard.Sales{Refunded: 800}},
		},
		Batches: dashboard.BatchCounts{Open: 3, Closing: 2, Arriving: 1},
		Alerts:  dashboard.Alerts{FailedDeclarations: 2, OverduePickups: 1, FailedRegistrations: 1, AfterSalesWaiting: 2},
	}
	got.ReadAt = got.ReadAt.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dashboard of today\n got %+v\nwant %+v", got, want)
	}

	// Finance's figures of the same day, the gift valued from its line.
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, bjtime.Zone)
	promos, err := orderstore.PaidDiscounts(t.Context(), s.data, from, from.AddDate(0, 0, 1))
	if want := (commission.Discounts{Orders: 3, Goods: 9000 + 500 + 500, PromoOff: 500, CouponOff: 500, LeaderFunded: 100,
		Paid: 9000, Gifts: 500}); err != nil || promos != want {
		t.Errorf("discounts of 2026-12-07 = %+v, %v; want %+v", promos, err, want)
	}
	// Every order is leader 1's: its statement of the day holds the same, another leader's none.
	served, err := orderstore.ServedDiscounts(t.Context(), s.data, 1, from, from.AddDate(0, 0, 1))
	if err != nil || served != promos {
		t.Errorf("leader 1's discounts of 2026-12-07 = %+v, %v; want %+v", served, err, promos)
	}
	if served, err := orderstore.ServedDiscounts(t.Context(), s.data, 2, from, from.AddDate(0, 0, 1)); err != nil ||
		served != (commission.Discounts{}) {
		t.Errorf("leader 2's discounts of 2026-12-07 = %+v, %v; want none", served, err)
	}

	// The day before: the first instant of 2026-12-07 is no longer in it, the last second of
	// 2026-12-05 is in its previous day.
	got, err = uc.Get(t.Context(), "2026-12-06")
	if err != nil {
		t.Fatalf("dashboard of 2026-12-06: %v", err)
	}
	if want := (dashboard.Sales{Orders: 2, Paid: 1600, Refunded: 300, Buyers: 2}); got.Sales != want {
		t.Errorf("sales of 2026-12-06 = %+v, want %+v", got.Sales, want)
	}
	if want := (dashboard.Sales{Orders: 1, Paid: 5000, Refunded: 50, Buyers: 1}); got.Previous != want {
		t.Errorf("sales of 2026-12-05 = %+v, want %+v", got.Previous, want)
	}

	for _, day := range []string{"2026-12-08", "2026-12-32", "12/06/2026"} {
		var inv *bizerr.InvalidError
		if _, err := uc.Get(t.Context(), day); !errors.As(err, &inv) || inv.Field != "day" {
			t.Errorf("dashboard of %q: %v, want invalid day", day, err)
		}
	}
}

// seedDashboard writes the rows the dashboard reads, as the stores would have left them.
func seedDashboard(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx, c := t.Context(), db.Ent
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	orders := []struct {
		grid   string
		user   int
		amount int64
		status entorder.Status
		paidAt string
	}{
		{dashGridA, 1, 1000, entorder.StatusRefunding, "2026-12-06T15:59:59Z"},     // 1: previous day's last second
		{dashGridA, 1, 2000, entorder.StatusPaid, "2026-12-06T16:00:00Z"},          // 2: today's first instant
		{dashGridA, 2, 3000, entorder.StatusPaid, "2026-12-07T01:00:00Z"},          // 3
		{dashGridB, 1, 4000, entorder.StatusPaid, "2026-12-07T01:30:00Z"},          // 4: shopper 1 in another grid
		{dashGridB, 3, 5000, entorder.StatusRefunded, "2026-12-05T15:59:59Z"},      // 5: two days ago
		{dashGridB, 4, 600, entorder.StatusPaid, "2026-12-05T16:00:00Z"},           // 6: previous day's first instant
		{dashGridA, 5, 700, entorder.StatusPendingPayment, ""},                     // 7: never paid
		{dashGridC, 6, 900, entorder.StatusReadyForPickup, "2026-12-01T02:00:00Z"}, // 8: ready too long
		{dashGridC, 7, 900, entorder.StatusReadyForPickup, "2026-12-02T02:00:00Z"}, // 9: ready, in time
		{dashGridC, 8, 900, entorder.StatusPickedUp, "2026-12-01T03:00:00Z"},       // 10: was late, picked up
		{dashGridC, 9, 800, entorder.StatusRefunded, "2026-11-20T02:00:00Z"},       // 11: refunded today
	}
	ids := make([]int, len(orders))
	for i, o := range orders {
		q := c.Order.Create().SetUserID(o.user).SetLeaderID(1).SetBatchID(1).SetGridCell(o.grid).SetStatus(o.status).
			SetIdempotencyKey(fmt.Sprintf("dash-%d", i)).SetAmount(o.amount).SetExpiresAt(dashNow)
		if o.paidAt != "" {
			q.SetPaidAt(at(o.paidAt))
		}
		switch i {
		case 2: // 满减 of 500 with a gift, and a coupon of 300 its leader funds 100 of
			q.SetPromoOff(500).SetCouponOff(300).SetLeaderFunded(100).SetActivityID(1).SetCouponID(1)
		case 3: // a platform coupon of 200
			q.SetCouponOff(200).SetCouponID(2)
		}
		switch i {
		case 7, 9: // ready before 2026-12-04T02:00Z, 72 hours before now: overdue (until picked up)
			q.SetReadyAt(at("2026-12-04T01:59:59Z"))
		case 8: // ready for just under 72 hours: in time
			q.SetReadyAt(at("2026-12-04T02:00:01Z"))
		}
		ids[i] = q.SaveX(ctx).ID
	}
	line := func(order int, item int, price, qty, amount, promoOff, couponOff, funded int64, gift bool) {
		c.OrderLine.Create().SetOrderID(ids[order]).SetItemID(item).SetSkuID(item).SetTitle("草莓").SetPrice(price).
			SetQuantity(qty).SetAmount(amount).SetPromoOff(promoOff).SetCouponOff(couponOff).SetLeaderFunded(funded).
			SetGift(gift).SetCommissionBp(1000).SaveX(ctx)
	}
	line(2, 1, 1900, 2, 3000, 500, 300, 100, false)
	line(2, 2, 250, 2, 0, 500, 0, 0, true) // the gift: its 满减 is all of it, apart from the order's
	line(3, 1, 4200, 1, 4000, 0, 200, 0, false)
	refunds := []struct {
		order     int // index in orders
		amount    int64
		state     paymentrefund.State
		successAt string
	}{
		{4, 1500, paymentrefund.StateSuccess, "2026-12-06T17:00:00Z"},
		{0, 300, paymentrefund.StateSuccess, "2026-12-06T15:00:00Z"},
		{2, 500, paymentrefund.StateProcessing, ""},
		{2, 200, paymentrefund.StateSuccess, "2026-12-07T01:10:00Z"},
		{2, 100, paymentrefund.StateSuccess, "2026-12-07T01:20:00Z"},
		{4, 50, paymentrefund.StateSuccess, "2026-12-05T15:59:59Z"},
		{4, 70, paymentrefund.StateSuccess, "2026-12-04T10:00:00Z"}, // before both days shown
		{10, 800, paymentrefund.StateSuccess, "2026-12-07T00:00:00Z"},
		{10, 100, paymentrefund.StateClosed, ""},
	}
	for i, r := range refunds {
		q := c.PaymentRefund.Create().SetOutRefundNo(bizpay.OutRefundNo(int64(ids[r.order]), int64(i+1))).
			SetOutTradeNo(bizpay.OutTradeNo(int64(ids[r.order]), 1)).SetAmount(r.amount).
			SetTotal(orders[r.order].amount).SetState(r.state)
		if r.successAt != "" {
			q.SetSuccessAt(at(r.successAt))
		}
		q.SaveX(ctx)
	}
	batches := []struct {
		status entbatch.Status
		cutoff time.Duration // from now
	}{
		{entbatch.StatusOpen, 2 * time.Hour},  // closing
		{entbatch.StatusOpen, -time.Hour},     // due to close, the scheduler not there yet: closing
		{entbatch.StatusOpen, 30 * time.Hour}, // open, not closing
		{entbatch.StatusScheduled, 48 * time.Hour},
		{entbatch.StatusClosed, -2 * time.Hour},
		{entbatch.StatusDispatched, -20 * time.Hour}, // arriving
		{entbatch.StatusArrived, -40 * time.Hour},
	}
	for _, b := range batches {
		c.Batch.Create().SetTitle("蔬菜").SetStatus(b.status).SetOpensAt(dashNow.Add(-72 * time.Hour)).
			SetCutoffAt(dashNow.Add(b.cutoff)).SetPickupDate(dashNow.Add(72 * time.Hour)).SetCreatedBy(1).SaveX(ctx)
	}
	for i, st := range []shippingdeclaration.State{shippingdeclaration.StateFailed, shippingdeclaration.StateFailed,
		shippingdeclaration.StatePending, shippingdeclaration.StateUploaded} {
		c.ShippingDeclaration.Create().SetOrderID(ids[i]).SetKind(shippingdeclaration.KindPickup).SetState(st).
			SetNextAttemptAt(dashNow).SaveX(ctx)
	}
	for i, st := range []receiverregistration.State{receiverregistration.StateFailed,
		receiverregistration.StateDone, receiverregistration.StatePending} {
		c.ReceiverRegistration.Create().SetLeaderID(i + 1).SetOp(receiverregistration.OpAdd).
			SetReceiverType(bizpay.ReceiverPersonalOpenID).SetAccount(fmt.Sprintf("oLeader%d", i)).
			SetRelationType(bizpay.RelationDistributor).SetState(st).SetNextAttemptAt(dashNow).SaveX(ctx)
	}
	for i, st := range []entaftersale.Status{entaftersale.StatusRequested, entaftersale.StatusRequested,
		entaftersale.StatusApproved} {
		c.AfterSale.Create().SetOrderID(ids[i]).SetUserID(orders[i].user).SetLeaderID(1).SetStatus(st).
			SetReason("坏了").SetLines([]byte(`[]`)).SetAmount(100).SaveX(ctx)
	}
}
