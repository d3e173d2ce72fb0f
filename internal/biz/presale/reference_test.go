package presale

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

func inWindow(day, from, to string) bool { return from <= day && day < to }

// The window is the 7 whole Beijing days before the opening day: the 7th day before is in, the
// 8th and the opening day itself are out, and the opening day turns at Beijing midnight, not
// UTC's.
func TestReferenceWindowIsTheSevenBeijingDaysBeforeOpening(t *testing.T) {
	from, to := ReferenceWindow(time.Date(2026, 12, 10, 0, 0, 0, 0, bjtime.Zone))
	if from != "2026-12-03" || to != "2026-12-10" {
		t.Fatalf("window [%s, %s), want [2026-12-03, 2026-12-10)", from, to)
	}
	for day, want := range map[string]bool{
		"2026-12-02": false, // 8 days before
		"2026-12-03": true,  // 7 days before
		"2026-12-09": true,  // the day before
		"2026-12-10": false, // the opening day
	} {
		if got := inWindow(day, from, to); got != want {
			t.Errorf("%s in window = %v, want %v", day, got, want)
		}
	}
	// One second before Beijing midnight the batch opens on the 9th; at midnight, on the 10th.
	// Both instants are on the 9th in UTC.
	lastSecond := time.Date(2026, 12, 9, 15, 59, 59, 0, time.UTC)
	if from, to := ReferenceWindow(lastSecond); from != "2026-12-02" || to != "2026-12-09" {
		t.Errorf("opening at %s: window [%s, %s)", lastSecond, from, to)
	}
	midnight := time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC)
	if from, to := ReferenceWindow(midnight); from != "2026-12-03" || to != "2026-12-10" {
		t.Errorf("opening at %s: window [%s, %s)", midnight, from, to)
	}
}

func TestCheckReferenceBoundaries(t *testing.T) {
	it := Item{SKUID: 7, Title: "草莓", Spec: "500g", ListPrice: 1000}
	if err := CheckReference(it, 1000, true, "2026-12-10"); err != nil {
		t.Errorf("list price equal to the lowest: %v", err)
	}
	if err := CheckReference(it, 1001, true, "2026-12-10"); err != nil {
		t.Errorf("list price below the lowest: %v", err)
	}
	err := CheckReference(it, 999, true, "2026-12-10")
	var invalid *bizerr.InvalidError
	if !errors.As(err, &invalid) || invalid.Field != "items.list_price" {
		t.Fatalf("1 fen above the lowest: %v, want an invalid items.list_price", err)
	}
	for _, want := range []string{"SKU 7 草莓 500g", "¥10.00", "¥9.99", "2026-12-10"} {
		if !strings.Contains(invalid.Reason, want) {
			t.Errorf("reason %q does not name %q", invalid.Reason, want)
		}
	}

	err = CheckReference(it, 0, false, "2026-12-10")
	if !errors.As(err, &invalid) || invalid.Field != "items.list_price" ||
		!strings.Contains(invalid.Reason, "no transactions in the 7 days before 2026-12-10") {
		t.Errorf("no sales in the window: %v", err)
	}

	based := it
	based.ReferenceBasis = "厂商建议零售价"
	if err := CheckReference(based, 999, true, "2026-12-10"); err != nil {
		t.Errorf("above the lowest with a stated basis: %v", err)
	}
	if err := CheckReference(based, 0, false, "2026-12-10"); err != nil {
		t.Errorf("no sales with a stated basis: %v", err)
	}

	none := Item{SKUID: 8, ListPrice: 0}
	if err := CheckReference(none, 0, false, "2026-12-10"); err != nil {
		t.Errorf("no list price: %v", err)
	}
	if listPriceShown(none, 0, false, "2026-12-10") {
		t.Error("a list price of 0 is shown")
	}
	if !listPriceShown(it, 1000, true, "2026-12-10") || listPriceShown(it, 999, true, "2026-12-10") {
		t.Error("shown does not follow the rule")
	}
}

func TestReferenceBasisIsAShortLine(t *testing.T) {
	ok := []string{"", "厂商建议零售价", strings.Repeat("价", maxBasis), "  MSRP  "}
	for _, s := range ok {
		if err := checkBasis(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{strings.Repeat("价", maxBasis+1), "厂商\n建议", "\x00", string([]byte{0xff, 0xfe})}
	for _, s := range bad {
		var invalid *bizerr.InvalidError
		if err := checkBasis(s); !errors.As(err, &invalid) || invalid.Field != "items.reference_basis" {
			t.Errorf("%q: %v, want an invalid items.reference_basis", s, err)
		}
	}
	in := validInput(t)
	in.Items[0].ReferenceBasis = strings.Repeat("价", maxBasis+1)
	if _, err := in.check(); err == nil {
		t.Error("a 33-character basis passed the input check")
	}
}

// history answers Lowest from a fixed map of each SKU's day prices, as the store's grouped
// query does, and records what it was asked.
type history struct {
	days     map[int64]map[string]int64
	from, to string
}

func (h *history) Lowest(_ context.Context, skus []int64, from, to string) (map[int64]int64, error) {
	h.from, h.to = from, to
	out := map[int64]int64{}
	for _, sku := range skus {
		for day, p := range h.days[sku] {
			if cur, ok := out[sku]; inWindow(day, from, to) && (!ok || p < cur) {
				out[sku] = p
			}
		}
	}
	return out, nil
}

// Scheduling refuses the first item that fails and sets no verdict; opening hides what fails
// and shows the rest.
func TestJudgeReferencesRefusesAtSchedulingAndHidesAtOpening(t *testing.T) {
	h := &history{days: map[int64]map[string]int64{
		1: {"2026-12-02": 500, "2026-12-03": 900}, // the 8th day before does not count
		2: {"2026-12-09": 800},
	}}
	uc := &Usecase{prices: h}
	b := &Batch{ID: 1, OpensAt: time.Date(2026, 12, 10, 8, 0, 0, 0, bjtime.Zone), Items: []Item{
		{SKUID: 1, ListPrice: 900},
		{SKUID: 2, ListPrice: 900},
		{SKUID: 3, ListPrice: 900, ReferenceBasis: "厂商建议零售价"},
	}}
	err := uc.judgeReferences(context.Background(), b, true)
	var invalid *bizerr.InvalidError
	if !errors.As(err, &invalid) || !strings.Contains(invalid.Reason, "SKU 2") || !strings.Contains(invalid.Reason, "¥8.00") {
		t.Fatalf("scheduling: %v, want SKU 2 refused at ¥8.00", err)
	}
	if h.from != "2026-12-03" || h.to != "2026-12-10" {
		t.Errorf("asked for [%s, %s)", h.from, h.to)
	}
	for _, it := range b.Items {
		if it.ListPriceShown {
			t.Errorf("SKU %d shown after a refusal", it.SKUID)
		}
	}
	if err := uc.judgeReferences(context.Background(), b, false); err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{1: true, 2: false, 3: true}
	for _, it := range b.Items {
		if it.ListPriceShown != want[it.SKUID] {
			t.Errorf("SKU %d shown = %v, want %v", it.SKUID, it.ListPriceShown, want[it.SKUID])
		}
	}
}
