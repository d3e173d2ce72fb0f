package wxsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
)

const (
	alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// urlSafe is the alphabet of WeChat's openids and unionids.
	urlSafe = alphanumeric + "-_"
)

// Lengths mimic WeChat's values so that the service's column sizes and validation meet
// realistic data.
const (
	openIDLength      = 28
	loginCodeLength   = 32
	accessTokenLength = 136
	sessionKeyBytes   = 16
	phoneCodeBytes    = 32
)

// randomString draws n symbols of alphabet (at most 256 symbols) from crypto/rand. Bytes at or
// above the largest multiple of len(alphabet) are dropped so every symbol is equally likely.
func randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+1)
	for len(out) < n {
		randomBytes(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// randomBytes fills b. crypto/rand.Read never fails since Go 1.24 (it crashes the program
// instead), so there is no error to pass on.
func randomBytes(b []byte) {
	_, _ = rand.Read(b)
}

// newOpenID makes an openid shaped like WeChat's: "o" and 27 URL-safe symbols.
func newOpenID() string { return "o" + randomString(openIDLength-1, urlSafe) }

func newLoginCode() string { return randomString(loginCodeLength, alphanumeric) }

func newAccessToken() string { return randomString(accessTokenLength, urlSafe) }

// newSessionKey is a session_key as code2Session returns it: base64 of 16 random bytes (the
// AES-128 key the mini-program's encrypted data is sealed with).
func newSessionKey() string {
	b := make([]byte, sessionKeyBytes)
	randomBytes(b)
	return base64.StdEncoding.EncodeToString(b)
}

// newPhoneCode is a getPhoneNumber code, which WeChat hands out as 64 hex digits.
func newPhoneCode() string {
	b := make([]byte, phoneCodeBytes)
	randomBytes(b)
	return hex.EncodeToString(b)
}
