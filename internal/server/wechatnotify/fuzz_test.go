package wechatnotify_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/server/wechatnotify"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The notification fuzz targets drive the routes on the real decoder (wechatpay.Decoder, the
// SDK's verification) and sign what they send with the WeChat Pay platform key, so every input
// gets past the signature check and reaches the decoding behind it: the envelope, the AES-GCM
// resource and the transaction or refund inside. The applier records what it is given.

const (
	testApp    = "wxpaytestapp0001"
	testSecret = "pay-test-secret"
	payerID    = "oPayer000000000000000000000001"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// transactionResource is a TRANSACTION.SUCCESS resource for a payment of amount fen.
func transactionResource(outTradeNo, transactionID string, amount int64) map[string]any {
	return map[string]any{
		"appid": testApp, "mchid": wxsim.DemoMchID, "out_trade_no": outTradeNo, "transaction_id": transactionID,
		"trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
		"success_time": time.Now().Format(time.RFC3339), "payer": map[string]string{"openid": payerID},
		"amount": map[string]any{"total": amount, "payer_total": amount, "currency": "CNY", "payer_currency": "CNY"},
	}
}

// recorder is the notification endpoints' use case, reduced to remembering its calls.
type recorder struct {
	mu      sync.Mutex
	notes   []payment.Notification
	txs     []payment.Transaction
	refunds []payment.Refund
}

func (r *recorder) ApplyPaymentNotification(_ context.Context, n payment.Notification, t payment.Transaction) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes, r.txs = append(r.notes, n), append(r.txs, t)
	return nil
}

func (r *recorder) ApplyRefundNotification(_ context.Context, n payment.Notification, rf payment.Refund) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes, r.refunds = append(r.notes, n), append(r.refunds, rf)
	return nil
}

// notifyTarget is a decoder on the development keys and the two routes on it.
type notifyTarget struct {
	keys    *wxsim.DevPayKeys
	apply   *recorder
	payment http.Handler
	refund  http.Handler
}

func newNotifyTarget(f *testing.F) *notifyTarget {
	keys, err := wxsim.GenerateDevPayKeys(wxsim.DemoMchID)
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		f.Fatal(err)
	}
	client, err := wechatpay.NewFromConf(&conf.Wechat{
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testApp, AppSecret: testSecret},
		Pay: &conf.Wechat_Pay{
			MchId: keys.MchID, MerchantSerial: keys.MerchantSerial,
			MerchantPrivateKey: dir + "/" + wxsim.MerchantKeyFile, Apiv3Key: keys.APIv3Key,
			PlatformPublicKeyId: keys.PublicKeyID, PlatformPublicKey: dir + "/" + wxsim.PlatformPublicKeyFile,
			NotifyBaseUrl: "http://127.0.0.1:1", ApiBaseUrl: "http://127.0.0.1:1",
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	apply := &recorder{}
	n := wechatnotify.New(wechatpay.NewDecoder(client), apply, log.NewFilter(log.DefaultLogger, log.FilterLevel(log.LevelFatal)))
	return &notifyTarget{keys: keys, apply: apply, payment: n.Payment(), refund: n.Refund()}
}

// envelope is a notification body around resource, sealed with the APIv3 key.
func (n *notifyTarget) envelope(id, eventType, originalType string, resource []byte) []byte {
	block, err := aes.NewCipher([]byte(n.keys.APIv3Key))
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	const nonce = "0123456789ab"
	sealed := gcm.Seal(nil, []byte(nonce), resource, []byte(originalType))
	body, err := json.Marshal(map[string]any{
		"id": id, "create_time": time.Now().Format(time.RFC3339), "resource_type": "encrypt-resource",
		"event_type": eventType, "summary": "支付成功",
		"resource": map[string]string{
			"original_type": originalType, "algorithm": "AEAD_AES_256_GCM", "associated_data": originalType,
			"ciphertext": base64.StdEncoding.EncodeToString(sealed), "nonce": nonce,
		},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// post sends body, signed as WeChat signs it, to h and returns the status and the calls it made.
func (n *notifyTarget) post(t *testing.T, h http.Handler, body []byte) (int, *recorder) {
	t.Helper()
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), randomHex(16)
	sig, err := utils.SignSHA256WithRSA(fmt.Sprintf("%s\n%s\n%s\n", ts, nonce, body), n.keys.PlatformKey)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Wechatpay-Timestamp", ts)
	req.Header.Set("Wechatpay-Nonce", nonce)
	req.Header.Set("Wechatpay-Signature", sig)
	req.Header.Set("Wechatpay-Serial", n.keys.PublicKeyID)
	req.Header.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	n.apply.mu.Lock()
	n.apply.notes, n.apply.txs, n.apply.refunds = nil, nil, nil
	n.apply.mu.Unlock()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent && !json.Valid(w.Body.Bytes()) {
		t.Errorf("status %d with a body that is not JSON: %q", w.Code, w.Body.String())
	}
	return w.Code, n.apply
}

// checkAnswer holds for every signed notification: it is taken (204) or refused as malformed
// (400), never answered with a server error or a signature failure, and the use case hears of
// it only when it was taken.
func checkAnswer(t *testing.T, status int, got *recorder) {
	t.Helper()
	if status != http.StatusNoContent && status != http.StatusBadRequest {
		t.Fatalf("status %d for a genuinely signed notification; want 204 or 400", status)
	}
	if status != http.StatusNoContent && len(got.notes) > 0 {
		t.Fatalf("refused with %d, yet applied %+v", status, got.notes)
	}
	if len(got.notes) > 1 {
		t.Fatalf("one notification applied %d times", len(got.notes))
	}
}

// asJSON is s as a JSON string carries it: invalid UTF-8 becomes U+FFFD.
func asJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// A payment notification's resource is handed on as sent: its plaintext, id and event.
func FuzzPaymentNotification(f *testing.F) {
	target := newNotifyTarget(f)
	good, _ := json.Marshal(transactionResource("GB8-1", "4200000000000000000000000008", 900))
	f.Add("NOTE-1", "TRANSACTION.SUCCESS", good)
	f.Add("NOTE-2", "TRANSACTION.SUCCESS", []byte(`{"out_trade_no":"GB8-1","amount":{"total":-1}}`))
	f.Add("NOTE-3", "TRANSACTION.SUCCESS", []byte(`{"amount":null,"payer":null,"success_time":"yesterday"}`))
	f.Add("NOTE-4", "TRANSACTION.SUCCESS", []byte(`[]`))
	f.Add("NOTE-5", "TRANSACTION.CLOSED", good)
	f.Add("", "TRANSACTION.SUCCESS", good)
	f.Add("NOTE-6", "TRANSACTION.SUCCESS", []byte(`not json`))
	f.Fuzz(func(t *testing.T, id, eventType string, resource []byte) {
		status, got := target.post(t, target.payment, target.envelope(id, eventType, "transaction", resource))
		checkAnswer(t, status, got)
		id, eventType = asJSON(id), asJSON(eventType)
		for _, n := range got.notes {
			if n.ID != id || n.EventType != eventType || n.Resource != string(resource) {
				t.Fatalf("applied %+v; sent id %q, event %q, resource %q", n, id, eventType, resource)
			}
		}
	})
}

// A refund notification's resource reaches the use case with its amounts and state as sent.
func FuzzRefundNotification(f *testing.F) {
	target := newNotifyTarget(f)
	good := []byte(`{"mchid":"1900000109","transaction_id":"4200000001","out_trade_no":"GB8-1","refund_id":"5030001",` +
		`"out_refund_no":"GBR8-1","refund_status":"SUCCESS","success_time":"2026-11-24T10:00:00+08:00","amount":{"total":900,"refund":500}}`)
	for _, event := range []string{"REFUND.SUCCESS", "REFUND.CLOSED", "REFUND.ABNORMAL", "REFUND.OTHER"} {
		f.Add("NOTE-R1", event, good)
	}
	f.Add("NOTE-R2", "REFUND.SUCCESS", []byte(`{"amount":{"total":"900"}}`))
	f.Add("NOTE-R3", "REFUND.SUCCESS", []byte(`{"amount":{"refund":99999999999999999999}}`))
	f.Add("NOTE-R4", "REFUND.SUCCESS", []byte(`{}`))
	f.Fuzz(func(t *testing.T, id, eventType string, resource []byte) {
		status, got := target.post(t, target.refund, target.envelope(id, eventType, "refund", resource))
		checkAnswer(t, status, got)
		if len(got.refunds) == 0 {
			return
		}
		var sent struct {
			OutRefundNo  string `json:"out_refund_no"`
			RefundStatus string `json:"refund_status"`
			Amount       struct {
				Total, Refund int64
			} `json:"amount"`
		}
		if err := json.Unmarshal(resource, &sent); err != nil {
			t.Fatalf("applied a refund from a resource that is not one: %q (%v)", resource, err)
		}
		r := got.refunds[0]
		if r.OutRefundNo != sent.OutRefundNo || r.Amount != sent.Amount.Refund || r.Total != sent.Amount.Total {
			t.Fatalf("applied %+v from %q", r, resource)
		}
		if sent.RefundStatus == "SUCCESS" && r.State != payment.RefundSuccess {
			t.Fatalf("refund_status SUCCESS applied as %v", r.State)
		}
	})
}

// Whatever WeChat's key signs — a body that is no notification at all, an envelope without a
// resource, a nonce of the wrong length — is answered, never a panic or a server error.
func FuzzNotificationEnvelope(f *testing.F) {
	target := newNotifyTarget(f)
	good, _ := json.Marshal(transactionResource("GB8-1", "4200000000000000000000000008", 900))
	f.Add(target.envelope("NOTE-1", "TRANSACTION.SUCCESS", "transaction", good))
	f.Add([]byte(`{"id":"NOTE-1","event_type":"TRANSACTION.SUCCESS"}`))
	f.Add([]byte(`{"id":"NOTE-1","event_type":"TRANSACTION.SUCCESS","resource":null}`))
	f.Add([]byte(`{"id":"NOTE-1","event_type":"TRANSACTION.SUCCESS","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"short","ciphertext":"AAAA"}}`))
	f.Add([]byte(`{"id":"NOTE-1","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"0123456789ab","ciphertext":"!!"}}`))
	f.Add([]byte(`{"create_time":"not a time"}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		status, got := target.post(t, target.payment, body)
		checkAnswer(t, status, got)
	})
}
