package promo

import "math/bits"

// Allocate splits amount over weights in integer fen by the largest remainder: each part is
// floor(amount × w / Σw), and the fen left over go one each to the parts with the largest
// remainders, the earlier part first on a tie. The parts sum to amount exactly; a part never
// exceeds its weight when amount ≤ Σw (a discount never makes a line negative), and a zero
// weight gets nothing. Products are taken in 128 bits: 50 lines of 1,000 units at ¥1,000,000
// overflow int64 once multiplied by a discount of the same size.
func Allocate(amount int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var total uint64
	for _, w := range weights {
		if w > 0 {
			total += uint64(w)
		}
	}
	if amount <= 0 || total == 0 {
		return parts
	}
	rems := make([]uint64, len(weights))
	left := amount
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		hi, lo := bits.Mul64(uint64(amount), uint64(w))
		q, r := bits.Div64(hi, lo, total)
		parts[i], rems[i] = int64(q), r
		left -= int64(q)
	}
	for ; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if weights[i] > 0 && (best < 0 || r > rems[best]) {
				best = i
			}
		}
		parts[best]++
		rems[best] = 0
	}
	return parts
}
