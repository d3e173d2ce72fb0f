package wechatpay_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// Approved leaders' queued registrations become WeChat Pay receivers: a share to the leader is
// then accepted. A transient failure is retried later; a refusal is kept as failed, for ops.
func TestRegistrarMakesLeadersReceivers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	queue := paymentstore.NewReceiverQueue(e.data)
	const good, refused = "oRegistrarLeader0000000000001", "oRegistrarLeader0000000000002"
	for i, openid := range []string{good, refused} {
		if err := queue.Enqueue(ctx, leader.ReceiverRequest{LeaderID: int64(i + 1), OpenID: openid}); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Now().UTC()
	r := payment.NewRegistrar(paymentstore.NewRegistrationQueue(e.data), e.client, func() time.Time { return clock })

	e.sim.FailPayNext(wxsim.OpSharingAddReceiver, "SYSTEM_ERROR", http.StatusInternalServerError, 10)
	if n, err := r.RegisterOnce(ctx); n != 2 || err != nil {
		t.Fatalf("first round: %d claimed, %v", n, err)
	}
	if n := e.count("SELECT count(*) FROM receiver_registrations WHERE state = 'pending' AND last_error <> ''"); n != 2 {
		t.Fatalf("%d registrations waiting to retry after SYSTEM_ERROR, want 2", n)
	}
	if n, _ := r.RegisterOnce(ctx); n != 0 {
		t.Fatal("a registration was retried before its back-off")
	}

	e.sim.ClearPayFaults()
	clock = clock.Add(2 * time.Minute)
	e.sim.FailPayNext(wxsim.OpSharingAddReceiver, "INVALID_REQUEST", http.StatusBadRequest, 1)
	if n, err := r.RegisterOnce(ctx); n != 2 || err != nil {
		t.Fatalf("second round: %d claimed, %v", n, err)
	}
	if n := e.count("SELECT count(*) FROM receiver_registrations WHERE state = 'done'"); n != 1 {
		t.Fatalf("%d registrations done, want 1", n)
	}
	if n := e.count("SELECT count(*) FROM receiver_registrations WHERE state = 'failed' AND last_error <> ''"); n != 1 {
		t.Fatalf("%d registrations failed with a reason, want 1", n)
	}

	var registered string
	if err := e.db.QueryRow(`SELECT account FROM receiver_registrations WHERE state = 'done'`).Scan(&registered); err != nil {
		t.Fatal(err)
	}
	p := e.paid(payment.OutTradeNo(77, 1), 1000, true)
	_, err := e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: payment.OutOrderNo(1, 77), TransactionID: p.TransactionID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: registered, Amount: 100, Description: "团长佣金"}}})
	if err != nil {
		t.Fatalf("share to the registered leader: %v", err)
	}
	var unregistered string
	_ = e.db.QueryRow(`SELECT account FROM receiver_registrations WHERE state = 'failed'`).Scan(&unregistered)
	_, err = e.client.CreateOrder(ctx, payment.SharingInput{OutOrderNo: payment.OutOrderNo(2, 77), TransactionID: p.TransactionID,
		Shares: []payment.Share{{Type: payment.ReceiverPersonalOpenID, Account: unregistered, Amount: 100, Description: "团长佣金"}}})
	if !errors.Is(err, payment.ErrReceiverNotFound) {
		t.Fatalf("share to the leader WeChat refused: %v, want ErrReceiverNotFound", err)
	}
}
