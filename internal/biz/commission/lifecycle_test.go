package commission

import (
	"slices"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// A commission entry moves exactly so; the settlement store's set-based moves take their from
// states from the table.
func TestEntryLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[State][]State{
		StatePending:    {StateSettleable},
		StateSettleable: {StateSettled, StateUnresolved},
	}); len(bad) > 0 {
		t.Errorf("commission entry life cycle: %v", bad)
	}
	for _, to := range []State{StateSettled, StateUnresolved} {
		if got := Lifecycle.Sources(to); !slices.Equal(got, []State{StateSettleable}) {
			t.Errorf("entries move to %s from %v, want only settleable ones", to, got)
		}
	}
}
