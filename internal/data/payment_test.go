package data_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The payment store on both engines: a payment is created once per out_trade_no, saved and
// locked; a refund likewise; the inbox takes a notification id once.
func TestPaymentStore(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			d := db
			s := paymentstore.NewPaymentStore(d)
			ctx := t.Context()
			in := &payment.Payment{OutTradeNo: "GBO1-1", Description: "草莓", Amount: 1234, PayerOpenID: "o1", State: payment.StateCreated,
				ExpiresAt: time.Now().Add(15 * time.Minute)}
			p, err := s.CreatePayment(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.CreatePayment(ctx, &payment.Payment{OutTradeNo: "GBO1-1", Description: "other", Amount: 1, PayerOpenID: "o2", State: payment.StateCreated})
			if err != nil || again.ID != p.ID || again.Amount != 1234 {
				t.Fatalf("second create: %+v, %v", again, err)
			}
			err = d.InTx(ctx, func(ctx context.Context) error {
				p, err := s.LockPayment(ctx, "GBO1-1")
				if err != nil {
					return err
				}
				p.State, p.TransactionID, p.PaidAt = payment.StatePaid, "4200001", time.Now()
				return s.SavePayment(ctx, p)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.GetPayment(ctx, "GBO1-1"); got.State != payment.StatePaid || got.TransactionID != "4200001" {
				t.Errorf("saved payment %+v", got)
			}
			if _, err := s.GetPayment(ctx, "GBO9-9"); !errors.Is(err, bizerr.ErrNotFound) {
				t.Errorf("unknown payment: %v", err)
			}
			r, err := s.CreateRefund(ctx, &payment.Refund{OutRefundNo: "GBR1-1", OutTradeNo: "GBO1-1", Amount: 100, Total: 1234, State: payment.RefundCreated})
			if err != nil || r.State != payment.RefundCreated {
				t.Fatalf("refund %+v, %v", r, err)
			}
			r.State, r.RefundID = payment.RefundSuccess, "5030001"
			if err := s.SaveRefund(ctx, r); err != nil {
				t.Fatal(err)
			}
			n := payment.Notification{ID: "N1", EventType: "TRANSACTION.SUCCESS", Resource: "{}", ReceivedAt: time.Now(), CreateTime: time.Now()}
			for i, want := range []bool{true, false} {
				fresh, err := s.RecordNotification(ctx, n)
				if err != nil || fresh != want {
					t.Errorf("record %d: %v, %v; want %v", i, fresh, err, want)
				}
			}
		})
	}
}
