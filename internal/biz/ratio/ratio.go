// Package ratio is the basis-point arithmetic money shares are computed with: commission, coupon
// percentages and WeChat Pay's profit-sharing limit. It imports nothing of the domain, so pricing
// (promo), checkout (order), commission and settlement all use one formula without importing each
// other (commission reads orders, so pricing cannot import commission).
package ratio

// Whole is 100% in basis points.
const Whole = 10_000

// Of is floor(base × bp / 10000), 0 for a non-positive base or rate. Amounts in fen fit an int64
// many times over once multiplied by at most 10000.
func Of(base int64, bp int) int64 {
	if base <= 0 || bp <= 0 {
		return 0
	}
	return base * int64(bp) / Whole
}

// Limit is WeChat Pay's maximum profit-sharing ratio of the merchant, applied to a payment's
// amount net of WeChat's fee.
type Limit struct {
	// MaxBP is the maximum ratio, in basis points of the amount net of the fee.
	MaxBP int
	// FeeBP is WeChat's fee rate (rounded half up to the fen, as WeChat does).
	FeeBP int
}

// Fee is WeChat's fee on amount, rounded half up to the fen.
func (l Limit) Fee(amount int64) int64 { return (amount*int64(l.FeeBP) + 5000) / Whole }

// Cap is the most a payment of amount may share in all: the maximum ratio of the amount net of
// the fee, rounded down, so a share at the cap is never refused.
func (l Limit) Cap(amount int64) int64 {
	return (amount - l.Fee(amount)) * int64(l.MaxBP) / Whole
}
