package order

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// codeDigits is the length of a pickup code: 10¹² codes, so guessing one of a leader's few
// hundred open orders takes about 10⁹ tries, and each try is one authenticated request.
const codeDigits = 12

var codeSpace = new(big.Int).Exp(big.NewInt(10), big.NewInt(codeDigits), nil)

// NewPickupCode draws a pickup code from crypto/rand.
func NewPickupCode() (string, error) {
	n, err := rand.Int(rand.Reader, codeSpace)
	if err != nil {
		return "", fmt.Errorf("draw pickup code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n), nil
}

// ValidCode reports whether s looks like a pickup code, before anything is looked up.
func ValidCode(s string) bool {
	if len(s) != codeDigits {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// QRSigner signs and opens the pickup QR payload: "GB1.<order>.<code>.<mac>". The MAC keeps a
// forged payload from naming an order; the code inside is still checked against the order.
type QRSigner struct{ key []byte }

// ErrQRKey means the configured key is too short to sign with.
var ErrQRKey = errors.New("pickup QR key must be at least 32 bytes")

// NewQRSigner signs with key (at least 32 bytes).
func NewQRSigner(key []byte) (*QRSigner, error) {
	if len(key) < 32 {
		return nil, ErrQRKey
	}
	return &QRSigner{key: key}, nil
}

const qrPrefix = "GB1"

func (s *QRSigner) mac(body string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// Sign returns the QR payload of an order's pickup code.
func (s *QRSigner) Sign(orderID int64, code string) string {
	body := qrPrefix + "." + strconv.FormatInt(orderID, 10) + "." + code
	return body + "." + s.mac(body)
}

// Open checks a payload's MAC and returns the order and code it names.
func (s *QRSigner) Open(payload string) (int64, string, error) {
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != qrPrefix {
		return 0, "", ErrPickupCode
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.mac(body))) {
		return 0, "", ErrPickupCode
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 || !ValidCode(parts[2]) {
		return 0, "", ErrPickupCode
	}
	return id, parts[2], nil
}
