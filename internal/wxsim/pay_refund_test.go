package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func (h *payHarness) refund(byTxID, outTradeNo, outRefundNo string, refund, total int64) (*refunddomestic.Refund, error) {
	req := refunddomestic.CreateRequest{
		OutRefundNo: core.String(outRefundNo), Reason: core.String("团购取消"),
		NotifyUrl: core.String(h.notes.url + "/refund"),
		Amount:    &refunddomestic.AmountReq{Refund: core.Int64(refund), Total: core.Int64(total), Currency: core.String("CNY")},
	}
	if byTxID != "" {
		req.TransactionId = core.String(byTxID)
	} else {
		req.OutTradeNo = core.String(outTradeNo)
	}
	resp, _, err := h.refunds.Create(context.Background(), req)
	return resp, err
}

func (h *payHarness) queryRefund(outRefundNo string) (*refunddomestic.Refund, error) {
	resp, _, err := h.refunds.QueryByOutRefundNo(context.Background(), refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	return resp, err
}

// A partial refund and then the rest, each notified; never more than was paid.
func TestRefundPartialThenFull(t *testing.T) {
	h := newPayHarness(t)
	txID := h.paid("ORDER-R001", 1000, false)

	first, err := h.refund("", "ORDER-R001", "REFUND-001", 300, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if *first.Status != refunddomestic.STATUS_PROCESSING || *first.TransactionId != txID || *first.Amount.Refund != 300 {
		t.Fatalf("refund answered %s", mustJSON(t, first))
	}
	again, err := h.refund("", "ORDER-R001", "REFUND-001", 300, 1000)
	if err != nil || *again.RefundId != *first.RefundId {
		t.Fatalf("repeated out_refund_no: %v %v", again, err)
	}
	notes := h.notes.waitEvents(t, "REFUND.SUCCESS", 1)
	var body map[string]any
	if err := json.Unmarshal([]byte(notes[0].plaintext), &body); err != nil {
		t.Fatal(err)
	}
	if body["out_refund_no"] != "REFUND-001" || body["refund_status"] != "SUCCESS" || notes[0].path != "/refund" {
		t.Errorf("refund notification %v", body)
	}
	got, err := h.queryRefund("REFUND-001")
	if err != nil || *got.Status != refunddomestic.STATUS_SUCCESS || got.SuccessTime == nil {
		t.Fatalf("query after success: %v %v", got, err)
	}

	if _, err := h.refund(txID, "", "REFUND-002", 700, 1000); err != nil {
		t.Fatal(err)
	}
	_, err = h.refund(txID, "", "REFUND-003", 1, 1000)
	wantAPIError(t, err, http.StatusForbidden, wxsim.PayCodeNotEnough)
	if got, _ := h.query("ORDER-R001"); got["trade_state"] != wxsim.TradeRefund {
		t.Errorf("refunded order reads %v", got["trade_state"])
	}
	h.notes.waitEvents(t, "REFUND.SUCCESS", 2)
}

func TestRefundRefusals(t *testing.T) {
	h := newPayHarness(t)
	h.prepay("ORDER-R002", 100, false)
	_, err := h.refund("", "ORDER-R002", "REFUND-004", 100, 100)
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	_, err = h.refund("4200000000000000000000000000", "", "REFUND-005", 100, 100)
	wantAPIError(t, err, http.StatusNotFound, wxsim.PayCodeResourceNotExists)
	h.paid("ORDER-R003", 100, false)
	_, err = h.refund("", "ORDER-R003", "REFUND-006", 50, 99)
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	_, err = h.queryRefund("NO-SUCH-REFUND")
	wantAPIError(t, err, http.StatusNotFound, wxsim.PayCodeResourceNotExists)
}

// With a manual refund delay a refund waits for the control call; a CLOSED one can be made
// again.
func TestRefundManualOutcomes(t *testing.T) {
	h := newPayHarness(t, func(c *wxsim.PayConfig) { c.RefundDelay = wxsim.Manual })
	h.paid("ORDER-R004", 1000, false)
	if _, err := h.refund("", "ORDER-R004", "REFUND-007", 1000, 1000); err != nil {
		t.Fatal(err)
	}
	h.sim.AdvanceClock(48 * time.Hour)
	if got, _ := h.queryRefund("REFUND-007"); *got.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("manual refund moved by itself: %s", *got.Status)
	}
	if err := h.sim.FailRefund("REFUND-007", wxsim.RefundClosed); err != nil {
		t.Fatal(err)
	}
	h.notes.waitEvents(t, "REFUND.CLOSED", 1)
	if _, err := h.refund("", "ORDER-R004", "REFUND-008", 1000, 1000); err != nil {
		t.Fatalf("refunding again after a closed refund: %v", err)
	}
	if err := h.sim.CompleteRefund("REFUND-008"); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.CompleteRefund("REFUND-008"); !errors.Is(err, wxsim.ErrRefundFinished) {
		t.Errorf("completing twice: %v", err)
	}
	if r, _ := h.sim.Refund("REFUND-008"); r.Status != wxsim.RefundSuccess {
		t.Errorf("refund reads %+v", r)
	}
	h.notes.waitEvents(t, "REFUND.SUCCESS", 1)
}

// A refund delay is simulated time: the refund succeeds when the clock passes it.
func TestRefundDelayFollowsTheSimulatedClock(t *testing.T) {
	h := newPayHarness(t, func(c *wxsim.PayConfig) { c.RefundDelay = time.Hour })
	h.paid("ORDER-R005", 1000, false)
	if _, err := h.refund("", "ORDER-R005", "REFUND-009", 400, 1000); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(59 * time.Minute)
	if got, _ := h.queryRefund("REFUND-009"); *got.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("refund done early: %s", *got.Status)
	}
	h.sim.AdvanceClock(time.Minute)
	h.notes.waitEvents(t, "REFUND.SUCCESS", 1)
	if got, _ := h.queryRefund("REFUND-009"); *got.Status != refunddomestic.STATUS_SUCCESS {
		t.Fatalf("refund after its delay: %s", *got.Status)
	}
}
