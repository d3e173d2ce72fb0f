package presale

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// Reference prices (划线价). A batch item's list price, crossed out next to its presale price,
// claims the shopper saves the difference; two rules of the State Administration for Market
// Regulation bound what it may be:
//
//   - 《规范促销行为暂行规定》(SAMR Order No. 32, in force 2020-12-01), 第二十条: a seller who
//     discounts must state the basis of the discount; without one, the basis is its lowest
//     transaction price in the same place in the 7 days before the promotion (the last
//     transaction price before it when there was none in those 7 days).
//   - 《明码标价和禁止价格欺诈规定》(SAMR Order No. 56, in force 2022-07-01), 第十六条: a compared
//     price (被比较价格) must be true and accurate; without details of what it is, it must not
//     be above the seller's lowest transaction price in the same place in the 7 days before the
//     comparison (the last transaction price when none); a comparison with the manufacturer's
//     suggested retail price must say so (厂商建议零售价). 第十七条 forbids raising the marked
//     price just before a discount to serve as its basis.
//
// So a list price is shown when it is not above the SKU's lowest unit transaction price over the
// 7 Beijing days before the batch's opening day, or when ops state what else it is (the item's
// ReferenceBasis, shown next to it). A SKU that sold nothing in those days has no lowest price:
// rather than look back further for a last transaction, scheduling asks ops for a basis, which is
// the stricter reading and needs no history beyond the window.

// referenceDays is the window of the rule: the 7 days before the opening day.
const referenceDays = 7

// maxBasis bounds a stated basis: a short label such as 厂商建议零售价, not a text.
const maxBasis = 32

// PriceHistory is the SKUs' lowest unit transaction prices per Beijing day, recorded as orders
// are paid.
type PriceHistory interface {
	// Lowest is, in one query, the lowest unit price of each of skuIDs over the Beijing days
	// [from, to) (YYYY-MM-DD); a SKU that sold nothing on those days is absent.
	Lowest(ctx context.Context, skuIDs []int64, from, to string) (map[int64]int64, error)
}

// ReferenceWindow is the Beijing days [from, to) whose sales bound the list prices of a batch
// opening at opensAt: the 7 whole days before its opening day, which the opening day itself is
// not part of.
func ReferenceWindow(opensAt time.Time) (from, to string) {
	day := bjtime.StartOfDay(opensAt)
	return bjtime.Day(day.AddDate(0, 0, -referenceDays)), bjtime.Day(day)
}

// CheckReference is the rule on one item: nil when its list price may be shown, or none is; an
// InvalidError on items.list_price naming the item and what the history holds otherwise.
// lowest is the SKU's lowest unit price in the window, found false when it sold nothing then;
// before is the opening day (YYYY-MM-DD).
func CheckReference(it Item, lowest int64, found bool, before string) error {
	switch {
	case it.ListPrice <= 0 || it.ReferenceBasis != "":
		return nil
	case !found:
		return bizerr.Invalid("items.list_price", fmt.Sprintf(
			"%s: no transactions in the 7 days before %s (Beijing), so its list price %s cannot be shown as an original price; state a basis for it (e.g. 厂商建议零售价)",
			itemName(it), before, yuan(it.ListPrice)))
	case it.ListPrice > lowest:
		return bizerr.Invalid("items.list_price", fmt.Sprintf(
			"%s: list price %s is above the lowest price it sold at in the 7 days before %s (Beijing), %s; lower the SKU's list price to at most %s and save the draft again, or state a basis",
			itemName(it), yuan(it.ListPrice), before, yuan(lowest), yuan(lowest)))
	}
	return nil
}

// listPriceShown is whether the shop shows the item's list price under the rule.
func listPriceShown(it Item, lowest int64, found bool, before string) bool {
	return it.ListPrice > 0 && CheckReference(it, lowest, found, before) == nil
}

// judgeReferences applies the rule to b's items against the history, setting each item's
// ListPriceShown. With refuse, the first item that fails is an error and nothing is set.
func (uc *Usecase) judgeReferences(ctx context.Context, b *Batch, refuse bool) error {
	if uc.prices == nil {
		return nil // no history wired (tests of other rules): lists stay as they are
	}
	from, to := ReferenceWindow(b.OpensAt)
	ids := make([]int64, len(b.Items))
	for i, it := range b.Items {
		ids[i] = it.SKUID
	}
	lowest, err := uc.prices.Lowest(ctx, ids, from, to)
	if err != nil {
		return fmt.Errorf("lowest prices of batch %d from %s to %s: %w", b.ID, from, to, err)
	}
	if refuse {
		for _, it := range b.Items {
			low, ok := lowest[it.SKUID]
			if err := CheckReference(it, low, ok, to); err != nil {
				return err
			}
		}
	}
	for i, it := range b.Items {
		low, ok := lowest[it.SKUID]
		b.Items[i].ListPriceShown = listPriceShown(it, low, ok, to)
	}
	return nil
}

// checkBasis refuses a stated basis that is too long or holds control characters (it is shown
// to shoppers as one line).
func checkBasis(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return bizerr.Invalid("items.reference_basis", "must be text")
	case utf8.RuneCountInString(s) > maxBasis:
		return bizerr.Invalid("items.reference_basis", fmt.Sprintf("at most %d characters", maxBasis))
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return bizerr.Invalid("items.reference_basis", "must be one line of text")
	}
	return nil
}

// itemName names an item for ops: its SKU and wording.
func itemName(it Item) string {
	return strings.TrimSpace(fmt.Sprintf("SKU %d %s %s", it.SKUID, it.Title, it.Spec))
}

// yuan writes fen as ¥12.34.
func yuan(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }
