package wxsim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// With a data directory, orders, refunds, receivers, profit-sharing orders and pending
// notification retries survive a restart.
func TestPersistRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	configure := func(c *wxsim.PayConfig) {
		c.DataDir = dir
		c.RefundDelay = wxsim.Manual
		c.SharingDelay = wxsim.Manual
		c.NotifySchedule = []time.Duration{300 * time.Millisecond}
	}
	h := newPayHarness(t, configure)
	h.addReceiver(openidReceiver, leaderID, leaderName)
	h.notes.answer(http.StatusServiceUnavailable) // the payment notification's first attempt fails
	txID := h.paid("ORDER-P001", 10000, true)
	waitFor(t, "the failed first attempt", func() bool { return len(h.sim.Notifications()) == 1 })
	if _, err := h.refund(txID, "", "REFUND-P01", 1000, 10000); err != nil {
		t.Fatal(err)
	}
	if _, err := h.share(txID, "SHARE-P01", false, share{openidReceiver, leaderID, 2000}); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := h.keys.PayConfig()
	configure(&cfg)
	h.open(cfg)
	got, err := h.query("ORDER-P001")
	if err != nil || got["trade_state"] != wxsim.TradeRefund || got["transaction_id"] != txID {
		t.Fatalf("after restart: %v %v", got, err)
	}
	if r, err := h.queryRefund("REFUND-P01"); err != nil || *r.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("refund after restart: %v %v", r, err)
	}
	if err := h.sim.CompleteRefund("REFUND-P01"); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.SettleProfitSharing("SHARE-P01"); err != nil {
		t.Fatal(err)
	}
	if got := h.unsplit(txID); got != 10000-1000-2000 {
		t.Errorf("unsplit %d after restart", got)
	}
	if _, err := h.share(txID, "SHARE-P02", false, share{openidReceiver, leaderID, 500}); err != nil {
		t.Errorf("the receiver was forgotten: %v", err)
	}
	// The payment notification's retry resumes and succeeds.
	waitFor(t, "the resumed retry", func() bool { return h.sim.PendingNotifications() == 0 })
	if n := len(h.notes.events(t, "TRANSACTION.SUCCESS")); n != 2 {
		t.Errorf("the merchant got the payment notification %d times, want 2", n)
	}
	var pay []wxsim.Delivery
	for _, d := range h.sim.Notifications() {
		if d.EventType == "TRANSACTION.SUCCESS" {
			pay = append(pay, d)
		}
	}
	if len(pay) != 2 || pay[0].OK || !pay[1].OK || pay[1].Attempt != 2 || pay[1].ID != pay[0].ID {
		t.Errorf("payment deliveries across the restart: %+v", pay)
	}
}
