package wxsim_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// operationCalls makes one otherwise successful call of each operation, so a test can tell a
// faulted call from a normal one.
var operationCalls = []struct {
	op   string
	call func(h *harness) wxReply
}{
	{wxsim.OpJSCode2Session, func(h *harness) wxReply {
		return h.code2Session(testApp, testSecret, h.loginCode(testApp, "", ""))
	}},
	{wxsim.OpStableToken, func(h *harness) wxReply { return h.stableToken(testApp, testSecret, false) }},
	{wxsim.OpToken, func(h *harness) wxReply { return h.legacyToken(testApp, testSecret) }},
	{wxsim.OpGetUserPhoneNumber, func(h *harness) wxReply {
		// The token is fetched first: a stable_token call does not touch this operation's faults.
		token := h.token(testApp, testSecret)
		return h.phoneNumber(token, h.phoneCode(testApp, "13812341234"))
	}},
	{wxsim.OpSubscribeSend, func(h *harness) wxReply {
		return h.subscribeSend(h.token(testApp, testSecret), subscribeBody("oUser1", "tplAny", map[string]string{"thing1": "到货"}))
	}},
	// Each shipping call works on an order of its own, so a repeated call meets a fresh state.
	{wxsim.OpUploadShippingInfo, func(h *harness) wxReply {
		token, txID := h.token(testApp, testSecret), h.freshPaidOrder()
		return h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsSelfPickup, pickupItem()))
	}},
	{wxsim.OpGetShippingOrder, func(h *harness) wxReply {
		token, txID := h.token(testApp, testSecret), h.freshPaidOrder()
		return h.wxPost("/wxa/sec/order/get_order", token, map[string]string{"transaction_id": txID})
	}},
	{wxsim.OpNotifyConfirmReceive, func(h *harness) wxReply {
		token, txID := h.token(testApp, testSecret), h.freshPaidOrder()
		if r := h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0001"))); r.Errcode != 0 {
			h.t.Fatalf("upload: %+v", r.raw)
		}
		return h.wxPost("/wxa/sec/order/notify_confirm_receive", token, map[string]any{"transaction_id": txID, "received_time": h.clock.Now().Unix()})
	}},
	{wxsim.OpSpecialOrder, func(h *harness) wxReply {
		token, txID := h.token(testApp, testSecret), h.freshPaidOrder()
		return h.wxPost("/wxa/sec/order/opspecialorder", token, map[string]any{"order_id": txID, "type": 2})
	}},
}

func TestFailNextHonoursCountExactly(t *testing.T) {
	for _, oc := range operationCalls {
		t.Run(oc.op, func(t *testing.T) {
			h := newHarness(t)
			h.sim.FailNext(oc.op, wxsim.ErrcodeMinuteQuota, "", 3)
			for i := range 3 {
				if r := oc.call(h); r.Errcode != 45011 || r.Errmsg != msgMinuteQuota {
					t.Fatalf("call %d: %+v, want the injected 45011", i+1, r.raw)
				}
			}
			for i := range 2 {
				if r := oc.call(h); r.Errcode != 0 {
					t.Fatalf("call %d after the fault: %d %s", i+4, r.Errcode, r.Errmsg)
				}
			}
			if got := h.sim.Calls(oc.op); got != 5 {
				t.Errorf("Calls = %d, want 5 (faulted calls count too)", got)
			}
		})
	}
}

func TestFaultCountUnderConcurrency(t *testing.T) {
	const calls, failures = 50, 20
	h := newHarness(t)
	h.sim.FailNext(wxsim.OpStableToken, wxsim.ErrcodeSystemError, "", failures)

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		byCode = make(map[int]int)
		body   = mustJSON(t, map[string]string{"grant_type": "client_credential", "appid": testApp, "secret": testSecret})
	)
	for range calls {
		wg.Go(func() {
			r, err := h.try(http.MethodPost, "/cgi-bin/stable_token", nil, body)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Errcode != 0 && r.Errmsg != "system error" {
				t.Errorf("errmsg %q", r.Errmsg)
			}
			mu.Lock()
			byCode[r.Errcode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if byCode[-1] != failures || byCode[0] != calls-failures {
		t.Fatalf("replies by errcode = %v, want %d × -1 and %d × 0", byCode, failures, calls-failures)
	}
}

func TestFaultsQueueInOrder(t *testing.T) {
	h := newHarness(t)
	h.sim.FailNext(wxsim.OpToken, wxsim.ErrcodeMinuteQuota, "", 1)
	h.sim.FailNext(wxsim.OpToken, wxsim.ErrcodeSystemError, "busy, try later", 2)
	h.sim.FailNext(wxsim.OpToken, 40226, "", 0) // count 0 means once; unknown code, generic message

	want := []struct {
		errcode int
		errmsg  string
	}{
		{45011, msgMinuteQuota},
		{-1, "busy, try later"},
		{-1, "busy, try later"},
		{40226, "simulated error"},
		{0, ""},
	}
	for i, w := range want {
		if r := h.legacyToken(testApp, testSecret); r.Errcode != w.errcode || r.Errmsg != w.errmsg {
			t.Fatalf("call %d: %d %q, want %d %q", i+1, r.Errcode, r.Errmsg, w.errcode, w.errmsg)
		}
	}
}

func TestFaultsAreIndependentPerOperation(t *testing.T) {
	h := newHarness(t)
	h.sim.FailNext(wxsim.OpJSCode2Session, wxsim.ErrcodeMinuteQuota, "", 1)
	if r := h.stableToken(testApp, testSecret, false); r.Errcode != 0 {
		t.Fatalf("stable_token took jscode2session's fault: %+v", r.raw)
	}
	// A fault comes before validation: even a request WeChat would refuse gets it.
	wantWXError(t, h.code2Session("wxnosuchapp", "", ""), 45011, msgMinuteQuota)
}

func TestFaultLatency(t *testing.T) {
	const latency = 150 * time.Millisecond
	tests := []struct {
		name    string
		body    string
		errcode int
	}{
		{"latency only", `{"operation":"token","latency_ms":150}`, 0},
		{"latency and error", `{"operation":"token","latency_ms":150,"errcode":-1}`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.controlOK(http.MethodPost, "/sim/v1/faults", tt.body, nil)

			start := time.Now()
			r := h.legacyToken(testApp, testSecret)
			if elapsed := time.Since(start); elapsed < latency {
				t.Errorf("faulted call took %v, want at least %v", elapsed, latency)
			}
			if r.Errcode != tt.errcode {
				t.Errorf("faulted call: %+v, want errcode %d", r.raw, tt.errcode)
			}
			// The one faulted call used the fault up; timing the next call would be flaky.
			var cleared struct {
				Cleared int `json:"cleared"`
			}
			h.controlOK(http.MethodDelete, "/sim/v1/faults", "", &cleared)
			if cleared.Cleared != 0 {
				t.Errorf("%d faults still pending after the faulted call", cleared.Cleared)
			}
		})
	}
}

func TestFaultsControlAPI(t *testing.T) {
	h := newHarness(t)
	var queued struct {
		Operation string `json:"operation"`
		Errcode   int    `json:"errcode"`
		Errmsg    string `json:"errmsg"`
		Count     int    `json:"count"`
		LatencyMS int64  `json:"latency_ms"`
	}
	h.controlOK(http.MethodPost, "/sim/v1/faults", `{"operation":"jscode2session","errcode":45011,"count":2}`, &queued)
	if queued.Operation != wxsim.OpJSCode2Session || queued.Errcode != 45011 || queued.Errmsg != msgMinuteQuota || queued.Count != 2 {
		t.Fatalf("queued fault = %+v", queued)
	}
	h.controlOK(http.MethodPost, "/sim/v1/faults", `{"operation":"getuserphonenumber","errcode":-1}`, nil)
	wantWXError(t, h.code2Session(testApp, testSecret, h.loginCode(testApp, "", "")), 45011, msgMinuteQuota)

	var cleared struct {
		Cleared int `json:"cleared"`
	}
	h.controlOK(http.MethodDelete, "/sim/v1/faults", "", &cleared)
	if cleared.Cleared != 2 {
		t.Errorf("cleared = %d, want 2", cleared.Cleared)
	}
	for _, oc := range operationCalls {
		if r := oc.call(h); r.Errcode != 0 {
			t.Errorf("%s after DELETE /sim/v1/faults: %d %s", oc.op, r.Errcode, r.Errmsg)
		}
	}
}

func TestClearFaults(t *testing.T) {
	h := newHarness(t)
	h.sim.FailNext(wxsim.OpToken, wxsim.ErrcodeSystemError, "", 5)
	h.sim.ClearFaults()
	if r := h.legacyToken(testApp, testSecret); r.Errcode != 0 {
		t.Fatalf("after ClearFaults: %+v", r.raw)
	}
}

func TestInjectFaultValidation(t *testing.T) {
	sim := wxsim.New(wxsim.Config{})
	tests := []struct {
		name  string
		fault wxsim.Fault
	}{
		{"unknown operation", wxsim.Fault{Operation: "pay", Errcode: -1}},
		{"no operation", wxsim.Fault{Errcode: -1}},
		{"nothing to inject", wxsim.Fault{Operation: wxsim.OpToken}},
		{"negative count", wxsim.Fault{Operation: wxsim.OpToken, Errcode: -1, Count: -1}},
		{"negative latency", wxsim.Fault{Operation: wxsim.OpToken, Latency: -time.Second}},
		{"latency over a minute", wxsim.Fault{Operation: wxsim.OpToken, Latency: time.Minute + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := sim.InjectFault(tt.fault); !errors.Is(err, wxsim.ErrInvalidFault) {
				t.Fatalf("InjectFault = %v, want ErrInvalidFault", err)
			}
		})
	}
	if err := sim.InjectFault(wxsim.Fault{Operation: "pay", Errcode: -1}); !errors.Is(err, wxsim.ErrUnknownOperation) {
		t.Errorf("unknown operation: %v, want it to wrap ErrUnknownOperation too", err)
	}
}

func TestFailNextPanicsOnMisuse(t *testing.T) {
	sim := wxsim.New(wxsim.Config{})
	for _, tt := range []struct {
		op      string
		errcode int
	}{{"nosuchop", -1}, {wxsim.OpToken, 0}} {
		t.Run(fmt.Sprintf("%s/%d", tt.op, tt.errcode), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("FailNext did not panic")
				}
			}()
			sim.FailNext(tt.op, tt.errcode, "", 1)
		})
	}
}
