package wxsim

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// authScheme is the only Authorization scheme WeChat Pay APIv3 accepts.
	authScheme = "WECHATPAY2-SHA256-RSA2048"
	// clockSkew is how far a request's timestamp may be from WeChat's clock (5 minutes), and
	// how far a response's may be from the merchant's: the SDK checks the same bound.
	clockSkew = 5 * time.Minute
	// payNonceLength is the length of the nonces the simulator signs with, as WeChat's.
	payNonceLength = 32
)

// WeChat Pay's signature headers, on responses and notifications.
const (
	headerTimestamp     = "Wechatpay-Timestamp"
	headerNonce         = "Wechatpay-Nonce"
	headerSignature     = "Wechatpay-Signature"
	headerSerial        = "Wechatpay-Serial"
	headerSignatureType = "Wechatpay-Signature-Type"
	headerRequestID     = "Request-ID"
)

// authorization is a parsed Authorization header.
type authorization struct {
	mchid, nonce, signature, serial string
	timestamp                       int64
}

// parseAuthorization reads `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…`. The order of
// the parameters is free, as WeChat's documentation shows them in more than one order.
func parseAuthorization(header string) (authorization, error) {
	scheme, params, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || scheme != authScheme {
		return authorization{}, fmt.Errorf("the Authorization scheme must be %s", authScheme)
	}
	values := map[string]string{}
	for item := range strings.SplitSeq(params, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
			return authorization{}, fmt.Errorf("malformed Authorization parameter %q", item)
		}
		values[key] = value[1 : len(value)-1]
	}
	for _, key := range []string{"mchid", "nonce_str", "signature", "timestamp", "serial_no"} {
		if values[key] == "" {
			return authorization{}, fmt.Errorf("the Authorization header lacks %s", key)
		}
	}
	ts, err := strconv.ParseInt(values["timestamp"], 10, 64)
	if err != nil {
		return authorization{}, fmt.Errorf("the Authorization timestamp %q is not a number", values["timestamp"])
	}
	return authorization{
		mchid: values["mchid"], nonce: values["nonce_str"], signature: values["signature"],
		serial: values["serial_no"], timestamp: ts,
	}, nil
}

// requestMessage is what a merchant signs: method, request target (path and query as sent),
// timestamp, nonce and body, each followed by a newline.
func requestMessage(method, target string, timestamp int64, nonce string, body []byte) string {
	return fmt.Sprintf("%s\n%s\n%d\n%s\n%s\n", method, target, timestamp, nonce, body)
}

// responseMessage is what WeChat signs on responses and notifications.
func responseMessage(timestamp int64, nonce string, body []byte) string {
	return fmt.Sprintf("%d\n%s\n%s\n", timestamp, nonce, body)
}

// verifyRequest checks a /v3/ request's signature and returns the merchant it came from.
// Timestamps are checked against the wall clock, not the simulated one, because the SDK signs
// with time.Now.
func (p *payState) verifyRequest(r *http.Request, body []byte, wallNow time.Time) (string, *payError) {
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", signError(err.Error())
	}
	merchant, ok := p.cfg.Merchants[auth.mchid]
	switch {
	case !ok:
		return "", signError("unknown mchid " + auth.mchid)
	case auth.serial != merchant.Serial:
		return "", signError("unknown serial_no " + auth.serial)
	case absDuration(wallNow.Sub(time.Unix(auth.timestamp, 0))) > clockSkew:
		return "", signError("timestamp is more than 5 minutes off")
	}
	msg := requestMessage(r.Method, requestTarget(r), auth.timestamp, auth.nonce, body)
	if err := verifySHA256RSA(merchant.PublicKey, msg, auth.signature); err != nil {
		return "", signError(err.Error())
	}
	return auth.mchid, nil
}

// requestTarget is the path and query exactly as the client sent them, which is what it
// signed; a request built in-process (no RequestURI) falls back to its URL's.
func requestTarget(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// signatureHeaders signs body as WeChat signs a response or a notification.
func signatureHeaders(key *rsa.PrivateKey, keyID string, body []byte, wallNow time.Time) (http.Header, error) {
	ts := wallNow.Unix()
	nonce := randomString(payNonceLength, alphanumeric)
	sig, err := signSHA256RSA(key, responseMessage(ts, nonce, body))
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(headerTimestamp, strconv.FormatInt(ts, 10))
	h.Set(headerNonce, nonce)
	h.Set(headerSignature, sig)
	h.Set(headerSerial, keyID)
	return h, nil
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
