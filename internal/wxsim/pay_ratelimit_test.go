package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// secondMch is a second merchant, to show limits are kept per merchant.
const secondMch = "1900000120"

func rateLimits(limits map[string]int) func(*wxsim.PayConfig) {
	return func(c *wxsim.PayConfig) { c.RateLimits = limits }
}

// sharingMerchant is one merchant's SDK profit-sharing service with n paid transactions to
// share from and the leader added as its receiver.
type sharingMerchant struct {
	mchid  string
	orders profitsharing.OrdersApiService
	txIDs  []string
}

func (h *payHarness) sharingMerchant(keys *wxsim.DevPayKeys, client *core.Client, n int) sharingMerchant {
	h.t.Helper()
	pts := make([]wxsim.PaidTransaction, n)
	for i := range pts {
		pts[i] = wxsim.PaidTransaction{MchID: keys.MchID, OutTradeNo: fmt.Sprintf("RL-%s-%03d", keys.MchID, i),
			Total: 1000, PayerOpenID: testOpenID, ProfitSharing: true}
	}
	ids, err := h.sim.AddPaidTransactions(pts)
	if err != nil {
		h.t.Fatal(err)
	}
	receivers := profitsharing.ReceiversApiService{Client: client}
	_, _, err = receivers.AddReceiver(context.Background(), profitsharing.AddReceiverRequest{
		Appid: core.String(testApp), Type: openidReceiver.Ptr(), Account: core.String(leaderID),
		RelationType: profitsharing.RECEIVERRELATIONTYPE_DISTRIBUTOR.Ptr()})
	if err != nil {
		h.t.Fatalf("add receiver for %s: %v", keys.MchID, err)
	}
	return sharingMerchant{mchid: keys.MchID, orders: profitsharing.OrdersApiService{Client: client}, txIDs: ids}
}

// shareAll sends one 请求分账 per transaction, all at once, and sorts the answers: accepted,
// refused with FREQUENCY_LIMITED (checked to be WeChat's 429 and body), or anything else,
// which fails the test.
func (m sharingMerchant) shareAll(t *testing.T, prefix string) (accepted, limited []int) {
	t.Helper()
	errs := make([]error, len(m.txIDs))
	var wg sync.WaitGroup
	for i, txID := range m.txIDs {
		wg.Go(func() {
			_, _, errs[i] = m.orders.CreateOrder(context.Background(), profitsharing.CreateOrderRequest{
				Appid: core.String(testApp), TransactionId: core.String(txID), OutOrderNo: core.String(fmt.Sprintf("%s-%03d", prefix, i)),
				Receivers: []profitsharing.CreateOrderReceiver{{Type: core.String(string(openidReceiver)),
					Account: core.String(leaderID), Amount: core.Int64(100), Description: core.String("团长佣金")}},
				UnfreezeUnsplit: core.Bool(false)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			accepted = append(accepted, i)
		case isFrequencyLimited(t, err):
			limited = append(limited, i)
		default:
			t.Fatalf("%s call %d: %v", m.mchid, i, err)
		}
	}
	return accepted, limited
}

// isFrequencyLimited reports whether err is WeChat's 429 {"code":"FREQUENCY_LIMITED","message"}
// as the SDK reports it, failing the test on a 429 of any other shape.
func isFrequencyLimited(t *testing.T, err error) bool {
	t.Helper()
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		return false
	}
	var body map[string]any
	if jerr := json.Unmarshal([]byte(apiErr.Body), &body); jerr != nil || apiErr.Code != wxsim.PayCodeFrequencyLimited ||
		body["code"] != wxsim.PayCodeFrequencyLimited || apiErr.Message == "" || body["message"] != apiErr.Message {
		t.Fatalf("429 answered %s (%v), want {code: FREQUENCY_LIMITED, message}", apiErr.Body, jerr)
	}
	return true
}

// A burst above the limit is refused for exactly the excess, the refused calls change nothing,
// and a second later the same requests go through.
func TestRateLimitRefusesTheExcessOfABurst(t *testing.T) {
	h := newPayHarness(t, manualSharing, rateLimits(map[string]int{wxsim.OpSharingCreateOrder: 5}))
	m := h.sharingMerchant(h.keys, h.client, 8)

	accepted, limited := m.shareAll(t, "RL-SHARE")
	if len(accepted) != 5 || len(limited) != 3 {
		t.Fatalf("8 calls against 5 a second: %d accepted, %d limited; want 5 and 3", len(accepted), len(limited))
	}
	for _, i := range limited {
		if got := h.unsplit(m.txIDs[i]); got != 1000 {
			t.Errorf("a refused request shared from %s: unsplit %d, want 1000", m.txIDs[i], got)
		}
	}
	for _, i := range accepted {
		if got := h.unsplit(m.txIDs[i]); got != 900 {
			t.Errorf("an accepted request did not share from %s: unsplit %d, want 900", m.txIDs[i], got)
		}
	}
	got := h.sim.FrequencyLimited()[wxsim.OpSharingCreateOrder]
	if got.Count != 3 || !got.First.Equal(payStart) || !got.Last.Equal(payStart) {
		t.Errorf("FrequencyLimited = %+v, want 3 at %v", got, payStart)
	}

	// A second later the window is clear: the refused requests, sent again within the limit,
	// are all accepted.
	h.clock.Advance(time.Second)
	retry := sharingMerchant{mchid: m.mchid, orders: m.orders}
	for _, i := range limited {
		retry.txIDs = append(retry.txIDs, m.txIDs[i])
	}
	if accepted, limited := retry.shareAll(t, "RL-RETRY"); len(accepted) != 3 || len(limited) != 0 {
		t.Fatalf("3 calls within the limit: %d accepted, %d limited", len(accepted), len(limited))
	}
	if n := h.sim.FrequencyLimited()[wxsim.OpSharingCreateOrder].Count; n != 3 {
		t.Errorf("FREQUENCY_LIMITED answers = %d after calls within the limit, want still 3", n)
	}
	// Other operations have no limit.
	if limits := h.sim.PayRateLimits(); len(limits) != 1 || limits[wxsim.OpSharingCreateOrder] != 5 {
		t.Errorf("PayRateLimits = %v", limits)
	}
}

// Each merchant has its own window: two merchants bursting together are each held to the limit
// alone.
func TestRateLimitIsPerMerchant(t *testing.T) {
	other, err := wxsim.GenerateDevPayKeys(secondMch)
	if err != nil {
		t.Fatal(err)
	}
	h := newPayHarness(t, manualSharing, rateLimits(map[string]int{wxsim.OpSharingCreateOrder: 4}), func(c *wxsim.PayConfig) {
		c.Merchants[secondMch] = wxsim.PayMerchant{PublicKey: &other.MerchantKey.PublicKey, Serial: other.MerchantSerial}
	})
	// The second merchant signs with its own key and verifies the simulator's platform key.
	otherKeys := *h.keys
	otherKeys.MchID, otherKeys.MerchantKey, otherKeys.MerchantSerial = other.MchID, other.MerchantKey, other.MerchantSerial
	first := h.sharingMerchant(h.keys, h.client, 4)
	second := h.sharingMerchant(&otherKeys, sdkClient(t, &otherKeys, h.base), 4)

	for _, m := range []sharingMerchant{first, second} {
		if accepted, limited := m.shareAll(t, "RL-MCH"); len(accepted) != 4 || len(limited) != 0 {
			t.Fatalf("%s, 4 calls against 4 a second after the other merchant's: %d accepted, %d limited",
				m.mchid, len(accepted), len(limited))
		}
	}
	for _, m := range []sharingMerchant{first, second} {
		one := sharingMerchant{mchid: m.mchid, orders: m.orders, txIDs: m.txIDs[:1]}
		if _, limited := one.shareAll(t, "RL-MCH-FIFTH"); len(limited) != 1 {
			t.Errorf("%s's fifth call in the second was not refused", m.mchid)
		}
	}
	if n := h.sim.FrequencyLimited()[wxsim.OpSharingCreateOrder].Count; n != 2 {
		t.Errorf("FREQUENCY_LIMITED answers = %d, want 2", n)
	}
}

// The control API reads and sets the limits and reads and clears the count of refused calls.
func TestRateLimitControlAPI(t *testing.T) {
	h := newPayHarness(t, manualSharing)
	var view struct {
		Limits  map[string]int `json:"limits"`
		Limited map[string]struct {
			Count int64     `json:"count"`
			First time.Time `json:"first"`
			Last  time.Time `json:"last"`
		} `json:"limited"`
		LimitedTotal int64 `json:"limited_total"`
	}
	read := func(status int, body []byte) {
		t.Helper()
		view.Limits, view.Limited = nil, nil
		if err := json.Unmarshal(body, &view); status != http.StatusOK || err != nil {
			t.Fatalf("rate limits: %d %s", status, body)
		}
	}
	read(h.control(http.MethodGet, "/sim/v1/pay/rate-limits", ""))
	if !maps.Equal(view.Limits, wxsim.WeChatPayRateLimits()) || view.LimitedTotal != 0 {
		t.Fatalf("a simulator configured without limits has %+v, want WeChat's", view)
	}
	read(h.control(http.MethodDelete, "/sim/v1/pay/rate-limits", ""))
	if len(view.Limits) != 0 {
		t.Fatalf("after DELETE: %v", view.Limits)
	}

	for _, bad := range []string{
		`{"limits":{"no_such_operation":5}}`,
		`{"limits":{"jscode2session":5}}`,
		`{"limits":{"profitsharing_orders_create":-1}}`,
		`{"limits":{}}`,
		`{"limits":{"profitsharing_orders_create":5},"burst":10}`,
	} {
		if status, body := h.control(http.MethodPost, "/sim/v1/pay/rate-limits", bad); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, status, body)
		}
	}
	read(h.control(http.MethodGet, "/sim/v1/pay/rate-limits", ""))
	if len(view.Limits) != 0 {
		t.Fatalf("a refused request set %v", view.Limits)
	}

	read(h.control(http.MethodPost, "/sim/v1/pay/rate-limits",
		`{"limits":{"profitsharing_orders_create":2,"profitsharing_orders_query":80}}`))
	if len(view.Limits) != 2 || view.Limits[wxsim.OpSharingCreateOrder] != 2 || view.Limits[wxsim.OpSharingQueryOrder] != 80 {
		t.Fatalf("set: %v", view.Limits)
	}
	m := h.sharingMerchant(h.keys, h.client, 3)
	if accepted, limited := m.shareAll(t, "RL-CTL"); len(accepted) != 2 || len(limited) != 1 {
		t.Fatalf("3 calls against 2 a second set through the control API: %d accepted, %d limited", len(accepted), len(limited))
	}
	read(h.control(http.MethodGet, "/sim/v1/pay/rate-limits", ""))
	got := view.Limited[wxsim.OpSharingCreateOrder]
	if view.LimitedTotal != 1 || got.Count != 1 || !got.First.Equal(payStart) || !got.Last.Equal(payStart) {
		t.Errorf("after one refusal: %+v", view)
	}
	if status, body := h.control(http.MethodDelete, "/sim/v1/pay/rate-limits/limited", ""); status != http.StatusOK || string(body) != `{"cleared":1}` {
		t.Errorf("clear the count: %d %s", status, body)
	}
	read(h.control(http.MethodGet, "/sim/v1/pay/rate-limits", ""))
	if view.LimitedTotal != 0 || len(view.Limited) != 0 {
		t.Errorf("after clearing: %+v", view)
	}

	// 0 removes one limit and keeps the other; DELETE removes them all.
	read(h.control(http.MethodPost, "/sim/v1/pay/rate-limits", `{"limits":{"profitsharing_orders_create":0}}`))
	if len(view.Limits) != 1 || view.Limits[wxsim.OpSharingQueryOrder] != 80 {
		t.Fatalf("after removing one: %v", view.Limits)
	}
	again := sharingMerchant{mchid: m.mchid, orders: m.orders, txIDs: m.txIDs}
	if accepted, limited := again.shareAll(t, "RL-CTL-OFF"); len(accepted) != 3 || len(limited) != 0 {
		t.Errorf("with the limit removed: %d accepted, %d limited", len(accepted), len(limited))
	}
	read(h.control(http.MethodDelete, "/sim/v1/pay/rate-limits", ""))
	if len(view.Limits) != 0 {
		t.Errorf("after DELETE: %v", view.Limits)
	}
}

// Without RateLimits the simulator holds merchants to WeChat's figures; an empty map turns
// the limits off.
func TestRateLimitDefaultsAreWeChats(t *testing.T) {
	cfg := testPayKeys(t).PayConfig()
	if got := wxsim.New(wxsim.Config{Pay: cfg}).PayRateLimits(); !maps.Equal(got, wxsim.WeChatPayRateLimits()) {
		t.Errorf("default limits %v, want WeChat's %v", got, wxsim.WeChatPayRateLimits())
	}
	cfg.RateLimits = map[string]int{}
	if got := wxsim.New(wxsim.Config{Pay: cfg}).PayRateLimits(); len(got) != 0 {
		t.Errorf("an empty RateLimits serves %v", got)
	}
	// A burst of WeChat's 请求分账 limit at one instant is all accepted; one more is not.
	h := newPayHarness(t, manualSharing)
	m := h.sharingMerchant(h.keys, h.client, wxsim.WeChatPayRateLimits()[wxsim.OpSharingCreateOrder]+1)
	if accepted, limited := m.shareAll(t, "RL-WECHAT"); len(accepted) != len(m.txIDs)-1 || len(limited) != 1 {
		t.Errorf("%d calls at once against WeChat's limit: %d accepted, %d limited", len(m.txIDs), len(accepted), len(limited))
	}
}

// Open refuses a limit on something that is not a pay operation, or a negative one.
func TestRateLimitConfigIsChecked(t *testing.T) {
	for _, limits := range []map[string]int{{"no_such_operation": 1}, {wxsim.OpSharingCreateOrder: -1}} {
		cfg := testPayKeys(t).PayConfig()
		cfg.RateLimits = limits
		if _, err := wxsim.Open(wxsim.Config{Pay: cfg}); !errors.Is(err, wxsim.ErrInvalidPayConfig) || !errors.Is(err, wxsim.ErrInvalidRateLimit) {
			t.Errorf("%v: %v", limits, err)
		}
	}
	if err := wxsim.New(wxsim.Config{}).SetPayRateLimit("no_such_operation", 1); !errors.Is(err, wxsim.ErrInvalidRateLimit) {
		t.Errorf("SetPayRateLimit on an unknown operation: %v", err)
	}
}

// ParseRateLimits reads the simulator command's -rate-limits flag.
func TestParseRateLimits(t *testing.T) {
	for spec, want := range map[string]map[string]int{
		"wechat": wxsim.WeChatPayRateLimits(),
		"off":    {},
		"":       {},
		"profitsharing_orders_create=30, profitsharing_orders_query=10": {
			wxsim.OpSharingCreateOrder: 30, wxsim.OpSharingQueryOrder: 10},
	} {
		got, err := wxsim.ParseRateLimits(spec)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: %v %v, want %v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"fast", "profitsharing_orders_create", "profitsharing_orders_create=x",
		"profitsharing_orders_create=-1", "no_such_operation=5", "profitsharing_orders_create=1,profitsharing_orders_create=2"} {
		if _, err := wxsim.ParseRateLimits(bad); !errors.Is(err, wxsim.ErrInvalidRateLimit) {
			t.Errorf("%q: %v, want ErrInvalidRateLimit", bad, err)
		}
	}
	if !strings.Contains(fmt.Sprint(wxsim.WeChatPayRateLimits()), "profitsharing_orders_create:300") {
		t.Errorf("WeChat's 请求分账 limit is 300 a second: %v", wxsim.WeChatPayRateLimits())
	}
}
