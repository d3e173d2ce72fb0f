package wxsim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/credentials"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/signers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// These tests hold the simulator's standard-library cryptography against the official SDK in
// both directions, so that the two cannot drift into a private dialect.

func conformanceKeys(t *testing.T) (*DevPayKeys, *payState) {
	t.Helper()
	keys, err := GenerateDevPayKeys("")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := keys.PayConfig().normalized([]string{DemoAppID})
	if err != nil {
		t.Fatal(err)
	}
	return keys, newPayState(cfg, time.Now)
}

// sdkSignedRequest is a request carrying the Authorization header the SDK makes for it.
func sdkSignedRequest(t *testing.T, keys *DevPayKeys, method, target, body string) *http.Request {
	t.Helper()
	cred := credentials.WechatPayCredentials{Signer: &signers.SHA256WithRSASigner{
		MchID: keys.MchID, CertificateSerialNo: keys.MerchantSerial, PrivateKey: keys.MerchantKey}}
	header, err := cred.GenerateAuthorizationHeader(context.Background(), method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", header)
	return r
}

func TestConformanceSDKSignedRequestsVerify(t *testing.T) {
	keys, p := conformanceKeys(t)
	const target = "/v3/pay/transactions/out-trade-no/A%2FB-001?mchid=1900000109"
	body := `{"mchid":"1900000109"}`
	r := sdkSignedRequest(t, keys, http.MethodPost, target, body)
	mchid, e := p.verifyRequest(r, []byte(body), time.Now())
	if e != nil || mchid != keys.MchID {
		t.Fatalf("an SDK-signed request: %v %v", mchid, e)
	}
	tampered := []struct {
		name             string
		method, url, bod string
		now              time.Time
	}{
		{"body", http.MethodPost, target, `{"mchid":"1900000110"}`, time.Now()},
		{"query", http.MethodPost, strings.Replace(target, "0109", "0110", 1), body, time.Now()},
		{"method", http.MethodPut, target, body, time.Now()},
		{"six minutes late", http.MethodPost, target, body, time.Now().Add(6 * time.Minute)},
	}
	for _, tc := range tampered {
		r := httptest.NewRequest(tc.method, tc.url, nil)
		r.Header = sdkSignedRequest(t, keys, http.MethodPost, target, body).Header
		if _, e := p.verifyRequest(r, []byte(tc.bod), tc.now); e == nil || e.Code != PayCodeSignError || e.Status != 401 {
			t.Errorf("%s changed: %v", tc.name, e)
		}
	}
}

func TestConformanceSimulatorSignaturesVerifyWithSDK(t *testing.T) {
	keys, _ := conformanceKeys(t)
	body := []byte(`{"prepay_id":"wx201410272009395522657a690389285100"}`)
	headers, err := signatureHeaders(keys.PlatformKey, keys.PublicKeyID, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	validator := validators.NewWechatPayResponseValidator(verifiers.NewSHA256WithRSAPubkeyVerifier(keys.PublicKeyID, keys.PlatformKey.PublicKey))
	resp := &http.Response{Header: headers, Body: io.NopCloser(bytes.NewReader(body))}
	if err := validator.Validate(context.Background(), resp); err != nil {
		t.Fatalf("the SDK rejects the simulator's signature: %v", err)
	}
	resp = &http.Response{Header: headers, Body: io.NopCloser(strings.NewReader(`{"prepay_id":"other"}`))}
	if err := validator.Validate(context.Background(), resp); err == nil {
		t.Fatal("the SDK accepted a signature over another body")
	}
}

func TestConformanceCiphersMatchSDK(t *testing.T) {
	keys, _ := conformanceKeys(t)
	plaintext := `{"out_trade_no":"ORDER-1"}`
	sealed, err := sealAESGCM(keys.APIv3Key, "transaction", []byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := utils.DecryptAES256GCM(keys.APIv3Key, "transaction", sealed.nonce, sealed.ciphertext); err != nil || got != plaintext {
		t.Fatalf("the SDK opens the resource as %q, %v", got, err)
	}

	toMerchant, err := encryptOAEP(&keys.MerchantKey.PublicKey, "张三")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := utils.DecryptOAEP(toMerchant, keys.MerchantKey); err != nil || got != "张三" {
		t.Fatalf("the SDK decrypts the simulator's field as %q, %v", got, err)
	}
	fromSDK, err := utils.EncryptOAEPWithPublicKey("李四", &keys.PlatformKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decryptOAEP(keys.PlatformKey, fromSDK); err != nil || got != "李四" {
		t.Fatalf("the simulator decrypts the SDK's field as %q, %v", got, err)
	}
}

// The key files are in the formats the SDK's loaders read.
func TestConformanceKeyFilesLoadWithSDK(t *testing.T) {
	keys, _ := conformanceKeys(t)
	dir := t.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	priv, err := utils.LoadPrivateKeyWithPath(filepath.Join(dir, MerchantKeyFile))
	if err != nil || !priv.Equal(keys.MerchantKey) {
		t.Fatalf("merchant key: %v", err)
	}
	pub, err := utils.LoadPublicKeyWithPath(filepath.Join(dir, PlatformPublicKeyFile))
	if err != nil || !pub.Equal(&keys.PlatformKey.PublicKey) {
		t.Fatalf("platform public key: %v", err)
	}
}
