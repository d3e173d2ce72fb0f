package wechatpay_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/server/wechatnotify"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	testApp    = "wxpaytestapp0001"
	testSecret = "pay-test-secret"
	payerID    = "oPayer000000000000000000000001"
	leaderID   = "oLeader00000000000000000000001"
	partnerMch = "1900000110"
)

var (
	keysOnce sync.Once
	devKeys  *wxsim.DevPayKeys
	keysErr  error
)

// testKeys is one development key set for the test binary: RSA key generation is slow.
func testKeys(t *testing.T) *wxsim.DevPayKeys {
	t.Helper()
	keysOnce.Do(func() { devKeys, keysErr = wxsim.GenerateDevPayKeys(wxsim.DemoMchID) })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return devKeys
}

// countingListener counts what the payment use cases tell checkout.
type countingListener struct{ paid, refunded, closed atomic.Int64 }

func (l *countingListener) PaymentPaid(context.Context, *payment.Payment) error {
	l.paid.Add(1)
	return nil
}

func (l *countingListener) RefundSucceeded(context.Context, *payment.Refund) error {
	l.refunded.Add(1)
	return nil
}

func (l *countingListener) RefundClosed(context.Context, *payment.Refund) error {
	l.closed.Add(1)
	return nil
}

// env is the simulator's pay half over HTTP, the adapter built from configuration with the
// real SDK, the payment use cases on PostgreSQL, and the notification routes on a real server.
type env struct {
	t        *testing.T
	keys     *wxsim.DevPayKeys
	sim      *wxsim.Simulator
	client   *wechatpay.Client
	uc       *payment.Usecase
	store    *paymentstore.PaymentStore
	data     *sqldb.DB
	db       *sql.DB
	listener *countingListener
	notify   string     // base URL of the notification server
	logs     *logBuffer // what the notification routes logged, every level
}

// logBuffer collects log lines written from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// teeLogger logs to both loggers.
type teeLogger struct{ a, b log.Logger }

func (l teeLogger) Log(level log.Level, keyvals ...any) error {
	return errors.Join(l.a.Log(level, keyvals...), l.b.Log(level, keyvals...))
}

func newEnv(t *testing.T, configure ...func(*wxsim.PayConfig)) *env {
	t.Helper()
	keys := testKeys(t)
	cfg := keys.PayConfig()
	cfg.NotifySchedule = []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}
	cfg.NotifyTimeout = 5 * time.Second
	cfg.RefundDelay, cfg.SharingDelay = wxsim.Manual, wxsim.Manual
	for _, c := range configure {
		c(&cfg)
	}
	sim, err := wxsim.Open(wxsim.Config{Apps: map[string]string{testApp: testSecret}, Pay: cfg})
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)
	t.Cleanup(func() { _ = sim.Close() })

	// The notification server is started first so its URL can go into the configuration.
	mux := http.NewServeMux()
	notifySrv := httptest.NewServer(mux)
	t.Cleanup(notifySrv.Close)

	// Keys from files, as in production (the merchant key and the WeChat Pay public key).
	dir := t.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	client, err := wechatpay.NewFromConf(&conf.Wechat{
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testApp, AppSecret: testSecret},
		Pay: &conf.Wechat_Pay{
			MchId: keys.MchID, MerchantSerial: keys.MerchantSerial,
			MerchantPrivateKey: dir + "/" + wxsim.MerchantKeyFile, Apiv3Key: keys.APIv3Key,
			PlatformPublicKeyId: keys.PublicKeyID, PlatformPublicKey: dir + "/" + wxsim.PlatformPublicKeyFile,
			NotifyBaseUrl: notifySrv.URL, ApiBaseUrl: simSrv.URL,
			Retry: &conf.Wechat_Pay_Retry{MaxAttempts: 4},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wechatpay.SetRetryDelays(client, time.Millisecond, 5*time.Millisecond)

	dsn := testenv.PostgresDSN(t)
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: 25}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	d := db
	store := paymentstore.NewPaymentStore(d)
	listener := &countingListener{}
	uc := payment.NewUsecase(client, store, d, listener, func() time.Time { return time.Now().UTC() })
	logger := log.NewStdLogger(os.Stderr)
	if !testing.Verbose() {
		logger = log.NewFilter(logger, log.FilterLevel(log.LevelError))
	}
	logs := &logBuffer{}
	n := wechatnotify.New(wechatpay.NewDecoder(client), uc, teeLogger{logger, log.NewStdLogger(logs)})
	mux.Handle(payment.PaymentNotifyPath, n.Payment())
	mux.Handle(payment.RefundNotifyPath, n.Refund())
	return &env{t: t, keys: keys, sim: sim, client: client, uc: uc, store: store, data: d, db: db.SQL, listener: listener, notify: notifySrv.URL, logs: logs}
}

func (e *env) prepay(outTradeNo string, amount int64, sharing bool) payment.RequestPayment {
	e.t.Helper()
	rp, err := e.uc.Prepay(e.t.Context(), payment.PrepayInput{
		OutTradeNo: outTradeNo, Description: "社区团购-草莓", Amount: amount, PayerOpenID: payerID,
		ProfitSharing: sharing, ExpiresAt: time.Now().Add(15 * time.Minute),
	})
	if err != nil {
		e.t.Fatalf("prepay %s: %v", outTradeNo, err)
	}
	return rp
}

// paid prepays, pays on the "phone" and waits for the notification to mark the payment paid.
func (e *env) paid(outTradeNo string, amount int64, sharing bool) *payment.Payment {
	e.t.Helper()
	e.prepay(outTradeNo, amount, sharing)
	if _, err := e.sim.Pay(outTradeNo); err != nil {
		e.t.Fatalf("pay %s: %v", outTradeNo, err)
	}
	return e.waitPayment(outTradeNo, payment.StatePaid)
}

func (e *env) payment(outTradeNo string) *payment.Payment {
	e.t.Helper()
	p, err := e.store.GetPayment(e.t.Context(), outTradeNo)
	if err != nil {
		e.t.Fatalf("get payment %s: %v", outTradeNo, err)
	}
	return p
}

func (e *env) waitPayment(outTradeNo string, state payment.State) *payment.Payment {
	e.t.Helper()
	var p *payment.Payment
	waitFor(e.t, "payment "+outTradeNo+" "+string(state), func() bool {
		p = e.payment(outTradeNo)
		return p.State == state
	})
	return p
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.t.Context(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 10*time.Second, cond)
}

// forged is a notification built by hand the way WeChat builds one, with knobs to break it.
type forged struct {
	id, eventType, originalType string
	resource                    any
	at                          time.Time
	serial                      string
	tamper                      bool // flip a byte of the ciphertext after encrypting
	badSignature                bool // sign another body
}

// send posts the notification to path and returns the status.
func (e *env) send(path string, f forged) int {
	e.t.Helper()
	req := e.request(path, f)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) request(path string, f forged) *http.Request {
	e.t.Helper()
	plaintext, err := json.Marshal(f.resource)
	if err != nil {
		e.t.Fatal(err)
	}
	block, _ := aes.NewCipher([]byte(e.keys.APIv3Key))
	gcm, _ := cipher.NewGCM(block)
	nonce := "0123456789ab"
	sealed := gcm.Seal(nil, []byte(nonce), plaintext, []byte(f.originalType))
	if f.tamper {
		sealed[0] ^= 0xff
	}
	body, _ := json.Marshal(map[string]any{
		"id": f.id, "create_time": f.at.Format(time.RFC3339), "resource_type": "encrypt-resource",
		"event_type": f.eventType, "summary": "支付成功",
		"resource": map[string]string{
			"original_type": f.originalType, "algorithm": "AEAD_AES_256_GCM",
			"ciphertext": base64.StdEncoding.EncodeToString(sealed), "associated_data": f.originalType, "nonce": nonce,
		},
	})
	ts := strconv.FormatInt(f.at.Unix(), 10)
	signNonce := randomHex(16)
	signed := body
	if f.badSignature {
		signed = append([]byte(`{"id":"x"}`), body...)
	}
	sig, err := utils.SignSHA256WithRSA(fmt.Sprintf("%s\n%s\n%s\n", ts, signNonce, signed), e.keys.PlatformKey)
	if err != nil {
		e.t.Fatal(err)
	}
	serial := f.serial
	if serial == "" {
		serial = e.keys.PublicKeyID
	}
	req, _ := http.NewRequest(http.MethodPost, e.notify+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Wechatpay-Timestamp", ts)
	req.Header.Set("Wechatpay-Nonce", signNonce)
	req.Header.Set("Wechatpay-Signature", sig)
	req.Header.Set("Wechatpay-Serial", serial)
	req.Header.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	return req
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
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

// verifyPaySign checks wx.requestPayment's signature with the merchant's public key, as the
// WeChat client does.
func verifyPaySign(t *testing.T, keys *wxsim.DevPayKeys, rp payment.RequestPayment) {
	t.Helper()
	msg := fmt.Sprintf("%s\n%s\n%s\n%s\n", rp.AppID, rp.TimeStamp, rp.NonceStr, rp.Package)
	sig, err := base64.StdEncoding.DecodeString(rp.PaySign)
	if err != nil {
		t.Fatalf("paySign is not base64: %v", err)
	}
	digest := sha256.Sum256([]byte(msg))
	if err := rsaVerify(&keys.MerchantKey.PublicKey, digest[:], sig); err != nil {
		t.Fatalf("paySign does not verify with the merchant key: %v", err)
	}
}

func rsaVerify(pub *rsa.PublicKey, digest, sig []byte) error {
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig)
}
