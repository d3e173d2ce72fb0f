package wxsim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The phone pays with what the merchant's server gave it: wx.requestPayment's parameters, signed
// by the merchant (here by the SDK itself), name the order only by prepay_id. The phone's checks
// refuse what the merchant did not sign, and the order is paid once.
func TestPayByRequestPayment(t *testing.T) {
	h := newPayHarness(t)
	resp, _, err := h.jsapi.PrepayWithRequestPayment(context.Background(), h.prepayRequest("ORDER-R001", 1990, true))
	if err != nil {
		t.Fatal(err)
	}
	rp := wxsim.RequestPayment{AppID: *resp.Appid, TimeStamp: *resp.TimeStamp, NonceStr: *resp.NonceStr,
		Package: *resp.Package, SignType: *resp.SignType, PaySign: *resp.PaySign}
	body := func(change func(*wxsim.RequestPayment)) string {
		c := rp
		if change != nil {
			change(&c)
		}
		return mustJSON(t, c)
	}
	for name, c := range map[string]struct {
		change func(*wxsim.RequestPayment)
		status int
	}{
		"another order's signature": {func(r *wxsim.RequestPayment) { r.NonceStr += "x" }, 400},
		"a forged signature":        {func(r *wxsim.RequestPayment) { r.PaySign = "Zm9yZ2Vk" }, 400},
		"no signature":              {func(r *wxsim.RequestPayment) { r.PaySign = "" }, 400},
		"another app":               {func(r *wxsim.RequestPayment) { r.AppID = "wxother" }, 400},
		"another sign type":         {func(r *wxsim.RequestPayment) { r.SignType = "MD5" }, 400},
		"no prepay_id":              {func(r *wxsim.RequestPayment) { r.Package = "ORDER-R001" }, 400},
		"an unknown prepay_id":      {func(r *wxsim.RequestPayment) { r.Package = "prepay_id=wx000" }, 404},
	} {
		if status, raw := h.control(http.MethodPost, "/sim/v1/pay/request-payment", body(c.change)); status != c.status {
			t.Errorf("%s: %d %s, want %d", name, status, raw, c.status)
		}
	}
	if status, _ := h.control(http.MethodPost, "/sim/v1/pay/request-payment", `{"package":"`+rp.Package+`","extra":1}`); status != 400 {
		t.Errorf("unknown field: %d, want 400", status)
	}
	if tx, err := h.sim.Transaction("ORDER-R001"); err != nil || tx.State != wxsim.TradeNotPay {
		t.Fatalf("refused requests changed the order: %+v %v", tx, err)
	}

	status, raw := h.control(http.MethodPost, "/sim/v1/pay/request-payment", body(nil))
	var paid struct {
		TransactionID string `json:"transaction_id"`
	}
	if err := json.Unmarshal(raw, &paid); status != 200 || err != nil || paid.TransactionID == "" {
		t.Fatalf("pay: %d %s", status, raw)
	}
	if tx, err := h.sim.Transaction("ORDER-R001"); err != nil || tx.State != wxsim.TradeSuccess || tx.TransactionID != paid.TransactionID {
		t.Errorf("paid order: %+v %v", tx, err)
	}
	if got := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 1); !strings.Contains(got[0].plaintext, paid.TransactionID) {
		t.Errorf("notification: %s", got[0].plaintext)
	}
	if status, raw := h.control(http.MethodPost, "/sim/v1/pay/request-payment", body(nil)); status != http.StatusConflict {
		t.Errorf("paying twice: %d %s", status, raw)
	}
}
