package wxsim_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// A request the simulator cannot verify is 401 SIGN_ERROR, and the SDK reports it as an error.
func TestConformanceBadSignaturesAreSignError(t *testing.T) {
	h := newPayHarness(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*wxsim.DevPayKeys{
		"another private key": {MchID: h.keys.MchID, MerchantKey: other, MerchantSerial: h.keys.MerchantSerial,
			PlatformKey: h.keys.PlatformKey, PublicKeyID: h.keys.PublicKeyID},
		"unknown serial": {MchID: h.keys.MchID, MerchantKey: h.keys.MerchantKey, MerchantSerial: "0123456789ABCDEF0123456789ABCDEF01234567",
			PlatformKey: h.keys.PlatformKey, PublicKeyID: h.keys.PublicKeyID},
		"unknown mchid": {MchID: "1900000999", MerchantKey: h.keys.MerchantKey, MerchantSerial: h.keys.MerchantSerial,
			PlatformKey: h.keys.PlatformKey, PublicKeyID: h.keys.PublicKeyID},
	}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) {
			svc := jsapi.JsapiApiService{Client: sdkClient(t, keys, h.base)}
			_, _, err := svc.QueryOrderByOutTradeNo(context.Background(), jsapi.QueryOrderByOutTradeNoRequest{
				OutTradeNo: core.String("ORDER-C001"), Mchid: core.String(keys.MchID)})
			wantAPIError(t, err, http.StatusUnauthorized, wxsim.PayCodeSignError)
		})
	}
	t.Run("stale timestamp", func(t *testing.T) {
		status, _ := h.rawSigned(http.MethodGet, "/v3/pay/transactions/out-trade-no/ORDER-C001?mchid="+h.keys.MchID, "", time.Now().Add(-6*time.Minute))
		if status != http.StatusUnauthorized {
			t.Errorf("a six-minute-old signature got %d", status)
		}
	})
	t.Run("no authorization", func(t *testing.T) {
		resp, err := http.Get(h.base + "/v3/pay/transactions/out-trade-no/ORDER-C001?mchid=" + h.keys.MchID)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("no Authorization got %d", resp.StatusCode)
		}
	})
}

// rawSigned sends a request signed by hand at timestamp at, as the SDK would sign it.
func (h *payHarness) rawSigned(method, target, body string, at time.Time) (int, []byte) {
	h.t.Helper()
	nonce := "NONCE0123456789NONCE0123456789AB"
	msg := fmt.Sprintf("%s\n%s\n%d\n%s\n%s\n", method, target, at.Unix(), nonce, body)
	sig, err := utils.SignSHA256WithRSA(msg, h.keys.MerchantKey)
	if err != nil {
		h.t.Fatal(err)
	}
	req, err := http.NewRequest(method, h.base+target, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%d",serial_no="%s"`,
		h.keys.MchID, nonce, sig, at.Unix(), h.keys.MerchantSerial))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// Every answer is signed, errors included, and verifies with the SDK's validator; every
// successful SDK call in these tests has verified its answer already.
func TestConformanceErrorAnswersAreSigned(t *testing.T) {
	h := newPayHarness(t)
	_, err := h.query("ORDER-C002")
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	validator := validators.NewWechatPayResponseValidator(verifiers.NewSHA256WithRSAPubkeyVerifier(h.keys.PublicKeyID, h.keys.PlatformKey.PublicKey))
	resp := &http.Response{Header: apiErr.Header, Body: io.NopCloser(bytes.NewReader([]byte(apiErr.Body)))}
	if err := validator.Validate(context.Background(), resp); err != nil {
		t.Fatalf("error answer signature: %v", err)
	}
	if apiErr.Header.Get("Wechatpay-Serial") != h.keys.PublicKeyID || !strings.HasPrefix(h.keys.PublicKeyID, "PUB_KEY_ID_") {
		t.Errorf("Wechatpay-Serial %q, want the public key id %q", apiErr.Header.Get("Wechatpay-Serial"), h.keys.PublicKeyID)
	}
}

// Notifications verify and decrypt with the SDK's notify handler; one changed in transit does
// not.
func TestConformanceNotificationsParseWithSDK(t *testing.T) {
	h := newPayHarness(t)
	h.paid("ORDER-C003", 100, false)
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 1)
	if notes[0].request.Resource.Algorithm != "AEAD_AES_256_GCM" || notes[0].request.Resource.OriginalType != "transaction" {
		t.Errorf("resource %+v", notes[0].request.Resource)
	}
	// The same envelope with another body fails the SDK's signature check. The simulator logs a
	// delivery once the receiver's answer is back, which can be just after the receiver saw it.
	d := firstDelivery(t, h.sim)
	req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(`{"id":"forged"}`))
	for _, k := range []string{"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"} {
		req.Header.Set(k, "x")
	}
	if _, err := h.notes.handler.ParseNotifyRequest(context.Background(), req, &map[string]any{}); err == nil {
		t.Errorf("the SDK accepted a forged notification (delivery %s)", d.ID)
	}
}

// firstDelivery waits (up to 5 s) for the simulator's first logged notification delivery.
func firstDelivery(t *testing.T, sim *wxsim.Simulator) wxsim.Delivery {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ds := sim.Notifications(); len(ds) > 0 {
			return ds[0]
		}
	}
	t.Fatal("no notification delivery logged within 5s")
	return wxsim.Delivery{}
}
