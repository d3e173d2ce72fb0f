package data_test

import (
	"slices"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entpayment "github.com/groupbuy/groupbuy/ent/payment"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/ent/settlementrun"
	"github.com/groupbuy/groupbuy/ent/settlementshare"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/data/reconcilestore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

func TestReconcileSourcePostgres(t *testing.T) {
	t.Parallel()
	testReconcileSource(t, openPostgres(t))
}

func TestReconcileSourceSQLite(t *testing.T) {
	t.Parallel()
	testReconcileSource(t, openSQLite(t))
}

// recDay is the reconciled Beijing day, 2026-11-24; recAt is a time of it (hours past 24 fall on
// the next day, negative ones on the day before).
var recDay = time.Date(2026, 11, 24, 0, 0, 0, 0, bjtime.Zone)

func recAt(h, m int) time.Time {
	return recDay.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute).UTC()
}

// seedReconcile writes payments, refunds, a settlement run and postings around the day.
func seedReconcile(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx, c := t.Context(), db.Ent
	paid := func(orderID int64, amount int64, at time.Time) {
		no := payment.OutTradeNo(orderID, 1)
		c.Payment.Create().SetOutTradeNo(no).SetDescription("草莓").SetAmount(amount).SetPayerOpenid("oPayer").
			SetState(entpayment.StatePaid).SetTransactionID("tx" + no).SetPaidAt(at).SaveX(ctx)
	}
	paid(1, 10000, recAt(9, 0))
	paid(2, 5000, recAt(-24, 0)) // the day before: not the day's, but in order 2's books
	paid(4, 700, recAt(23, 50))
	paid(5, 800, recAt(24, 20)) // after midnight, within the tolerance
	paid(6, 900, recAt(25, 0))  // the next day proper
	c.Payment.Create().SetOutTradeNo(payment.OutTradeNo(3, 1)).SetDescription("草莓").SetAmount(300).
		SetPayerOpenid("oPayer").SaveX(ctx) // never paid
	refund := func(orderID, n, amount int64, state paymentrefund.State, at time.Time) {
		c.PaymentRefund.Create().SetOutRefundNo(payment.OutRefundNo(orderID, n)).SetOutTradeNo(payment.OutTradeNo(orderID, 1)).
			SetAmount(amount).SetTotal(10000).SetState(state).SetRefundID("rf" + payment.OutRefundNo(orderID, n)).
			SetCreatedAt(at).SetUpdatedAt(at).SaveX(ctx)
	}
	refund(1, 1, 2000, paymentrefund.StateSuccess, recAt(10, 0))
	refund(1, 2, 500, paymentrefund.StateClosed, recAt(10, 30))
	refund(2, 1, 100, paymentrefund.StateSuccess, recAt(-48, 0))

	run := c.SettlementRun.Create().SetKey("daily/2026-11-24").SetCutoff(recAt(0, 0)).SetTrigger(settlementrun.TriggerSchedule).
		SetCreatedAt(recAt(1, 0)).SaveX(ctx)
	item := func(orderID int64, state settlementitem.State, finished time.Time) *ent.SettlementItem {
		cr := c.SettlementItem.Create().SetRunID(run.ID).SetOrderID(orderID).SetTransactionID("tx" + payment.OutTradeNo(orderID, 1)).
			SetOutOrderNo(payment.OutOrderNo(run.ID, orderID)).SetKind(settlementitem.KindShare).SetAmount(400).
			SetDeadline(recAt(24*30, 0)).SetState(state).SetNextAttemptAt(recAt(1, 0)).SetCreatedAt(recAt(1, 0))
		if !finished.IsZero() {
			cr.SetFinishedAt(finished)
		}
		return cr.SaveX(ctx)
	}
	share := func(it *ent.SettlementItem, leader, source int64, amount int64, result settlementshare.Result) {
		cr := c.SettlementShare.Create().SetItemID(it.ID).SetRunID(run.ID).SetLeaderID(leader).SetLevel(0).
			SetSourceOrderID(source).SetAccount("oLeader" + string(rune('0'+leader))).SetAmount(amount).SetResult(result)
		if result == settlementshare.ResultSuccess {
			cr.SetFinishedAt(recAt(11, 0)).SetDetailID("d" + string(rune('0'+leader)))
		}
		cr.SaveX(ctx)
	}
	it2 := item(2, settlementitem.StateFinished, recAt(11, 0))
	share(it2, 7, 2, 300, settlementshare.ResultSuccess)
	share(it2, 8, 2, 100, settlementshare.ResultClosed)
	share(it2, 7, 1, 50, settlementshare.ResultSuccess) // a carried share of order 1
	item(9, settlementitem.StateProcessing, time.Time{})
	item(10, settlementitem.StateFinished, recAt(-24*5, 0)) // long done: only found by its transaction
	item(11, settlementitem.StatePending, time.Time{})

	l := newLedgerEnv(t, db).ledger
	if _, err := l.Post(ctx,
		commission.PaidTx(1, "", 10000, nil),
		commission.RefundTx(1, "", payment.OutRefundNo(1, 1), 2000, nil),
		commission.PaidTx(2, "", 5000, nil),
		settledTx("settlement/1/order/2", 2, 7, 300),
		settledTx("settlement/1/order/1/leader/7", 1, 7, 40), // 10 fen short of the share
	); err != nil {
		t.Fatalf("post: %v", err)
	}
}

// settledTx is a payout as settlement posts it: clearing pays the leader's settleable part.
func settledTx(key string, orderID, leaderID, amount int64) ledger.Tx {
	return ledger.Tx{Key: key, Kind: commission.KindSettled, OrderID: orderID, Postings: []ledger.Posting{
		{Account: ledger.LeaderAccount(leaderID, ledger.Settleable), Amount: amount},
		{Account: ledger.PlatformAccount(ledger.Clearing), Amount: -amount},
	}}
}

func testReconcileSource(t *testing.T, db *sqldb.DB) {
	seedReconcile(t, db)
	ctx := t.Context()
	src := reconcilestore.NewReconcileSource(db)
	from, to := reconcile.DayRange(recDay)
	lo, hi := from.Add(-reconcile.DefaultTolerance), to.Add(reconcile.DefaultTolerance)

	pays, err := src.Payments(ctx, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	var nos []string
	for _, p := range pays {
		nos = append(nos, p.OutTradeNo)
	}
	if want := []string{"GBO1-1", "GBO4-1", "GBO5-1"}; !slices.Equal(nos, want) {
		t.Errorf("payments %v, want %v", nos, want)
	}
	if p := pays[0]; p.OrderID != 1 || p.Amount != 10000 || p.TransactionID != "txGBO1-1" || !p.PaidAt.Equal(recAt(9, 0)) {
		t.Errorf("payment %+v", p)
	}

	refunds, err := src.Refunds(ctx, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	if len(refunds) != 2 || refunds[0].OutRefundNo != "GBR1-1" || refunds[0].State != reconcile.RefundSuccess ||
		refunds[0].OrderID != 1 || refunds[1].State != reconcile.RefundClosed || !refunds[0].CreatedAt.Equal(recAt(10, 0)) {
		t.Errorf("refunds %+v", refunds)
	}

	items, err := src.Items(ctx, lo, hi, []string{"txGBO10-1", "txGBO2-1"})
	if err != nil {
		t.Fatal(err)
	}
	var orders []int64
	for _, it := range items {
		orders = append(orders, it.OrderID)
	}
	slices.Sort(orders)
	if want := []int64{2, 9, 10}; !slices.Equal(orders, want) {
		t.Errorf("items of orders %v, want %v (finished in range, processing, by transaction; once each)", orders, want)
	}
	for _, it := range items {
		if it.OrderID == 2 && (len(it.Shares) != 3 || it.Shares[0].Result != reconcile.ShareSuccess || it.Shares[0].Account != "oLeader7" ||
			it.Kind != reconcile.ItemShare || it.State != reconcile.ItemFinished || it.OutOrderNo != payment.OutOrderNo(1, 2)) {
			t.Errorf("item of order 2 %+v", it)
		}
	}

	books, err := src.Books(ctx, []int64{1, 2, 4, 77})
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.OrderBook{
		{OrderID: 1, Paid: 10000, Refunded: 2000, Shared: 50, LedgerPaid: 10000, LedgerRefunded: 2000, LedgerSettled: 40},
		{OrderID: 2, Paid: 5000, Refunded: 100, Shared: 300, LedgerPaid: 5000, LedgerSettled: 300},
		{OrderID: 4, Paid: 700},
		{OrderID: 77},
	}
	if !slices.Equal(books, want) {
		t.Errorf("books\n got  %+v\n want %+v", books, want)
	}
}

// Books on a database where nothing was ever posted: no clearing account yet.
func TestReconcileSourceEmptyLedger(t *testing.T) {
	t.Parallel()
	src := reconcilestore.NewReconcileSource(openSQLite(t))
	books, err := src.Books(t.Context(), []int64{1})
	if err != nil || len(books) != 1 || books[0] != (reconcile.OrderBook{OrderID: 1}) {
		t.Errorf("books %+v, %v", books, err)
	}
}
