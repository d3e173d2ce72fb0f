package presale

import (
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// The batch moves exactly as the package documents; every other move is refused.
func TestBatchLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[Status][]Status{
		Draft:      {Scheduled, Cancelled},
		Scheduled:  {Open, Cancelled},
		Open:       {Closed, Cancelled},
		Closed:     {Dispatched, Cancelled},
		Dispatched: {Arrived},
		Arrived:    {Completed},
	}); len(bad) > 0 {
		t.Errorf("batch life cycle: %v", bad)
	}
}
