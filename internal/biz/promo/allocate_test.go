package promo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAllocateByLargestRemainder(t *testing.T) {
	for _, c := range []struct {
		amount  int64
		weights []int64
		want    []int64
	}{
		// 100 over 1:1:1 is 33.33 each: the one fen left goes to the first of the equal remainders.
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		// 10 over 300:200:100 is 5, 3.33, 1.67: floors 5, 3, 1 and the fen to the largest remainder.
		{10, []int64{300, 200, 100}, []int64{5, 3, 2}},
		{0, []int64{5, 5}, []int64{0, 0}},
		{7, []int64{0, 3, 0}, []int64{0, 7, 0}},
		{5, []int64{0, 0}, []int64{0, 0}},
		// All of it: every line gives up exactly its weight.
		{600, []int64{300, 200, 100}, []int64{300, 200, 100}},
	} {
		if got := Allocate(c.amount, c.weights); !slices.Equal(got, c.want) {
			t.Errorf("Allocate(%d, %v) = %v, want %v", c.amount, c.weights, got, c.want)
		}
	}
}

func TestAllocateSumsExactlyAndStaysWithinWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		ws := make([]int64, 1+r.IntN(50))
		var total int64
		for i := range ws {
			ws[i] = r.Int64N(1_000 * 100_000_000)
			if r.IntN(7) == 0 {
				ws[i] = 0
			}
			total += ws[i]
		}
		amount := r.Int64N(total + 1)
		parts := Allocate(amount, ws)
		var sum int64
		for i, p := range parts {
			if p < 0 || p > ws[i] {
				t.Fatalf("part %d = %d outside [0, %d] (amount %d, weights %v)", i, p, ws[i], amount, ws)
			}
			sum += p
		}
		if total > 0 && sum != amount {
			t.Fatalf("parts sum to %d, want %d", sum, amount)
		}
	}
}
