package tracking

import (
	"errors"
	"strings"
	"testing"
)

func TestEachKindNeedsWhatItIsCountedBy(t *testing.T) {
	ok := []Input{
		{ClientEventID: "e1", Kind: PageView, Session: "s1", BatchID: 3},
		{ClientEventID: "e-2.x:y_z", Kind: PageView, Session: "s1", BatchID: 3, ItemID: 4, LeaderID: 9},
		{ClientEventID: "e3", Kind: AddToCart, Session: "s1", BatchID: 3, ItemID: 4},
		{ClientEventID: "e4", Kind: Share, ShareKey: "k-1"},
		{ClientEventID: "e5", Kind: ShareOpen, ShareKey: "分享/1"},
	}
	for i, in := range ok {
		if err := in.check(i); err != nil {
			t.Errorf("%+v: %v, want accepted", in, err)
		}
	}
	for _, c := range []struct {
		in    Input
		field string
	}{
		{Input{Kind: PageView, Session: "s", BatchID: 1}, "client_event_id"},
		{Input{ClientEventID: strings.Repeat("a", 65), Kind: PageView, Session: "s", BatchID: 1}, "client_event_id"},
		{Input{ClientEventID: "a b", Kind: PageView, Session: "s", BatchID: 1}, "client_event_id"},
		{Input{ClientEventID: "e", Kind: "click", Session: "s", BatchID: 1}, "kind"},
		{Input{ClientEventID: "e", Kind: PageView, BatchID: 1}, "session"},
		{Input{ClientEventID: "e", Kind: PageView, Session: "s"}, "batch_id"},
		{Input{ClientEventID: "e", Kind: PageView, Session: "s", BatchID: -1}, "batch_id"},
		{Input{ClientEventID: "e", Kind: AddToCart, Session: "s", BatchID: 1}, "item_id"},
		{Input{ClientEventID: "e", Kind: AddToCart, Session: "s", BatchID: 1, ItemID: -4}, "item_id"},
		{Input{ClientEventID: "e", Kind: Share}, "share_key"},
		{Input{ClientEventID: "e", Kind: ShareOpen, ShareKey: "a b"}, "share_key"},
		{Input{ClientEventID: "e", Kind: ShareOpen, ShareKey: strings.Repeat("k", 65)}, "share_key"},
		{Input{ClientEventID: "e", Kind: ShareOpen, ShareKey: "k", LeaderID: -1}, "leader_id"},
		{Input{ClientEventID: "e", Kind: PageView, Session: "s\x00", BatchID: 1}, "session"},
	} {
		err := c.in.check(7)
		var bad *EventError
		if !errors.As(err, &bad) || bad.Field != c.field || bad.Index != 7 || !errors.Is(err, ErrRefused) {
			t.Errorf("%+v: %v, want event 7 refused for %s", c.in, err, c.field)
		}
	}
}

func TestShareKeyIsPrintableWithoutSpaces(t *testing.T) {
	for key, want := range map[string]bool{
		"k":                     true,
		strings.Repeat("分", 64): true,
		strings.Repeat("分", 65): false,
		"":                      false,
		"a\tb":                  false,
		"a b":                   false,
		"a\u200bb":              false, // a zero-width space is not printable
	} {
		if got := CheckShareKey(key) == nil; got != want {
			t.Errorf("CheckShareKey(%q) accepted = %v, want %v", key, got, want)
		}
	}
}
