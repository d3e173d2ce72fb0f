package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// Test values of the pay half.
const (
	testOpenID  = "oTestPayer0000000000000000001"
	leaderID    = "oLeader000000000000000000001"
	partnerMch  = "1900000110"
	partnerName = "示例合作商户有限公司"
	leaderName  = "张三"
)

var (
	devKeysOnce sync.Once
	devKeys     *wxsim.DevPayKeys
	devKeysErr  error
)

// testPayKeys is one key set for the whole test binary: RSA key generation is slow.
func testPayKeys(t *testing.T) *wxsim.DevPayKeys {
	t.Helper()
	devKeysOnce.Do(func() { devKeys, devKeysErr = wxsim.GenerateDevPayKeys(wxsim.DemoMchID) })
	if devKeysErr != nil {
		t.Fatal(devKeysErr)
	}
	return devKeys
}

// rewriteTransport sends every request to the simulator: the SDK knows only WeChat's host,
// and its signatures do not cover the host.
type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.target.Scheme, rt.target.Host, ""
	return rt.base.RoundTrip(r2)
}

// sdkClient is the official SDK configured as the service will be, against baseURL.
func sdkClient(t *testing.T, keys *wxsim.DevPayKeys, baseURL string, extra ...core.ClientOption) *core.Client {
	t.Helper()
	target, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: rewriteTransport{target: target, base: http.DefaultTransport}, Timeout: 10 * time.Second}
	opts := append([]core.ClientOption{
		option.WithWechatPayPublicKeyAuthCipher(keys.MchID, keys.MerchantSerial, keys.MerchantKey, keys.PublicKeyID, &keys.PlatformKey.PublicKey),
		option.WithHTTPClient(hc),
	}, extra...)
	c, err := core.NewClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// payHarness is a pay simulator with a fake clock, served over HTTP, the SDK's services
// pointed at it, and a merchant notification server that parses with the SDK.
type payHarness struct {
	t      *testing.T
	sim    *wxsim.Simulator
	clock  *fakeClock
	base   string
	keys   *wxsim.DevPayKeys
	client *core.Client
	notes  *notifyServer

	jsapi     jsapi.JsapiApiService
	refunds   refunddomestic.RefundsApiService
	receivers profitsharing.ReceiversApiService
	orders    profitsharing.OrdersApiService
	returns   profitsharing.ReturnOrdersApiService
	amounts   profitsharing.TransactionsApiService
	bills     profitsharing.BillShipmentApiService
}

// payStart is the harness's starting time: noon in Beijing.
var payStart = time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)

func newPayHarness(t *testing.T, configure ...func(*wxsim.PayConfig)) *payHarness {
	t.Helper()
	keys := testPayKeys(t)
	notes := newNotifyServer(t, keys)
	cfg := keys.PayConfig()
	cfg.NotifySchedule = fastSchedule(15)
	cfg.NotifyTimeout = 2 * time.Second
	for _, c := range configure {
		c(&cfg)
	}
	clock := &fakeClock{now: payStart}
	h := &payHarness{t: t, clock: clock, keys: keys, notes: notes}
	h.open(cfg)
	return h
}

// open starts (or restarts) the simulator on cfg.
func (h *payHarness) open(cfg wxsim.PayConfig) {
	h.t.Helper()
	sim, err := wxsim.Open(wxsim.Config{Apps: map[string]string{testApp: testSecret}, Now: h.clock.Now, Pay: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	h.t.Cleanup(srv.Close)
	h.t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			h.t.Error(err)
		}
	})
	h.sim, h.base = sim, srv.URL
	h.client = sdkClient(h.t, h.keys, srv.URL)
	h.jsapi = jsapi.JsapiApiService{Client: h.client}
	h.refunds = refunddomestic.RefundsApiService{Client: h.client}
	h.receivers = profitsharing.ReceiversApiService{Client: h.client}
	h.orders = profitsharing.OrdersApiService{Client: h.client}
	h.returns = profitsharing.ReturnOrdersApiService{Client: h.client}
	h.amounts = profitsharing.TransactionsApiService{Client: h.client}
	h.bills = profitsharing.BillShipmentApiService{Client: h.client}
}

func fastSchedule(n int) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = 20 * time.Millisecond
	}
	return s
}

// prepay places a JSAPI order for total fen, shared or not, and returns its prepay_id.
func (h *payHarness) prepay(outTradeNo string, total int64, sharing bool) string {
	h.t.Helper()
	resp, _, err := h.jsapi.Prepay(context.Background(), h.prepayRequest(outTradeNo, total, sharing))
	if err != nil {
		h.t.Fatalf("prepay %s: %v", outTradeNo, err)
	}
	return *resp.PrepayId
}

func (h *payHarness) prepayRequest(outTradeNo string, total int64, sharing bool) jsapi.PrepayRequest {
	return jsapi.PrepayRequest{
		Appid: core.String(testApp), Mchid: core.String(h.keys.MchID), Description: core.String("社区团购-草莓"),
		OutTradeNo: core.String(outTradeNo), NotifyUrl: core.String(h.notes.url + "/pay"),
		Amount:     &jsapi.Amount{Total: core.Int64(total), Currency: core.String("CNY")},
		Payer:      &jsapi.Payer{Openid: core.String(testOpenID)},
		SettleInfo: &jsapi.SettleInfo{ProfitSharing: core.Bool(sharing)},
	}
}

// paid places and pays an order and returns its transaction_id.
func (h *payHarness) paid(outTradeNo string, total int64, sharing bool) string {
	h.t.Helper()
	h.prepay(outTradeNo, total, sharing)
	id, err := h.sim.Pay(outTradeNo)
	if err != nil {
		h.t.Fatalf("pay %s: %v", outTradeNo, err)
	}
	return id
}

func (h *payHarness) query(outTradeNo string) (map[string]any, error) {
	tx, _, err := h.jsapi.QueryOrderByOutTradeNo(context.Background(), jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(h.keys.MchID)})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	data, _ := json.Marshal(tx)
	_ = json.Unmarshal(data, &m)
	return m, nil
}

// addReceiver adds a receiver through the SDK, which encrypts the name.
func (h *payHarness) addReceiver(typ profitsharing.ReceiverType, account, name string) *profitsharing.AddReceiverResponse {
	h.t.Helper()
	req := profitsharing.AddReceiverRequest{
		Appid: core.String(testApp), Type: typ.Ptr(), Account: core.String(account),
		RelationType: profitsharing.RECEIVERRELATIONTYPE_DISTRIBUTOR.Ptr(),
	}
	if name != "" {
		req.Name = core.String(name)
	}
	resp, _, err := h.receivers.AddReceiver(context.Background(), req)
	if err != nil {
		h.t.Fatalf("add receiver %s: %v", account, err)
	}
	return resp
}

type share struct {
	typ     profitsharing.ReceiverType
	account string
	amount  int64
}

func (h *payHarness) shareRequest(txID, outOrderNo string, unfreeze bool, shares ...share) profitsharing.CreateOrderRequest {
	req := profitsharing.CreateOrderRequest{
		Appid: core.String(testApp), TransactionId: core.String(txID), OutOrderNo: core.String(outOrderNo),
		UnfreezeUnsplit: core.Bool(unfreeze),
	}
	for _, s := range shares {
		req.Receivers = append(req.Receivers, profitsharing.CreateOrderReceiver{
			Type: core.String(string(s.typ)), Account: core.String(s.account), Amount: core.Int64(s.amount),
			Description: core.String("团长佣金"),
		})
	}
	return req
}

func (h *payHarness) share(txID, outOrderNo string, unfreeze bool, shares ...share) (*profitsharing.OrdersEntity, error) {
	resp, _, err := h.orders.CreateOrder(context.Background(), h.shareRequest(txID, outOrderNo, unfreeze, shares...))
	return resp, err
}

func (h *payHarness) queryShare(txID, outOrderNo string) *profitsharing.OrdersEntity {
	h.t.Helper()
	resp, _, err := h.orders.QueryOrder(context.Background(), profitsharing.QueryOrderRequest{
		TransactionId: core.String(txID), OutOrderNo: core.String(outOrderNo)})
	if err != nil {
		h.t.Fatalf("query share %s: %v", outOrderNo, err)
	}
	return resp
}

func (h *payHarness) unsplit(txID string) int64 {
	h.t.Helper()
	resp, _, err := h.amounts.QueryOrderAmount(context.Background(), profitsharing.QueryOrderAmountRequest{TransactionId: core.String(txID)})
	if err != nil {
		h.t.Fatalf("amounts %s: %v", txID, err)
	}
	return *resp.UnsplitAmount
}

// wantAPIError fails unless err is WeChat Pay's error status/code, as the SDK reports it.
func wantAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want API error %d %s", err, status, code)
	}
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", apiErr.StatusCode, apiErr.Code, apiErr.Message, status, code)
	}
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 5*time.Second, cond)
}

// received is one notification the merchant's server parsed with the SDK.
type received struct {
	path      string
	request   *notify.Request
	plaintext string
	err       error
	at        time.Time
}

// notifyServer is the merchant's notification endpoint: it verifies and decrypts with the
// SDK's notify handler, and answers the statuses it is told to (then 200).
type notifyServer struct {
	url     string
	handler *notify.Handler
	mu      sync.Mutex
	answers []int
	delay   time.Duration
	got     []received
}

func newNotifyServer(t *testing.T, keys *wxsim.DevPayKeys) *notifyServer {
	t.Helper()
	handler, err := notify.NewRSANotifyHandler(keys.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(keys.PublicKeyID, keys.PlatformKey.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	n := &notifyServer{handler: handler}
	srv := httptest.NewServer(http.HandlerFunc(n.serve))
	t.Cleanup(srv.Close)
	n.url = srv.URL
	return n
}

func (n *notifyServer) serve(w http.ResponseWriter, r *http.Request) {
	content := map[string]any{}
	req, err := n.handler.ParseNotifyRequest(context.Background(), r, &content)
	rec := received{path: r.URL.Path, request: req, err: err, at: time.Now()}
	if req != nil && req.Resource != nil {
		rec.plaintext = req.Resource.Plaintext
	}
	n.mu.Lock()
	n.got = append(n.got, rec)
	status := http.StatusOK
	if len(n.answers) > 0 {
		status, n.answers = n.answers[0], n.answers[1:]
	}
	delay := n.delay
	n.mu.Unlock()
	time.Sleep(delay)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"code":"SUCCESS"}`)
}

// answer makes the next answers use these statuses.
func (n *notifyServer) answer(statuses ...int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.answers = append(n.answers, statuses...)
}

func (n *notifyServer) received() []received {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]received(nil), n.got...)
}

// events are the parsed notifications of one event type, failing the test on any that did
// not verify.
func (n *notifyServer) events(t *testing.T, eventType string) []received {
	t.Helper()
	var out []received
	for _, r := range n.received() {
		if r.err != nil {
			t.Fatalf("notification did not verify with the SDK: %v", r.err)
		}
		if r.request.EventType == eventType {
			out = append(out, r)
		}
	}
	return out
}

func (n *notifyServer) waitEvents(t *testing.T, eventType string, count int) []received {
	t.Helper()
	waitFor(t, "notifications "+eventType, func() bool { return len(n.events(t, eventType)) >= count })
	return n.events(t, eventType)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
