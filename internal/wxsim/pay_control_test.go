package wxsim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// controlPay sends a control request to the pay harness's simulator.
func (h *payHarness) control(method, path, body string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	return resp.StatusCode, raw
}

func TestPayControlAPI(t *testing.T) {
	h := newPayHarness(t, manualSharing, func(c *wxsim.PayConfig) { c.RefundDelay = wxsim.Manual })
	h.prepay("ORDER-K001", 1000, true)

	status, body := h.control(http.MethodPost, "/sim/v1/pay/transactions/ORDER-K001/pay", `{}`)
	var paid struct {
		TransactionID string `json:"transaction_id"`
	}
	if err := json.Unmarshal(body, &paid); status != 200 || err != nil || paid.TransactionID == "" {
		t.Fatalf("pay: %d %s", status, body)
	}
	if status, body := h.control(http.MethodPost, "/sim/v1/pay/transactions/ORDER-K001/pay", `{}`); status != http.StatusConflict {
		t.Errorf("paying twice: %d %s", status, body)
	}
	if status, _ := h.control(http.MethodPost, "/sim/v1/pay/transactions/NO-SUCH/pay", `{}`); status != http.StatusNotFound {
		t.Errorf("paying an unknown order: %d", status)
	}
	status, body = h.control(http.MethodGet, "/sim/v1/pay/transactions/ORDER-K001", "")
	var tx wxsim.PayTransaction
	if err := json.Unmarshal(body, &tx); status != 200 || err != nil || tx.TransactionID != paid.TransactionID || tx.Unsplit != 1000 {
		t.Errorf("read: %d %s", status, body)
	}

	if _, err := h.refund(paid.TransactionID, "", "REFUND-K01", 100, 1000); err != nil {
		t.Fatal(err)
	}
	if status, body := h.control(http.MethodPost, "/sim/v1/pay/refunds/REFUND-K01/complete", `{"status":"ABNORMAL"}`); status != 200 {
		t.Errorf("refund outcome: %d %s", status, body)
	}
	h.notes.waitEvents(t, "REFUND.ABNORMAL", 1)

	h.addReceiver(openidReceiver, leaderID, "")
	if status, body := h.control(http.MethodPost, "/sim/v1/pay/profitsharing/receiver-results", `{"account":"`+leaderID+`","fail_reason":"RECEIVER_HIGH_RISK"}`); status != 200 {
		t.Errorf("receiver result: %d %s", status, body)
	}
	if status, _ := h.control(http.MethodPost, "/sim/v1/pay/profitsharing/receiver-results", `{"account":"x","fail_reason":"BAD"}`); status != 400 {
		t.Errorf("unknown fail reason: %d", status)
	}
	if _, err := h.share(paid.TransactionID, "SHARE-K01", false, share{openidReceiver, leaderID, 100}); err != nil {
		t.Fatal(err)
	}
	if status, body := h.control(http.MethodPost, "/sim/v1/pay/profitsharing/orders/SHARE-K01/settle", `{}`); status != 200 {
		t.Errorf("settle: %d %s", status, body)
	}
	if got := h.queryShare(paid.TransactionID, "SHARE-K01"); *got.Receivers[0].FailReason != "RECEIVER_HIGH_RISK" {
		t.Errorf("injected result not applied: %s", mustJSON(t, got))
	}

	if status, body := h.control(http.MethodPost, "/sim/v1/pay/faults", `{"operation":"pay_query_out_trade_no","code":"SYSTEM_ERROR"}`); status != 200 || !strings.Contains(string(body), `"status":500`) {
		t.Errorf("inject: %d %s", status, body)
	}
	_, err := h.query("ORDER-K001")
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)
	if status, _ := h.control(http.MethodPost, "/sim/v1/pay/faults", `{"operation":"jscode2session","code":"SYSTEM_ERROR"}`); status != 400 {
		t.Errorf("a pay fault on a mini-program operation: %d", status)
	}
	if status, _ := h.control(http.MethodPost, "/sim/v1/pay/notify-faults", `{"kind":"drop","count":2}`); status != 200 {
		t.Errorf("notify fault: %d", status)
	}
	if status, body := h.control(http.MethodDelete, "/sim/v1/pay/notify-faults", ""); status != 200 || string(body) != `{"cleared":1}` {
		t.Errorf("clear notify faults: %d %s", status, body)
	}

	status, body = h.control(http.MethodGet, "/sim/v1/pay/keys", "")
	var keys struct {
		MchIDs       []string `json:"mchids"`
		PublicKeyID  string   `json:"public_key_id"`
		PublicKeyPEM string   `json:"public_key_pem"`
	}
	if err := json.Unmarshal(body, &keys); status != 200 || err != nil || keys.PublicKeyID != h.keys.PublicKeyID || !strings.Contains(keys.PublicKeyPEM, "PUBLIC KEY") {
		t.Errorf("keys: %d %s", status, body)
	}
	status, body = h.control(http.MethodGet, "/sim/v1/pay/calls", "")
	if status != 200 || !strings.Contains(string(body), `"pay_query_out_trade_no":1`) {
		t.Errorf("calls: %d %s", status, body)
	}
	if status, body := h.control(http.MethodGet, "/sim/v1/calls?operation=pay_jsapi", ""); status != 200 || string(body) != `{"calls":{"pay_jsapi":1}}` {
		t.Errorf("calls of one pay operation: %d %s", status, body)
	}
	status, body = h.control(http.MethodPost, "/sim/v1/clock/advance", `{"seconds":3600}`)
	if status != 200 || !strings.Contains(string(body), "13:00:00+08:00") {
		t.Errorf("clock: %d %s", status, body)
	}
	status, body = h.control(http.MethodGet, "/sim/v1/pay/notifications", "")
	if status != 200 || !strings.Contains(string(body), `"deliveries"`) {
		t.Errorf("notifications: %d %s", status, body)
	}
}

// An unknown /v3/ path is answered in WeChat Pay's shape, signed.
func TestPayUnknownPathIsNotFound(t *testing.T) {
	h := newPayHarness(t)
	_, err := h.client.Get(t.Context(), "https://api.mch.weixin.qq.com/v3/no/such/api")
	wantAPIError(t, err, http.StatusNotFound, wxsim.PayCodeNotFound)
}

// POST /sim/v1/pay/transactions records paid transactions in bulk, all or none, and answers
// their transaction ids in order; each is then shareable like a paid one.
func TestPayControlSeedsPaidTransactions(t *testing.T) {
	h := newPayHarness(t, manualSharing)
	status, body := h.control(http.MethodPost, "/sim/v1/pay/transactions",
		`[{"out_trade_no":"SEED-0001","total":1000,"payer_openid":"oPayer1","profit_sharing":true},
		  {"out_trade_no":"SEED-0002","total":2500,"payer_openid":"oPayer2","description":"草莓"}]`)
	var seeded struct {
		TransactionIDs []string `json:"transaction_ids"`
	}
	if err := json.Unmarshal(body, &seeded); status != 200 || err != nil || len(seeded.TransactionIDs) != 2 ||
		seeded.TransactionIDs[0] == "" || seeded.TransactionIDs[0] == seeded.TransactionIDs[1] {
		t.Fatalf("seed: %d %s", status, body)
	}
	for i, want := range []struct {
		no    string
		total int64
		split int64
	}{{"SEED-0001", 1000, 1000}, {"SEED-0002", 2500, 0}} {
		status, body := h.control(http.MethodGet, "/sim/v1/pay/transactions/"+want.no, "")
		var tx wxsim.PayTransaction
		if err := json.Unmarshal(body, &tx); status != 200 || err != nil || tx.TransactionID != seeded.TransactionIDs[i] ||
			tx.State != wxsim.TradeSuccess || tx.Total != want.total || tx.Unsplit != want.split {
			t.Errorf("%s: %d %s", want.no, status, body)
		}
	}
	if got := h.unsplit(seeded.TransactionIDs[0]); got != 1000 {
		t.Errorf("unsplit of the profit-sharing transaction at WeChat = %d, want 1000", got)
	}

	// A used order number refuses the whole request; so does one given twice, or a bad field.
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`[{"out_trade_no":"SEED-0003","total":100,"payer_openid":"oPayer1"},{"out_trade_no":"SEED-0001","total":100,"payer_openid":"oPayer1"}]`, http.StatusConflict},
		{`[{"out_trade_no":"SEED-0003","total":100,"payer_openid":"oPayer1"},{"out_trade_no":"SEED-0003","total":100,"payer_openid":"oPayer1"}]`, http.StatusConflict},
		{`[{"out_trade_no":"SEED-0003","total":0,"payer_openid":"oPayer1"}]`, http.StatusBadRequest},
		{`[{"out_trade_no":"SEED-0003","total":100,"payer_openid":"oPayer1","tip":1}]`, http.StatusBadRequest},
		{`[]`, http.StatusBadRequest},
	} {
		if status, body := h.control(http.MethodPost, "/sim/v1/pay/transactions", bad.body); status != bad.status {
			t.Errorf("%s: %d %s, want %d", bad.body, status, body, bad.status)
		}
	}
	if status, _ := h.control(http.MethodGet, "/sim/v1/pay/transactions/SEED-0003", ""); status != http.StatusNotFound {
		t.Errorf("a refused request recorded SEED-0003: %d", status)
	}

	// The seeded transaction shares like a paid one, and the totals route shows what it paid.
	h.addReceiver(openidReceiver, leaderID, "")
	if _, err := h.share(seeded.TransactionIDs[0], "SEED-SHARE-1", false, share{openidReceiver, leaderID, 200}); err != nil {
		t.Fatal(err)
	}
	if status, body := h.control(http.MethodPost, "/sim/v1/pay/profitsharing/orders/SEED-SHARE-1/settle", `{}`); status != 200 {
		t.Fatalf("settle: %d %s", status, body)
	}
	status, body = h.control(http.MethodGet, "/sim/v1/pay/profitsharing/totals", "")
	var totals struct {
		Totals map[string]int64 `json:"totals"`
	}
	if err := json.Unmarshal(body, &totals); status != 200 || err != nil || totals.Totals[leaderID] != 200 || len(totals.Totals) != 1 {
		t.Errorf("totals: %d %s", status, body)
	}
}
