// Package promo is promotions: coupon templates and the coupons shoppers hold, 满减 activities
// (spend X, save Y or get a gift), and the one pricing function that turns a cart into what the
// shopper pays:
//
//	presale price ─▶ at most one 满减 (the best tier reached) ─▶ at most one coupon ─▶ ≥ 1 fen
//
// Every discount is allocated to the order's lines in integer fen (Allocate) and stored per line,
// so a line's amount is what was paid for it: refunds are capped by it and commission is computed
// on it. A coupon lives as
//
//	available ─order placed─▶ locked ─order paid─▶ used
//	locked ─order cancelled or expired unpaid─▶ available (expired when past its validity)
//	used ─whole order refunded─▶ available (expired when past its validity)
//	available ─validity over─▶ expired
//
// and a partial refund never gives it back.
package promo

import (
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// MaxAmount bounds any amount a promotion names (¥1,000,000): above it is a typo in fen.
const MaxAmount = 100_000_000

// DiscountKind is how a coupon takes money off.
type DiscountKind string

const (
	// FixedOff takes AmountOff fen off.
	FixedOff DiscountKind = "fixed"
	// PercentOff takes PercentBP of the eligible amount off, at most MaxOff fen.
	PercentOff DiscountKind = "percent"
)

// Discount is a coupon's rule: what it takes off an eligible amount of at least Threshold.
type Discount struct {
	Kind      DiscountKind
	AmountOff int64 // fen, FixedOff
	PercentBP int   // basis points off (1500 = 15% off, 八五折), PercentOff
	MaxOff    int64 // fen, the cap of PercentOff
	Threshold int64 // fen; 0 means none (无门槛)
}

// Most is the most the discount can take off any cart: what a claim books against the amount
// budget.
func (d Discount) Most() int64 {
	if d.Kind == PercentOff {
		return d.MaxOff
	}
	return d.AmountOff
}

// Off is what the discount takes off an eligible amount, 0 below the threshold, never more than
// the amount itself.
func (d Discount) Off(eligible int64) int64 {
	if eligible <= 0 || eligible < d.Threshold {
		return 0
	}
	off := d.AmountOff
	if d.Kind == PercentOff {
		off = min(ratio.Of(eligible, d.PercentBP), d.MaxOff)
	}
	return min(off, eligible)
}

func (d Discount) check() error {
	switch d.Kind {
	case FixedOff:
		if d.AmountOff <= 0 || d.AmountOff > MaxAmount {
			return bizerr.Invalid("discount.amount_off_fen", "1 fen to ¥1,000,000")
		}
		if d.Threshold > 0 && d.AmountOff >= d.Threshold {
			return bizerr.Invalid("discount.amount_off_fen", "must be below the threshold")
		}
	case PercentOff:
		if d.PercentBP <= 0 || d.PercentBP >= ratio.Whole {
			return bizerr.Invalid("discount.percent_bp", "1 to 9999 basis points off")
		}
		if d.MaxOff <= 0 || d.MaxOff > MaxAmount {
			return bizerr.Invalid("discount.max_off_fen", "a percentage needs a cap of 1 fen to ¥1,000,000")
		}
	default:
		return bizerr.Invalid("discount.kind", "fixed or percent")
	}
	if d.Threshold < 0 || d.Threshold > MaxAmount {
		return bizerr.Invalid("discount.threshold_fen", "0 to ¥1,000,000")
	}
	return nil
}

// ScopeKind is what a promotion applies to.
type ScopeKind string

const (
	ScopeAll     ScopeKind = "all"
	ScopeBatches ScopeKind = "batches"
	ScopeSKUs    ScopeKind = "skus"
	ScopeGrids   ScopeKind = "grids"
	ScopeLeaders ScopeKind = "leaders"
)

// maxScope bounds the ids or cells a scope lists: more is a list that belongs in a batch.
const maxScope = 500

// Scope is where a promotion applies: everything, or the listed batches, SKUs, grid cells (H3,
// the grid resolution) or leaders. Only a SKU scope picks lines; the others pick whole orders.
type Scope struct {
	Kind  ScopeKind
	IDs   []int64
	Cells []string
}

func (s Scope) check() error {
	switch s.Kind {
	case ScopeAll:
		if len(s.IDs)+len(s.Cells) > 0 {
			return bizerr.Invalid("scope", "everything takes no list")
		}
		return nil
	case ScopeGrids:
		if len(s.Cells) == 0 || len(s.Cells) > maxScope || len(s.IDs) > 0 {
			return bizerr.Invalid("scope.cells", "1 to 500 grid cells")
		}
		return nil
	case ScopeBatches, ScopeSKUs, ScopeLeaders:
		if len(s.IDs) == 0 || len(s.IDs) > maxScope || len(s.Cells) > 0 {
			return bizerr.Invalid("scope.ids", "1 to 500 ids")
		}
		for _, id := range s.IDs {
			if id <= 0 {
				return bizerr.Invalid("scope.ids", "positive ids")
			}
		}
		return nil
	}
	return bizerr.Invalid("scope.kind", "all, batches, skus, grids or leaders")
}

// takesOrder reports whether the scope admits an order of the cart at all.
func (s Scope) takesOrder(c *Cart) bool {
	switch s.Kind {
	case ScopeBatches:
		return has(s.IDs, c.BatchID)
	case ScopeGrids:
		return has(s.Cells, c.GridCell)
	case ScopeLeaders:
		return has(s.IDs, c.LeaderID)
	}
	return true
}

// takesLine reports whether the scope admits the line (of an order it admits).
func (s Scope) takesLine(l *Line) bool {
	return s.Kind != ScopeSKUs || has(s.IDs, l.SKUID)
}

func has[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Window is a span of time [From, Until).
type Window struct {
	From, Until time.Time
}

// Contains reports whether t is in the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.Until) }

func (w Window) check(field string) error {
	if w.From.IsZero() || w.Until.IsZero() || !w.From.Before(w.Until) {
		return bizerr.Invalid(field, "from must be before until")
	}
	return nil
}
