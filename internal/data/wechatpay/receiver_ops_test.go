package wechatpay_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// A registration WeChat refused is listed as failed with WeChat's reason; ops retry it, it is
// pending again and due now, and the registrar's next round makes the leader a receiver.
// Only failed registrations can be retried, and not once a later one of the leader exists.
func TestReceiverOpsListAndRetryRefusedRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	queue := paymentstore.NewReceiverQueue(e.data)
	const refused, other = "oReceiverOpsLeader00000000001", "oReceiverOpsLeader00000000002"
	if err := queue.Enqueue(ctx, leader.ReceiverRequest{LeaderID: 41, OpenID: refused}); err != nil {
		t.Fatal(err)
	}
	clock := time.Now().UTC()
	now := func() time.Time { return clock }
	regs := paymentstore.NewRegistrationQueue(e.data)
	r := payment.NewRegistrar(regs, e.client, now)
	ops := payment.NewReceiverOps(regs, e.data, now)

	e.sim.FailPayNext(wxsim.OpSharingAddReceiver, "INVALID_REQUEST", http.StatusBadRequest, 1)
	if n, err := r.RegisterOnce(ctx); n != 1 || err != nil {
		t.Fatalf("register: %d claimed, %v", n, err)
	}
	failed, err := ops.List(ctx, payment.RegistrationFilter{State: payment.RegistrationFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].LeaderID != 41 || failed[0].Delete || failed[0].Attempts != 1 ||
		!strings.Contains(failed[0].LastError, "INVALID_REQUEST") || failed[0].UpdatedAt.IsZero() {
		t.Fatalf("failed registrations = %+v, want leader 41's add with WeChat's INVALID_REQUEST", failed)
	}
	id := failed[0].ID
	if pending, _ := ops.List(ctx, payment.RegistrationFilter{State: payment.RegistrationPending}); len(pending) != 0 {
		t.Fatalf("pending registrations = %+v, want none", pending)
	}
	if mine, _ := ops.List(ctx, payment.RegistrationFilter{LeaderID: 42}); len(mine) != 0 {
		t.Fatalf("leader 42's registrations = %+v, want none", mine)
	}

	// Retried: pending, due now, its attempts and last reason kept.
	clock = clock.Add(time.Hour)
	got, err := ops.Retry(ctx, id)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got.State != payment.RegistrationPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(clock.Truncate(time.Microsecond)) ||
		got.LastError == "" {
		t.Fatalf("retried = %+v, want pending, due %s, attempts and reason kept", got, clock)
	}
	var state *payment.RegistrationStateError
	if _, err := ops.Retry(ctx, id); !errors.As(err, &state) || state.State != payment.RegistrationPending {
		t.Fatalf("retry of a pending registration = %v, want a RegistrationStateError (pending)", err)
	}
	if n, err := r.RegisterOnce(ctx); n != 1 || err != nil {
		t.Fatalf("register after retry: %d claimed, %v", n, err)
	}
	done, _ := ops.List(ctx, payment.RegistrationFilter{State: payment.RegistrationDone, LeaderID: 41})
	if len(done) != 1 || done[0].ID != id || done[0].Attempts != 2 || done[0].LastError != "" {
		t.Fatalf("done registrations = %+v, want %d after 2 attempts, reason cleared", done, id)
	}
	if _, err := ops.Retry(ctx, id); !errors.As(err, &state) || state.State != payment.RegistrationDone {
		t.Fatalf("retry of a done registration = %v, want a RegistrationStateError (done)", err)
	}
	if _, err := ops.Retry(ctx, id+1000); !errors.Is(err, bizerr.ErrNotFound) {
		t.Fatalf("retry of an unknown registration = %v, want ErrNotFound", err)
	}

	// A refused add followed by a delete of the same leader cannot be retried: it would undo the
	// delete.
	if err := queue.Enqueue(ctx, leader.ReceiverRequest{LeaderID: 42, OpenID: other}); err != nil {
		t.Fatal(err)
	}
	e.sim.FailPayNext(wxsim.OpSharingAddReceiver, "INVALID_REQUEST", http.StatusBadRequest, 1)
	if n, err := r.RegisterOnce(ctx); n != 1 || err != nil {
		t.Fatalf("register 42: %d claimed, %v", n, err)
	}
	if err := queue.Enqueue(ctx, leader.ReceiverRequest{LeaderID: 42, OpenID: other, Delete: true}); err != nil {
		t.Fatal(err)
	}
	mine, _ := ops.List(ctx, payment.RegistrationFilter{LeaderID: 42})
	if len(mine) != 2 || !mine[0].Delete || mine[1].State != payment.RegistrationFailed {
		t.Fatalf("leader 42's registrations = %+v, want its delete then its failed add, newest first", mine)
	}
	if _, err := ops.Retry(ctx, mine[1].ID); !errors.Is(err, payment.ErrRegistrationSuperseded) {
		t.Fatalf("retry of a superseded add = %v, want ErrRegistrationSuperseded", err)
	}

	// Pages run newest first.
	page, _ := ops.List(ctx, payment.RegistrationFilter{Limit: 1})
	next, _ := ops.List(ctx, payment.RegistrationFilter{Limit: 5, BeforeID: page[0].ID})
	if len(page) != 1 || len(next) != 2 || next[0].ID >= page[0].ID || next[1].ID >= next[0].ID {
		t.Fatalf("pages %+v then %+v, want 1 then 2, newest first", page, next)
	}
}
