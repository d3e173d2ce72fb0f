package data_test

import (
	"testing"
	"time"
)

// The at-risk list holds the paid transactions within the warning of their deadline that no
// item finished, oldest first, with what their entries still owe: not one a run settled, not
// one refunded in full, not one paid too recently; the limit keeps the oldest.
func TestAtRiskListsUnsettledTransactionsOldestFirst(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 2, nil)
	day := 24 * time.Hour
	l := e.leaders[0]
	settled := e.paidOrder(t, l, 2, 1000, 29*day)
	e.complete(t, settled)
	uc := e.usecase()
	if v := e.settle(t, uc); v.Summary.Items != 1 {
		t.Fatalf("the run settled %+v", v.Summary)
	}
	refunded := e.paidOrder(t, l, 2, 1000, 28*day+time.Hour)
	e.refund(t, refunded, 2)
	completed := e.paidOrder(t, l, 2, 1000, 27*day)
	e.complete(t, completed)
	partly := e.paidOrder(t, l, 2, 1000, 26*day)
	e.refund(t, partly, 1)
	e.paidOrder(t, l, 2, 1000, day) // far from its deadline

	risk, err := uc.AtRisk(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id   int
		owed int64
	}{{completed.ID, 500}, {partly.ID, 250}}
	if len(risk) != len(want) {
		t.Fatalf("at risk %+v, want orders %v", risk, want)
	}
	for i, w := range want {
		r := risk[i]
		if r.OrderID != int64(w.id) || r.Owed != w.owed || r.TransactionID == "" || r.ItemState != "" ||
			!r.Deadline.Equal(e.cfg.Deadline(r.PaidAt)) {
			t.Errorf("at risk #%d: %+v, want order %d owing %d", i, r, w.id, w.owed)
		}
	}
	if first, err := uc.AtRisk(t.Context(), 1); err != nil || len(first) != 1 || first[0].OrderID != int64(completed.ID) {
		t.Errorf("the first one: %+v, %v", first, err)
	}
}
