package invite

import (
	"bytes"
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

func codes(t *testing.T) *InviteCodes {
	t.Helper()
	c, err := NewInviteCodes(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInviteCodesNameTheirShopperOnly(t *testing.T) {
	c := codes(t)
	code := c.Code(42)
	if id, err := c.Open(code); err != nil || id != 42 {
		t.Fatalf("Open(Code(42)) = %d, %v", id, err)
	}
	// Flip each character in turn: no forged code names anyone.
	for i := range code {
		b := []byte(code)
		b[i] ^= 1
		if id, err := c.Open(string(b)); !errors.Is(err, ErrInviteCode) {
			t.Errorf("forged code %q opened as %d, %v", b, id, err)
		}
	}
	other, _ := NewInviteCodes(bytes.Repeat([]byte("x"), 32))
	if _, err := other.Open(code); !errors.Is(err, ErrInviteCode) {
		t.Error("a code opened under another key")
	}
	for _, bad := range []string{"", "!!", c.Code(0)} {
		if _, err := c.Open(bad); !errors.Is(err, ErrInviteCode) {
			t.Errorf("Open(%q) = %v", bad, err)
		}
	}
	if _, err := NewInviteCodes([]byte("short")); !errors.Is(err, ErrInviteKey) {
		t.Error("a short key was accepted")
	}
}

func TestSamePerson(t *testing.T) {
	c := codes(t)
	a := Person{UserID: 1, OpenID: "o1", UnionID: "u1", PhoneIndex: c.PhoneIndex("13800000000")}
	for _, tc := range []struct {
		name string
		b    Person
		same bool
	}{
		{"same account", Person{UserID: 1, OpenID: "o9"}, true},
		{"same openid", Person{UserID: 2, OpenID: "o1"}, true},
		{"same unionid (the leader app)", Person{UserID: 2, OpenID: "o2", UnionID: "u1"}, true},
		{"same phone", Person{UserID: 2, OpenID: "o2", PhoneIndex: c.PhoneIndex("13800000000")}, true},
		{"no unionid on either side", Person{UserID: 2, OpenID: "o2"}, false},
		{"another phone", Person{UserID: 2, OpenID: "o2", PhoneIndex: c.PhoneIndex("13900000000")}, false},
	} {
		if got := a.Same(tc.b); got != tc.same {
			t.Errorf("%s: Same = %v", tc.name, got)
		}
	}
	if (Person{UserID: 3, OpenID: "o3"}).Same(Person{UserID: 4, OpenID: "o4"}) {
		t.Error("two shoppers without unionid or phone are one person")
	}
	if c.PhoneIndex("") != "" {
		t.Error("no phone must index to nothing, or every phoneless shopper is one person")
	}
}

func TestInvitationLifecycle(t *testing.T) {
	got := lifecycle.Walk(InvitationLifecycle, map[InvitationState][]InvitationState{
		InvitationPending:    {InvitationQualifying, InvitationRefused},
		InvitationQualifying: {InvitationRewarded, InvitationPending, InvitationCapped, InvitationRefused},
	})
	if len(got) > 0 {
		t.Errorf("invitation lifecycle differs from the documented one: %v", got)
	}
}
