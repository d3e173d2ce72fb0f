package service

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// The shop shows a list price only with the verdict stored at scheduling and opening, and the
// basis ops stated next to it; a hidden one goes out as 0, without its basis.
func TestShopShowsOnlyListPricesTheRuleAllows(t *testing.T) {
	b := &presale.Batch{ID: 1, OpensAt: time.Now(), CutoffAt: time.Now().Add(time.Hour), Items: []presale.Item{
		{ID: 1, ListPrice: 1500, Price: 990, ListPriceShown: true},
		{ID: 2, ListPrice: 1500, Price: 990, ListPriceShown: true, ReferenceBasis: "厂商建议零售价"},
		{ID: 3, ListPrice: 1500, Price: 990, ListPriceShown: false, ReferenceBasis: "厂商建议零售价"},
	}}
	items := shopBatchProto(b, nil).GetItems()
	want := []struct {
		list  int64
		basis string
	}{{1500, ""}, {1500, "厂商建议零售价"}, {0, ""}}
	for i, w := range want {
		if items[i].GetListPriceFen() != w.list || items[i].GetReferenceBasis() != w.basis || items[i].GetPriceFen() != 990 {
			t.Errorf("item %d: list %d basis %q price %d, want %d %q 990", i+1, items[i].GetListPriceFen(),
				items[i].GetReferenceBasis(), items[i].GetPriceFen(), w.list, w.basis)
		}
	}
}
