package settlement

import (
	"slices"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// A settlement item moves exactly as ItemState documents; every other move is refused.
func TestItemLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(ItemLifecycle, map[ItemState][]ItemState{
		ItemPending:    {ItemProcessing, ItemFinished, ItemFailed, ItemExpired},
		ItemProcessing: {ItemPending, ItemFinished},
		ItemFailed:     {ItemPending},
	}); len(bad) > 0 {
		t.Errorf("settlement item life cycle: %v", bad)
	}
	if !slices.Equal(RetryStep.From, []ItemState{ItemFailed}) || RetryStep.To != ItemPending {
		t.Errorf("finance's retry moves %v → %s, want failed → pending", RetryStep.From, RetryStep.To)
	}
}
