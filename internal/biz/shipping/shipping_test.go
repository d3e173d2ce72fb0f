package shipping

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/order"
)

func TestPresaleDate(t *testing.T) {
	paid := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		name   string
		pickup time.Time
		needed bool
		tooFar bool
	}{
		{"next day", paid.Add(day), false, false},
		{"exactly 15 days", paid.Add(15 * day), false, false},
		{"15 days and a minute", paid.Add(15*day + time.Minute), true, false},
		{"20 days", paid.Add(20 * day), true, false},
		{"330 days", paid.Add(330 * day), true, false},
		{"331 days", paid.Add(331 * day), true, true},
		{"pickup before payment", paid.Add(-day), false, false},
	} {
		got, needed, err := PresaleDate(paid, c.pickup)
		if needed != c.needed || errors.Is(err, ErrPresaleTooFar) != c.tooFar || (needed && !got.Equal(c.pickup)) {
			t.Errorf("%s: PresaleDate = %v, %v, %v", c.name, got, needed, err)
		}
	}
	if _, needed, _ := PresaleDate(time.Time{}, paid); needed {
		t.Error("an unpaid order needs no presale declaration")
	}
}

func TestRetryAfterDoublesUpToTheCap(t *testing.T) {
	want := []time.Duration{10 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for attempts, w := range want {
		if got := RetryAfter(attempts, time.Hour); got != w {
			t.Errorf("RetryAfter(%d) = %v, want %v", attempts, got, w)
		}
	}
	if got := RetryAfter(50, time.Hour); got != time.Hour {
		t.Errorf("RetryAfter(50) = %v, want the cap", got)
	}
	if got := RetryAfter(3, 15*time.Second); got != 15*time.Second {
		t.Errorf("RetryAfter(3, 15s) = %v, want 15s", got)
	}
	if got := RetryAfter(50, 0); got != DefaultRetryMaxDelay {
		t.Errorf("RetryAfter(50, 0) = %v, want the default cap", got)
	}
}

func TestItemDescFitsWeChatsLimit(t *testing.T) {
	if got := ItemDesc([]order.Line{{Title: "草莓", Quantity: 2}, {Title: "鸡蛋", Quantity: 1}}); got != "草莓*2, 鸡蛋*1" {
		t.Errorf("ItemDesc = %q", got)
	}
	var lines []order.Line
	for range 30 {
		lines = append(lines, order.Line{Title: "有机蔬菜礼盒精选套装", Quantity: 1})
	}
	got := ItemDesc(lines)
	if n := utf8.RuneCountInString(got); n > 120 || !strings.HasSuffix(got, "等30件商品") || !utf8.ValidString(got) {
		t.Errorf("ItemDesc of 30 lines = %q (%d characters)", got, n)
	}
	if ItemDesc(nil) == "" {
		t.Error("an order without lines still needs a description")
	}
}

func TestNotDeclarable(t *testing.T) {
	paid := time.Now()
	for _, c := range []struct {
		o    order.Order
		want string
	}{
		{order.Order{Status: order.PendingPayment}, "not paid"},
		{order.Order{Status: order.Cancelled}, "not paid"},
		{order.Order{Status: order.Refunded, PaidAt: paid, Amount: 100, Refunded: 100}, "refunded in full"},
		{order.Order{Status: order.PickedUp, PaidAt: paid, Amount: 100, Refunded: 100}, "refunded in full"},
		{order.Order{Status: order.Paid, PaidAt: paid, Amount: 100, Refunded: 50}, ""},
		{order.Order{Status: order.Ready, PaidAt: paid, Amount: 100}, ""},
	} {
		if got := NotDeclarable(&c.o); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("NotDeclarable(%s) = %q, want %q", c.o.Status, got, c.want)
		}
	}
}
