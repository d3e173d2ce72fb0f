package order

import (
	"slices"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// The order moves exactly as the package documents; every other move is refused.
func TestOrderLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(Lifecycle, map[Status][]Status{
		PendingPayment: {Paid, Cancelled},
		Cancelled:      {Paid},
		Paid:           {Ready, Refunding, Refunded},
		Ready:          {PickedUp, Refunded},
		PickedUp:       {Completed, Refunded},
		Refunding:      {Refunded, Paid},
	}); len(bad) > 0 {
		t.Errorf("order life cycle: %v", bad)
	}
	// The set-based moves in data take their from states here.
	if got := Lifecycle.Sources(Ready); !slices.Equal(got, []Status{Paid}) {
		t.Errorf("orders made ready from %v, want only paid ones", got)
	}
	if got := Lifecycle.Sources(Completed); !slices.Equal(got, []Status{PickedUp}) {
		t.Errorf("orders completed from %v, want only picked-up ones", got)
	}
}

func TestAfterSaleLifecycle(t *testing.T) {
	if bad := lifecycle.Walk(AfterSaleLifecycle, map[AfterSaleStatus][]AfterSaleStatus{
		AfterSaleRequested: {AfterSaleApproved, AfterSaleRejected},
		AfterSaleApproved:  {AfterSaleRefunded, AfterSaleFailed},
		AfterSaleFailed:    {AfterSaleRefunded},
	}); len(bad) > 0 {
		t.Errorf("after-sales life cycle: %v", bad)
	}
}
