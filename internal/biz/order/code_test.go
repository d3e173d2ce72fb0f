package order

import (
	"errors"
	"strings"
	"testing"
)

func TestPickupCodesAreTwelveRandomDigits(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewPickupCode()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidCode(c) || seen[c] {
			t.Fatalf("code %q invalid or repeated", c)
		}
		seen[c] = true
	}
	for _, bad := range []string{"", "12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"} {
		if ValidCode(bad) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
}

func TestQRPayloadOpensOnlyUnchanged(t *testing.T) {
	s, err := NewQRSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Sign(42, "000000000042")
	id, code, err := s.Open(p)
	if err != nil || id != 42 || code != "000000000042" {
		t.Fatalf("Open(%q) = %d, %q, %v", p, id, code, err)
	}
	other, _ := NewQRSigner([]byte("another-key-of-32-bytes-at-least!"))
	tampered := []string{
		strings.Replace(p, ".42.", ".43.", 1),
		strings.Replace(p, "000000000042", "000000000043", 1),
		other.Sign(42, "000000000042"),
		p + "x", "GB1.42.000000000042", "",
	}
	for _, q := range tampered {
		if _, _, err := s.Open(q); !errors.Is(err, ErrPickupCode) {
			t.Errorf("Open(%q) = %v, want ErrPickupCode", q, err)
		}
	}
	if _, err := NewQRSigner([]byte("short")); !errors.Is(err, ErrQRKey) {
		t.Fatalf("short key: %v", err)
	}
}

func TestPlaceInputRefusesBadLines(t *testing.T) {
	ok := PlaceInput{Key: "key-12345", BatchID: 1, Lines: []LineInput{{ItemID: 1, Qty: 1, Price: 100}}}
	if err := ok.check(); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]PlaceInput{
		"short key":  {Key: "k", BatchID: 1, Lines: ok.Lines},
		"bad key":    {Key: "key 12345", BatchID: 1, Lines: ok.Lines},
		"no lines":   {Key: "key-12345", BatchID: 1},
		"zero qty":   {Key: "key-12345", BatchID: 1, Lines: []LineInput{{ItemID: 1, Qty: 0, Price: 100}}},
		"huge qty":   {Key: "key-12345", BatchID: 1, Lines: []LineInput{{ItemID: 1, Qty: 1001, Price: 100}}},
		"item twice": {Key: "key-12345", BatchID: 1, Lines: []LineInput{{ItemID: 1, Qty: 1, Price: 100}, {ItemID: 1, Qty: 1, Price: 100}}},
		"free":       {Key: "key-12345", BatchID: 1, Lines: []LineInput{{ItemID: 1, Qty: 1, Price: 0}}},
	} {
		if err := in.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
