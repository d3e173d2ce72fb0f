package order_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/order"
)

var fuzzQRKey = []byte("0123456789abcdef0123456789abcdef")

// A payload opens only as exactly what was signed: the order and code it names sign back to the
// same payload, and anything else is ErrPickupCode.
func FuzzQROpen(f *testing.F) {
	s, err := order.NewQRSigner(fuzzQRKey)
	if err != nil {
		f.Fatal(err)
	}
	good := s.Sign(42, "012345678901")
	for _, p := range []string{
		good, good + ".", "x" + good, strings.Replace(good, "42", "+42", 1), strings.Replace(good, "42", "042", 1),
		s.Sign(-1, "012345678901"), s.Sign(0, "012345678901"), s.Sign(42, "01234567890"), s.Sign(42, "0123456789０1"),
		s.Sign(42, "012345678901.x"), "GB1...", "", "GB1.42.012345678901.", "GB2" + good[3:],
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		id, code, err := s.Open(payload)
		if err != nil {
			if !errors.Is(err, order.ErrPickupCode) {
				t.Fatalf("Open(%q): %v, want ErrPickupCode", payload, err)
			}
			return
		}
		if id <= 0 || !order.ValidCode(code) {
			t.Fatalf("Open(%q) = %d, %q: not an order and a pickup code", payload, id, code)
		}
		if again := s.Sign(id, code); again != payload {
			t.Fatalf("Open(%q) = %d, %q, which signs as %q", payload, id, code, again)
		}
	})
}

// Every order and valid code signs to a payload that opens as them; a code that is not twelve
// digits never opens, however it was signed.
func FuzzQRRoundTrip(f *testing.F) {
	s, err := order.NewQRSigner(fuzzQRKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(int64(42), "012345678901")
	f.Add(int64(1), "999999999999")
	f.Add(int64(9223372036854775807), "000000000000")
	f.Add(int64(0), "012345678901")
	f.Add(int64(-5), "012345678901")
	f.Add(int64(7), "01234567890a")
	f.Add(int64(7), "0123.4567890")
	f.Fuzz(func(t *testing.T, id int64, code string) {
		gotID, gotCode, err := s.Open(s.Sign(id, code))
		if id > 0 && order.ValidCode(code) {
			if err != nil || gotID != id || gotCode != code {
				t.Fatalf("Sign(%d, %q) opens as %d, %q, %v", id, code, gotID, gotCode, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("Sign(%d, %q) opened as %d, %q: not an order and a pickup code", id, code, gotID, gotCode)
		}
	})
}

// ValidCode accepts exactly twelve ASCII digits.
func FuzzValidCode(f *testing.F) {
	for _, c := range []string{"012345678901", "01234567890", "0123456789012", "01234567890a", "０12345678901", "", "            "} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, code string) {
		want := len(code) == 12 && strings.Trim(code, "0123456789") == ""
		if got := order.ValidCode(code); got != want {
			t.Fatalf("ValidCode(%q) = %v, want %v", code, got, want)
		}
	})
}
