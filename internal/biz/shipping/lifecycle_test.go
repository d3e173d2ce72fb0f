package shipping

import (
	"slices"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// A declaration moves exactly as State documents; every other move is refused.
func TestDeclarationLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[State][]State{
		StatePending: {StateUploaded, StatePending, StateFailed, StateSkipped},
		StateFailed:  {StatePending},
	}); len(bad) > 0 {
		t.Errorf("shipping declaration life cycle: %v", bad)
	}
	if !slices.Equal(RequeueStep.From, []State{StateFailed}) || RequeueStep.To != StatePending {
		t.Errorf("requeue moves %v → %s, want failed → pending", RequeueStep.From, RequeueStep.To)
	}
}
