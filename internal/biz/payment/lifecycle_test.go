package payment

import (
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// A payment and a refund move exactly as documented; every other move is refused.
func TestPaymentLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[State][]State{
		StateCreated: {StatePaid, StateClosed, StateFailed},
		StateClosed:  {StatePaid},
		StateFailed:  {StatePaid},
	}); len(bad) > 0 {
		t.Errorf("payment life cycle: %v", bad)
	}
	if bad := lifecycle.Walk(RefundLifecycle, map[RefundState][]RefundState{
		RefundCreated:    {RefundProcessing, RefundSuccess, RefundClosed, RefundAbnormal},
		RefundProcessing: {RefundSuccess, RefundClosed, RefundAbnormal},
		RefundAbnormal:   {RefundProcessing, RefundSuccess, RefundClosed},
		RefundClosed:     {RefundSuccess},
	}); len(bad) > 0 {
		t.Errorf("refund life cycle: %v", bad)
	}
}
