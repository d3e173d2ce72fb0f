package payment

import (
	"strings"
	"testing"
)

// Every merchant number this service derives fits WeChat's rules for its field, even for the
// largest ids, and different causes never share a number.
func TestMerchantNumbersFitWeChatsRules(t *testing.T) {
	const big = int64(1<<63 - 1)
	trade := OutTradeNo(big/1000, 99) // order ids stay far below 2^53; the attempt below 100
	if !validOutNo(trade, outTradeNoMin, outTradeNoMax) {
		t.Errorf("out_trade_no %q breaks WeChat's 6-32 rule", trade)
	}
	for _, no := range []string{OutRefundNo(big, big), OutOrderNo(big, big), OutUnfreezeNo(big),
		OutReturnNo(OutRefundNo(big/1000, big/1000), big/1000)} { // ids far below 2^53 here too {
		if !validOutNo(no, 1, outNoMax) {
			t.Errorf("%q breaks WeChat's 1-64 rule", no)
		}
	}
	nos := []string{OutTradeNo(1, 1), OutRefundNo(1, 1), OutOrderNo(1, 1), OutUnfreezeNo(1), OutReturnNo(OutRefundNo(1, 1), 1),
		OutTradeNo(11, 1), OutTradeNo(1, 11)}
	seen := map[string]bool{}
	for _, no := range nos {
		if seen[no] {
			t.Errorf("%q derived twice", no)
		}
		seen[no] = true
	}
	if validOutNo("bad no!", 1, 64) || validOutNo(strings.Repeat("x", 33), outTradeNoMin, outTradeNoMax) {
		t.Error("validOutNo accepts what WeChat refuses")
	}
}

func TestRegistrationBackoffDoublesUpToAnHour(t *testing.T) {
	if retryAfter(1) != retryAfter(0) || retryAfter(2) != 2*retryAfter(1) {
		t.Errorf("back-off does not start at 10 s and double: %v %v %v", retryAfter(0), retryAfter(1), retryAfter(2))
	}
	if got := retryAfter(50); got.Hours() != 1 {
		t.Errorf("retryAfter(50) = %v, want the one-hour cap", got)
	}
}
