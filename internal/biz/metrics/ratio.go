package metrics

import "fmt"

// Ratio is Num ÷ Den kept as its two integers; Den 0 means the rate is undefined (nothing to
// divide by), shown as "-".
type Ratio struct{ Num, Den int64 }

// Defined reports whether the ratio has a denominator.
func (r Ratio) Defined() bool { return r.Den > 0 }

// BP is the ratio in basis points (1% = 100), rounded half up; 0 when undefined.
func (r Ratio) BP() int64 { return r.Scaled(10_000) }

// Scaled is Num × scale ÷ Den rounded half up (0 when undefined): Scaled(1) is a per-unit
// amount such as fen per order, Scaled(100) two decimals of a per-unit quantity.
func (r Ratio) Scaled(scale int64) int64 {
	if r.Den <= 0 {
		return 0
	}
	return (2*r.Num*scale + r.Den) / (2 * r.Den)
}

// Percent is the ratio as a percentage with two decimals ("12.35%"), "-" when undefined.
func (r Ratio) Percent() string {
	if !r.Defined() {
		return "-"
	}
	bp := r.BP()
	return fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
}

// Decimal is the ratio with two decimals ("1.50"), "-" when undefined.
func (r Ratio) Decimal() string {
	if !r.Defined() {
		return "-"
	}
	h := r.Scaled(100)
	return fmt.Sprintf("%d.%02d", h/100, h%100)
}

// Yuan is a ratio of fen as yuan with two decimals ("35.17"), "-" when undefined.
func (r Ratio) Yuan() string {
	if !r.Defined() {
		return "-"
	}
	f := r.Scaled(1)
	return fmt.Sprintf("%d.%02d", f/100, f%100)
}
