package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The whole payment: prepay, the payer pays, the notification arrives and verifies with the
// SDK, and both queries agree with it.
func TestPayPrepayPayNotifyQueryAgree(t *testing.T) {
	h := newPayHarness(t)
	ctx := context.Background()
	prepayID := h.prepay("ORDER-0001", 1990, true)
	if len(prepayID) != 36 || prepayID[:2] != "wx" {
		t.Errorf("prepay_id %q is not shaped like WeChat's", prepayID)
	}
	before, err := h.query("ORDER-0001")
	if err != nil {
		t.Fatal(err)
	}
	if before["trade_state"] != wxsim.TradeNotPay || before["transaction_id"] != nil {
		t.Fatalf("before paying: %v", before)
	}

	txID, err := h.sim.Pay("ORDER-0001")
	if err != nil {
		t.Fatal(err)
	}
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 1)
	var notified payments.Transaction
	if err := json.Unmarshal([]byte(notes[0].plaintext), &notified); err != nil {
		t.Fatal(err)
	}
	if notes[0].path != "/pay" || notes[0].request.Summary != "支付成功" || notes[0].request.ResourceType != "encrypt-resource" {
		t.Errorf("notification envelope: %+v", notes[0].request)
	}

	byNo, _, err := h.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("ORDER-0001"), Mchid: core.String(h.keys.MchID)})
	if err != nil {
		t.Fatal(err)
	}
	byID, _, err := h.jsapi.QueryOrderById(ctx, jsapi.QueryOrderByIdRequest{TransactionId: core.String(txID), Mchid: core.String(h.keys.MchID)})
	if err != nil {
		t.Fatal(err)
	}
	for name, tx := range map[string]*payments.Transaction{"notification": &notified, "by out_trade_no": byNo, "by id": byID} {
		if *tx.TransactionId != txID || *tx.TradeState != "SUCCESS" || *tx.Amount.Total != 1990 ||
			*tx.Amount.PayerTotal != 1990 || *tx.Payer.Openid != testOpenID || *tx.OutTradeNo != "ORDER-0001" ||
			*tx.Appid != testApp || *tx.Mchid != h.keys.MchID || *tx.TradeType != "JSAPI" ||
			*tx.SuccessTime != "2026-03-10T12:00:00+08:00" {
			t.Errorf("%s disagrees: %s", name, mustJSON(t, tx))
		}
	}
	if len(txID) != 28 {
		t.Errorf("transaction_id %q is not 28 digits", txID)
	}
}

// The same out_trade_no is the same order while nothing changed, and not otherwise.
func TestPayPrepayIsIdempotent(t *testing.T) {
	h := newPayHarness(t)
	ctx := context.Background()
	first := h.prepay("ORDER-0002", 500, false)
	if again := h.prepay("ORDER-0002", 500, false); again != first {
		t.Fatalf("same order, prepay_id %s then %s", first, again)
	}
	_, _, err := h.jsapi.Prepay(ctx, h.prepayRequest("ORDER-0002", 501, false))
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)

	h.paid("ORDER-0003", 800, false)
	_, _, err = h.jsapi.Prepay(ctx, h.prepayRequest("ORDER-0003", 800, false))
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeOrderPaid)
}

func TestPayCloseBeforePay(t *testing.T) {
	h := newPayHarness(t)
	ctx := context.Background()
	h.prepay("ORDER-0004", 300, false)
	closeReq := jsapi.CloseOrderRequest{OutTradeNo: core.String("ORDER-0004"), Mchid: core.String(h.keys.MchID)}
	res, err := h.jsapi.CloseOrder(ctx, closeReq)
	if err != nil {
		t.Fatal(err)
	}
	if res.Response.StatusCode != http.StatusNoContent {
		t.Errorf("close answered %d, want 204", res.Response.StatusCode)
	}
	if _, err := h.jsapi.CloseOrder(ctx, closeReq); err != nil {
		t.Errorf("closing twice: %v", err)
	}
	if got, _ := h.query("ORDER-0004"); got["trade_state"] != wxsim.TradeClosed {
		t.Errorf("closed order reads %v", got)
	}
	if _, err := h.sim.Pay("ORDER-0004"); !errors.Is(err, wxsim.ErrPayOrderClosed) {
		t.Errorf("paying a closed order: %v", err)
	}
	_, _, err = h.jsapi.Prepay(ctx, h.prepayRequest("ORDER-0004", 300, false))
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeOrderClosed)

	h.paid("ORDER-0005", 300, false)
	_, err = h.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("ORDER-0005"), Mchid: core.String(h.keys.MchID)})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeOrderPaid)
}

func TestPayFailedPaymentIsFinal(t *testing.T) {
	h := newPayHarness(t)
	h.prepay("ORDER-0006", 300, false)
	if err := h.sim.FailPayment("ORDER-0006", ""); err != nil {
		t.Fatal(err)
	}
	got, err := h.query("ORDER-0006")
	if err != nil {
		t.Fatal(err)
	}
	if got["trade_state"] != wxsim.TradePayError {
		t.Errorf("failed payment reads %v", got)
	}
	if _, err := h.sim.Pay("ORDER-0006"); !errors.Is(err, wxsim.ErrPaymentFailed) {
		t.Errorf("paying a failed order: %v", err)
	}
	if n := len(h.sim.Notifications()); n != 0 {
		t.Errorf("%d notifications for a failed payment, WeChat sends none", n)
	}
}

func TestPayPrepayValidation(t *testing.T) {
	h := newPayHarness(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		edit   func(*jsapi.PrepayRequest)
		status int
		code   string
	}{
		{"no payer openid", func(r *jsapi.PrepayRequest) { r.Payer = &jsapi.Payer{} }, 400, wxsim.PayCodeParamError},
		{"zero amount", func(r *jsapi.PrepayRequest) { r.Amount.Total = core.Int64(0) }, 400, wxsim.PayCodeParamError},
		{"short out_trade_no", func(r *jsapi.PrepayRequest) { r.OutTradeNo = core.String("A1") }, 400, wxsim.PayCodeParamError},
		{"unknown appid", func(r *jsapi.PrepayRequest) { r.Appid = core.String("wxnotours") }, 400, wxsim.PayCodeAppIDMchIDMismatch},
		{"other mchid", func(r *jsapi.PrepayRequest) { r.Mchid = core.String("1900000999") }, 400, wxsim.PayCodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := h.prepayRequest("ORDER-0007", 100, false)
			tc.edit(&req)
			_, _, err := h.jsapi.Prepay(ctx, req)
			wantAPIError(t, err, tc.status, tc.code)
		})
	}
	_, err := h.query("NO-SUCH-ORDER")
	wantAPIError(t, err, http.StatusNotFound, wxsim.PayCodeOrderNotExist)
}

// A prepay retried after a SYSTEM_ERROR, whether WeChat failed before or after doing the work,
// ends in exactly one order and one payment.
func TestPayPrepayRetriedAfterSystemErrorPaysOnce(t *testing.T) {
	h := newPayHarness(t)
	ctx := context.Background()
	h.sim.FailPayNext(wxsim.OpPayJSAPI, wxsim.PayCodeSystemError, 0, 1)
	_, _, err := h.jsapi.Prepay(ctx, h.prepayRequest("ORDER-0008", 700, true))
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)

	if err := h.sim.InjectPayFault(wxsim.PayFault{Operation: wxsim.OpPayJSAPI, Code: wxsim.PayCodeSystemError, AfterEffect: true}); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.jsapi.Prepay(ctx, h.prepayRequest("ORDER-0008", 700, true))
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)
	stored, err := h.sim.Transaction("ORDER-0008")
	if err != nil {
		t.Fatalf("the order the lost answer created: %v", err)
	}
	if got := h.prepay("ORDER-0008", 700, true); got != stored.PrepayID {
		t.Fatalf("retry got prepay_id %s, the order has %s", got, stored.PrepayID)
	}
	if _, err := h.sim.Pay("ORDER-0008"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.Pay("ORDER-0008"); !errors.Is(err, wxsim.ErrPayOrderPaid) {
		t.Errorf("second payment: %v", err)
	}
	h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 1)
	if n := h.sim.Calls(wxsim.OpPayJSAPI); n != 3 {
		t.Errorf("%d prepay calls counted, want 3", n)
	}
}

// A mini-program Fault on a pay operation still works: its latency applies and its errcode
// becomes SYSTEM_ERROR.
func TestPayLegacyFaultBecomesSystemError(t *testing.T) {
	h := newPayHarness(t)
	h.sim.FailNext(wxsim.OpPayQueryByOutTradeNo, wxsim.ErrcodeSystemError, "", 1)
	_, err := h.query("ORDER-0009")
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)
}
