package console

import (
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{"39.90": 3990, "39.9": 3990, "40": 4000, "0.01": 1, "999999999.99": 99999999999} {
		if got, err := parseYuan("items.price", in); err != nil || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.234", "1,000", "1e3", " 1", "abc", "1234567890"} {
		var invalid *bizerr.InvalidError
		if got, err := parseYuan("items.price", in); !errors.As(err, &invalid) || invalid.Field != "items.price" {
			t.Errorf("parseYuan(%q) = %d, %v; want an invalid price", in, got, err)
		}
	}
}

// The create form's rows carry each item's stated basis of its list price to the use case, as
// the API's reference_basis does; a row left blank states none.
func TestBatchFormCarriesTheReferenceBasis(t *testing.T) {
	f := batchForm{Title: "周末鸡蛋团", OpensAt: "2026-12-10T08:00", CutoffAt: "2026-12-11T08:00", PickupDate: "2026-12-12"}
	f.Items[0] = itemForm{SKU: "7", Price: "9.90", Quota: "50", Commission: "0", Basis: "厂商建议零售价"}
	f.Items[1] = itemForm{SKU: "8", Price: "9.90", Quota: "50", Commission: "0"}
	in, err := f.input()
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Items) != 2 || in.Items[0].ReferenceBasis != "厂商建议零售价" || in.Items[1].ReferenceBasis != "" {
		t.Errorf("items %+v", in.Items)
	}
}
