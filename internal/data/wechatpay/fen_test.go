package wechatpay_test

import (
	"testing"

	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
)

func TestFen(t *testing.T) {
	for in, want := range map[string]int64{"0.00": 0, "12.34": 1234, "-0.05": -5, "7": 700, "0.1": 10, "": 0, "19.99": 1999} {
		if got, err := wechatpay.Fen(in); err != nil || got != want {
			t.Errorf("Fen(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"1.234", "abc", "1,00", "--1", ".5", "1.-5"} {
		if _, err := wechatpay.Fen(bad); err == nil {
			t.Errorf("Fen(%q) accepted", bad)
		}
	}
}
