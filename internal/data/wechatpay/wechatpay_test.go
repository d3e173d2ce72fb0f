package wechatpay_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// Prepay → pay → notification → query agree: the requestPayment parameters are signed with the
// merchant key, the notification marks the payment paid with WeChat's transaction_id, and the
// query says the same.
func TestPrepayPayNotifyQueryAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	no := payment.OutTradeNo(1, 1)
	rp := e.prepay(no, 1234, true)
	if rp.AppID != testApp || rp.SignType != "RSA" || !strings.HasPrefix(rp.Package, "prepay_id=") || rp.NonceStr == "" {
		t.Fatalf("requestPayment %+v", rp)
	}
	verifyPaySign(t, e.keys, rp)
	p := e.payment(no)
	if p.State != payment.StateCreated || p.Amount != 1234 || "prepay_id="+p.PrepayID != rp.Package {
		t.Fatalf("stored payment %+v", p)
	}
	// A second tap: the same order, the same prepay_id.
	if again := e.prepay(no, 1234, true); again.Package != rp.Package {
		t.Errorf("repeated prepay got %s, want %s", again.Package, rp.Package)
	}

	txID, err := e.sim.Pay(no)
	if err != nil {
		t.Fatal(err)
	}
	p = e.waitPayment(no, payment.StatePaid)
	if p.TransactionID != txID || p.PaidAt.IsZero() {
		t.Errorf("paid payment %+v, want transaction %s", p, txID)
	}
	q, err := e.client.QueryByOutTradeNo(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Paid() || q.TransactionID != txID || q.Amount != 1234 || q.PayerOpenID != payerID {
		t.Errorf("query %+v", q)
	}
	if synced, err := e.uc.Sync(ctx, no); err != nil || synced.State != payment.StatePaid || synced.TransactionID != txID {
		t.Errorf("sync: %+v, %v", synced, err)
	}
	if n := e.listener.paid.Load(); n != 1 {
		t.Errorf("listener heard %d payments, want 1", n)
	}
	if n := e.count("SELECT count(*) FROM payment_notifications WHERE event_type = 'TRANSACTION.SUCCESS'"); n != 1 {
		t.Errorf("inbox holds %d payment notifications, want 1", n)
	}
	// Paid: prepaying again is refused.
	if _, err := e.uc.Prepay(ctx, payment.PrepayInput{OutTradeNo: no, Description: "x", Amount: 1234, PayerOpenID: payerID, ProfitSharing: true, ExpiresAt: time.Now().Add(15 * time.Minute)}); !errors.Is(err, payment.ErrOrderPaid) {
		t.Errorf("prepay of a paid order: %v, want ErrOrderPaid", err)
	}
}

// The payment is saved before WeChat is called: when WeChat keeps failing, the record is there
// (created) and the caller gets a transient error after the retries.
func TestPrepaySavedBeforeCallAndTransientErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := payment.OutTradeNo(2, 1)
	e.sim.FailPayNext(wxsim.OpPayJSAPI, "SYSTEM_ERROR", 0, 4)
	_, err := e.uc.Prepay(t.Context(), payment.PrepayInput{OutTradeNo: no, Description: "草莓", Amount: 500, PayerOpenID: payerID, ExpiresAt: time.Now().Add(15 * time.Minute)})
	if !errors.Is(err, bizerr.ErrUnavailable) {
		t.Fatalf("prepay under SYSTEM_ERROR: %v, want ErrUnavailable", err)
	}
	var we *payment.WeChatError
	if !errors.As(err, &we) || we.Code != "SYSTEM_ERROR" || we.Status != http.StatusInternalServerError {
		t.Errorf("error %v does not carry WeChat's code", err)
	}
	if got := e.sim.Calls(wxsim.OpPayJSAPI); got != 4 {
		t.Errorf("prepay attempts = %d, want 4", got)
	}
	if p := e.payment(no); p.State != payment.StateCreated || p.PrepayID != "" {
		t.Errorf("payment after failed prepay: %+v", p)
	}
	// Rate limits come back as ErrRateLimited at once: asking again straight away is what the
	// limit refuses, so the caller's back-off (and settlement's merchant-wide pace) retries.
	e.sim.FailPayNext(wxsim.OpPayQueryByOutTradeNo, "FREQUENCY_LIMITED", 0, 1)
	before := e.sim.Calls(wxsim.OpPayQueryByOutTradeNo)
	if _, err := e.client.QueryByOutTradeNo(t.Context(), no); !errors.Is(err, bizerr.ErrRateLimited) {
		t.Errorf("query under FREQUENCY_LIMITED: %v", err)
	}
	if got := e.sim.Calls(wxsim.OpPayQueryByOutTradeNo) - before; got != 1 {
		t.Errorf("FREQUENCY_LIMITED was tried %d times within the call, want 1", got)
	}
	// A business error is not retried.
	before = e.sim.Calls(wxsim.OpPayQueryByOutTradeNo)
	if _, err := e.client.QueryByOutTradeNo(t.Context(), "GBO-NONE-1"); !errors.Is(err, payment.ErrOrderNotFound) || !errors.Is(err, bizerr.ErrNotFound) {
		t.Errorf("query of an unknown order: %v", err)
	}
	if got := e.sim.Calls(wxsim.OpPayQueryByOutTradeNo) - before; got != 1 {
		t.Errorf("ORDER_NOT_EXIST was tried %d times, want 1", got)
	}
}

// Close before pay: the payment is closed, the phone cannot pay it any more, and prepaying the
// same number again is ErrOrderClosed.
func TestCloseBeforePay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	no := payment.OutTradeNo(3, 1)
	e.prepay(no, 800, false)
	p, err := e.uc.Close(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != payment.StateClosed {
		t.Fatalf("after close: %+v", p)
	}
	if _, err := e.sim.Pay(no); !errors.Is(err, wxsim.ErrPayOrderClosed) {
		t.Errorf("paying a closed order: %v, want refused", err)
	}
	if _, err := e.uc.Prepay(ctx, payment.PrepayInput{OutTradeNo: no, Description: "x", Amount: 800, PayerOpenID: payerID, ExpiresAt: time.Now().Add(15 * time.Minute)}); !errors.Is(err, payment.ErrOrderClosed) {
		t.Errorf("prepay of a closed payment: %v", err)
	}
	// Closing again is fine.
	if p, err := e.uc.Close(ctx, no); err != nil || p.State != payment.StateClosed {
		t.Errorf("second close: %+v, %v", p, err)
	}
	if err := e.client.Close(ctx, no); err != nil {
		t.Errorf("closing a closed order at WeChat: %v", err)
	}
}

// A payment that races an expiry wins: closing a paid order finds it paid, and a paid
// notification for a payment already marked closed records it as paid.
func TestPaymentRacingExpiryWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()

	no := payment.OutTradeNo(4, 1)
	e.prepay(no, 600, false)
	e.sim.DropNotifications(1) // the notification is lost: only the query after close tells
	txID, err := e.sim.Pay(no)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.uc.Close(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != payment.StatePaid || p.TransactionID != txID {
		t.Errorf("close of a paid order: %+v, want paid by %s", p, txID)
	}

	no2 := payment.OutTradeNo(4, 2)
	e.prepay(no2, 600, false)
	p2 := e.payment(no2)
	p2.State = payment.StateClosed // the expiry got there first, in our books only
	if err := e.store.SavePayment(ctx, p2); err != nil {
		t.Fatal(err)
	}
	txID2, err := e.sim.Pay(no2)
	if err != nil {
		t.Fatal(err)
	}
	if p2 = e.waitPayment(no2, payment.StatePaid); p2.TransactionID != txID2 {
		t.Errorf("paid after closed: %+v", p2)
	}
}

// Full and partial refunds, each saved before the call, completed by WeChat's notification,
// added to the payment once; more than is left is ErrNotEnough.
func TestRefundsPartialFullAndNotification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	no := payment.OutTradeNo(5, 1)
	e.paid(no, 1000, false)

	part := payment.RefundInput{OutRefundNo: payment.OutRefundNo(5, 1), OutTradeNo: no, Reason: "少了一盒", Amount: 300, Total: 1000}
	r, err := e.uc.Refund(ctx, part)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != payment.RefundProcessing || r.RefundID == "" {
		t.Fatalf("refund %+v, want processing with an id", r)
	}
	// The same refund asked again is the same refund.
	if again, err := e.uc.Refund(ctx, part); err != nil || again.RefundID != r.RefundID {
		t.Errorf("repeated refund: %+v, %v", again, err)
	}
	if err := e.sim.CompleteRefund(part.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "refund notification", func() bool { return e.payment(no).Refunded == 300 })

	full := payment.RefundInput{OutRefundNo: payment.OutRefundNo(5, 2), OutTradeNo: no, Amount: 700, Total: 1000}
	if _, err := e.uc.Refund(ctx, full); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.CompleteRefund(full.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second refund notification", func() bool { return e.payment(no).Refunded == 1000 })
	got, err := e.uc.SyncRefund(ctx, full.OutRefundNo)
	if err != nil || got.State != payment.RefundSuccess || got.SuccessTime.IsZero() {
		t.Errorf("synced refund %+v, %v", got, err)
	}
	if p := e.payment(no); p.Refunded != 1000 {
		t.Errorf("refunded %d after a sync, want 1000 (applied once)", p.Refunded)
	}
	if n := e.listener.refunded.Load(); n != 2 {
		t.Errorf("listener heard %d refunds, want 2", n)
	}
	_, err = e.uc.Refund(ctx, payment.RefundInput{OutRefundNo: payment.OutRefundNo(5, 3), OutTradeNo: no, Amount: 1, Total: 1000})
	if !errors.Is(err, payment.ErrNotEnough) {
		t.Errorf("refund beyond the total: %v, want ErrNotEnough", err)
	}
	if q, err := e.client.QueryByOutTradeNo(ctx, no); err != nil || q.TradeState != payment.TradeRefund {
		t.Errorf("query after refunds: %+v, %v", q, err)
	}
}

// Add receiver → share → query → return → unfreeze, through the real SDK (names encrypted).
func TestProfitSharingLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p := e.paid(payment.OutTradeNo(6, 1), 10000, true)
	tx := p.TransactionID

	if err := e.client.AddReceiver(ctx, payment.Receiver{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Relation: payment.RelationDistributor}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.AddReceiver(ctx, payment.Receiver{Type: payment.ReceiverMerchantID, Account: partnerMch, Name: "示例合作商户有限公司", Relation: payment.RelationPartner}); err != nil {
		t.Fatal(err)
	}
	orderNo := payment.OutOrderNo(1, 6)
	o, err := e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: orderNo, TransactionID: tx, Shares: []payment.Share{
		{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Amount: 1500, Description: "团长佣金"},
		{Type: payment.ReceiverMerchantID, Account: partnerMch, Name: "示例合作商户有限公司", Amount: 500, Description: "合作方分成"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if o.State != payment.SharingProcessing || o.OrderID == "" {
		t.Fatalf("created order %+v", o)
	}
	if err := e.sim.SettleProfitSharing(orderNo); err != nil {
		t.Fatal(err)
	}
	o, err = e.client.QueryOrder(ctx, tx, orderNo)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != payment.SharingFinished || len(o.Receivers) != 2 {
		t.Fatalf("queried order %+v", o)
	}
	for _, r := range o.Receivers {
		if r.Result != payment.ShareResultSuccess {
			t.Errorf("receiver %s: %s %s", r.Account, r.Result, r.FailReason)
		}
	}
	if left, err := e.client.UnsplitAmount(ctx, tx); err != nil || left != 8000 {
		t.Errorf("unsplit after sharing 2000 of 10000: %d, %v", left, err)
	}

	ret, err := e.client.CreateReturn(ctx, payment.ReturnInput{OutReturnNo: payment.OutReturnNo(payment.OutRefundNo(6, 1), 1), OutOrderNo: orderNo,
		ReturnMchID: partnerMch, Amount: 200, Description: "退款回退"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "return result", func() bool {
		ret, err = e.client.QueryReturn(ctx, orderNo, payment.OutReturnNo(payment.OutRefundNo(6, 1), 1))
		return err == nil && ret.Result != payment.ReturnProcessing
	})
	if ret.Result != payment.ReturnSuccess || ret.Amount != 200 {
		t.Errorf("return %+v", ret)
	}

	unfreezeNo := payment.OutUnfreezeNo(6)
	if _, err := e.client.Unfreeze(ctx, tx, unfreezeNo, "解冻全部剩余资金"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SettleProfitSharing(unfreezeNo); err != nil {
		t.Fatal(err)
	}
	if left, err := e.client.UnsplitAmount(ctx, tx); err != nil || left != 0 {
		t.Errorf("unsplit after unfreeze: %d, %v", left, err)
	}
	if err := e.client.DeleteReceiver(ctx, payment.ReceiverPersonalOpenID, leaderID); err != nil {
		t.Errorf("delete receiver: %v", err)
	}
}

// The 30% cap and a receiver never added are refused with typed errors carrying WeChat's
// message; nothing is shared.
func TestProfitSharingRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p := e.paid(payment.OutTradeNo(7, 1), 1000, true)
	if err := e.client.AddReceiver(ctx, payment.Receiver{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Relation: payment.RelationDistributor}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: payment.OutOrderNo(1, 7), TransactionID: p.TransactionID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Amount: 301, Description: "团长佣金"}}})
	var we *payment.WeChatError
	if !errors.Is(err, payment.ErrRatioExceeded) || !errors.Is(err, payment.ErrSharingRejected) || !errors.As(err, &we) || !strings.Contains(we.Message, "30%") {
		t.Errorf("301 of 1000: %v, want ErrRatioExceeded with WeChat's message", err)
	}
	_, err = e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: payment.OutOrderNo(2, 7), TransactionID: p.TransactionID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: "oNeverAdded000000000000000001", Amount: 100, Description: "团长佣金"}}})
	if !errors.Is(err, payment.ErrReceiverNotFound) {
		t.Errorf("share to a receiver never added: %v, want ErrReceiverNotFound", err)
	}
	if left, err := e.client.UnsplitAmount(ctx, p.TransactionID); err != nil || left != 1000 {
		t.Errorf("unsplit after refusals: %d, %v", left, err)
	}
	// Exactly the cap is fine.
	if _, err := e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: payment.OutOrderNo(3, 7), TransactionID: p.TransactionID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Amount: 300, Description: "团长佣金"}}}); err != nil {
		t.Errorf("300 of 1000: %v", err)
	}
}

// A notification with a wrong signature, a stale timestamp, a wrong serial or a tampered
// ciphertext is refused and changes nothing; the genuine one is then applied.
func TestNotificationRejections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := payment.OutTradeNo(8, 1)
	e.prepay(no, 900, false)
	good := forged{id: "NOTE-8-1", eventType: "TRANSACTION.SUCCESS", originalType: "transaction",
		resource: transactionResource(no, "4200000000000000000000000008", 900), at: time.Now()}
	cases := []struct {
		name   string
		edit   func(*forged)
		status int
	}{
		{"wrong signature", func(f *forged) { f.badSignature = true }, http.StatusUnauthorized},
		{"stale timestamp", func(f *forged) { f.at = time.Now().Add(-6 * time.Minute) }, http.StatusUnauthorized},
		{"future timestamp", func(f *forged) { f.at = time.Now().Add(6 * time.Minute) }, http.StatusUnauthorized},
		{"wrong serial", func(f *forged) { f.serial = "PUB_KEY_ID_0000000000000000000000000000" }, http.StatusUnauthorized},
		{"tampered ciphertext", func(f *forged) { f.tamper = true }, http.StatusBadRequest},
	}
	for _, c := range cases {
		f := good
		c.edit(&f)
		if got := e.send("/wechatpay/notify/payment", f); got != c.status {
			t.Errorf("%s: status %d, want %d", c.name, got, c.status)
		}
	}
	if n := e.count("SELECT count(*) FROM payment_notifications"); n != 0 {
		t.Errorf("inbox holds %d rows after rejected notifications", n)
	}
	if p := e.payment(no); p.State != payment.StateCreated {
		t.Errorf("payment changed by rejected notifications: %+v", p)
	}
	if got := e.send("/wechatpay/notify/payment", good); got != http.StatusNoContent {
		t.Fatalf("genuine notification: %d", got)
	}
	if p := e.payment(no); p.State != payment.StatePaid || p.TransactionID != "4200000000000000000000000008" {
		t.Errorf("genuine notification not applied: %+v", p)
	}
	resp, err := http.Get(e.notify + "/wechatpay/notify/payment")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

// The same notification delivered by 20 goroutines at once, and again later, is applied once;
// the simulator's own duplicate delivery is applied once too.
func TestDuplicateNotificationsAppliedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := payment.OutTradeNo(9, 1)
	e.prepay(no, 700, false)
	f := forged{id: "NOTE-9-1", eventType: "TRANSACTION.SUCCESS", originalType: "transaction",
		resource: transactionResource(no, "4200000000000000000000000009", 700), at: time.Now()}
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		req := e.request("/wechatpay/notify/payment", f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusNoContent {
			t.Errorf("delivery %d: %d", i, s)
		}
	}
	if got := e.send("/wechatpay/notify/payment", f); got != http.StatusNoContent {
		t.Errorf("late duplicate: %d", got)
	}
	if n := e.count("SELECT count(*) FROM payment_notifications WHERE notification_id = 'NOTE-9-1'"); n != 1 {
		t.Errorf("inbox rows %d, want 1", n)
	}
	if n := e.listener.paid.Load(); n != 1 {
		t.Errorf("applied %d times, want 1", n)
	}

	// WeChat sending one notification twice (same id), through the simulator.
	no2 := payment.OutTradeNo(9, 2)
	e.prepay(no2, 700, false)
	e.sim.DuplicateNotifications(1)
	if _, err := e.sim.Pay(no2); err != nil {
		t.Fatal(err)
	}
	e.waitPayment(no2, payment.StatePaid)
	waitFor(t, "both deliveries", func() bool {
		ok := 0
		for _, d := range e.sim.Notifications() {
			if d.OK && strings.Contains(d.Resource, no2) {
				ok++
			}
		}
		return ok == 2
	})
	if n := e.listener.paid.Load(); n != 2 {
		t.Errorf("payments heard %d, want 2 (one per payment)", n)
	}
}

// The same prepay and the same profit-sharing order, retried after a SYSTEM_ERROR that came
// after WeChat had done the work, make exactly one payment and one share.
func TestRetriesAfterSystemErrorAreIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	no := payment.OutTradeNo(10, 1)
	if err := e.sim.InjectPayFault(wxsim.PayFault{Operation: wxsim.OpPayJSAPI, Code: "SYSTEM_ERROR", AfterEffect: true}); err != nil {
		t.Fatal(err)
	}
	rp := e.prepay(no, 2000, true)
	if got := e.sim.Calls(wxsim.OpPayJSAPI); got != 2 {
		t.Errorf("prepay calls %d, want 2 (one failed, one retried)", got)
	}
	simTx, err := e.sim.Transaction(no)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Package != "prepay_id="+simTx.PrepayID {
		t.Errorf("requestPayment %s, WeChat holds %s", rp.Package, simTx.PrepayID)
	}
	txID, err := e.sim.Pay(no)
	if err != nil {
		t.Fatal(err)
	}
	e.waitPayment(no, payment.StatePaid)
	if n := e.count("SELECT count(*) FROM payments WHERE transaction_id = $1", txID); n != 1 {
		t.Errorf("payments with the transaction: %d", n)
	}
	if _, err := e.sim.Pay(no); !errors.Is(err, wxsim.ErrPayOrderPaid) {
		t.Errorf("second payment: %v", err)
	}

	if err := e.client.AddReceiver(ctx, payment.Receiver{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Relation: payment.RelationDistributor}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.InjectPayFault(wxsim.PayFault{Operation: wxsim.OpSharingCreateOrder, Code: "SYSTEM_ERROR", AfterEffect: true}); err != nil {
		t.Fatal(err)
	}
	in := payment.SharingInput{OutOrderNo: payment.OutOrderNo(1, 10), TransactionID: txID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: leaderID, Amount: 400, Description: "团长佣金"}}}
	if _, err := e.client.CreateOrder(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Calls(wxsim.OpSharingCreateOrder); got != 2 {
		t.Errorf("sharing calls %d, want 2", got)
	}
	// The caller retrying the whole request later is still the same order.
	if _, err := e.client.CreateOrder(ctx, in); err != nil {
		t.Fatal(err)
	}
	if left, err := e.client.UnsplitAmount(ctx, txID); err != nil || left != 1600 {
		t.Errorf("unsplit %d, %v; want 1600: one share of 400", left, err)
	}
	o, err := e.sim.ProfitSharingOrder(in.OutOrderNo)
	if err != nil || len(o.Receivers) != 1 {
		t.Errorf("WeChat's order %+v, %v", o, err)
	}
}

// The trade bill is applied for, downloaded, hash-checked and parsed into fen.
func TestTradeBill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *wxsim.PayConfig) { c.FeeBasisPoints = 60 })
	ctx := t.Context()
	p := e.paid(payment.OutTradeNo(11, 1), 1999, false)
	if _, err := e.uc.Refund(ctx, payment.RefundInput{OutRefundNo: payment.OutRefundNo(11, 1), OutTradeNo: p.OutTradeNo, Amount: 500, Total: 1999}); err != nil {
		t.Fatal(err)
	}
	day := e.sim.Now()
	if _, err := e.client.TradeBill(ctx, day); !errors.Is(err, payment.ErrBillNotReady) {
		t.Errorf("today's bill: %v, want ErrBillNotReady", err)
	}
	e.sim.AdvanceClock(36 * time.Hour)
	bill, err := e.client.TradeBill(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(bill.Rows) != 2 || bill.Summary.Count != 2 {
		t.Fatalf("bill %+v", bill)
	}
	pay, ref := bill.Rows[0], bill.Rows[1]
	if pay.TradeState != "SUCCESS" || pay.OutTradeNo != p.OutTradeNo || pay.TransactionID != p.TransactionID || pay.Settlement != 1999 || pay.Fee != 12 {
		t.Errorf("payment row %+v", pay)
	}
	if ref.TradeState != "REFUND" || ref.Refund != 500 || ref.OutRefundNo != payment.OutRefundNo(11, 1) || ref.Fee >= 0 {
		t.Errorf("refund row %+v", ref)
	}
	if bill.Summary.Settlement != 1999 || bill.Summary.Refund != 500 {
		t.Errorf("summary %+v", bill.Summary)
	}
}

// A verified notification that can never apply — no such order, or a paid amount other than the
// order's — is kept in the inbox with the reason and acknowledged, so WeChat stops retrying and
// finance can find it; the payment is not touched, and a repeat adds nothing.
func TestContradictingNotificationsAreKeptAsRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := payment.OutTradeNo(9, 1)
	e.prepay(no, 900, false)
	for _, f := range []forged{
		{id: "NOTE-UNKNOWN", resource: transactionResource(payment.OutTradeNo(404, 1), "4200000000000000000000000404", 900)},
		{id: "NOTE-AMOUNT", resource: transactionResource(no, "4200000000000000000000000009", 1)},
	} {
		f.eventType, f.originalType, f.at = "TRANSACTION.SUCCESS", "transaction", time.Now()
		for range 2 {
			if got := e.send("/wechatpay/notify/payment", f); got != http.StatusNoContent {
				t.Fatalf("%s: status %d, want 204", f.id, got)
			}
		}
	}
	if n := e.count("SELECT count(*) FROM payment_notifications WHERE rejected_reason <> ''"); n != 2 {
		t.Fatalf("%d rejected notifications kept, want 2", n)
	}
	if p := e.payment(no); p.State != payment.StateCreated {
		t.Fatalf("a contradicting notification changed the payment: %+v", p)
	}
}

// An accepted payment notification leaves one info line naming the order, the amount and the
// transaction (masked), so a shopper's "paid but not paid" has a trace; a duplicate names the
// same notification again.
func TestAcceptedPaymentNotificationIsLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := payment.OutTradeNo(7, 1)
	p := e.paid(no, 3990, true)
	var line string
	waitFor(t, "the accepted notification's log line", func() bool {
		for _, l := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(l, "wechat pay payment notification accepted") {
				line = l
				return true
			}
		}
		return false
	})
	masked := p.TransactionID[:4] + strings.Repeat("*", len(p.TransactionID)-10) + p.TransactionID[len(p.TransactionID)-6:]
	for _, want := range []string{"INFO ", "out_trade_no=" + no, "amount_fen=3990", "transaction_id=" + masked, "notification_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	if strings.Contains(e.logs.String(), p.TransactionID) || strings.Contains(e.logs.String(), payerID) {
		t.Errorf("the log holds the transaction id or the payer in clear: %s", e.logs.String())
	}
}
