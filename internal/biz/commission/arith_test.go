package commission

import (
	"math/rand/v2"
	"testing"
	"testing/quick"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// randomSplit draws a line, a chain of one to three leaders, overrides and a cap.
func randomSplit(rng *rand.Rand) (LineInput, []int64, []int, int) {
	l := LineInput{LineID: 1, Amount: rng.Int64N(2_000_000), RateBP: rng.IntN(BasisPoints + 1)}
	chain := []int64{11, 12, 13}[:1+rng.IntN(3)]
	overrides := make([]int, rng.IntN(3))
	for i := range overrides {
		overrides[i] = rng.IntN(4000)
	}
	return l, chain, overrides, rng.IntN(BasisPoints + 1)
}

// uncapped is what each level of the chain would earn with no cap, by level.
func uncapped(l LineInput, chain []int64, overrides []int) []int64 {
	out := make([]int64, len(chain))
	for level := range chain {
		rate := l.RateBP
		if level > 0 {
			if level > len(overrides) {
				break
			}
			rate = overrides[level-1]
		}
		out[level] = ShareOf(l.Amount, rate)
	}
	return out
}

func byLevel(shares []Share) map[int]int64 {
	got := map[int]int64{}
	for _, s := range shares {
		got[s.Level] += s.Amount
	}
	return got
}

// The cap holds line by line and cuts no more than the excess, from the top level down: the
// line's shares are exactly the uncapped shares when they fit, exactly the cap when they do not,
// and a level is cut only once every level above it is gone.
func TestSplitCapsEachLineAndCutsOnlyTheExcessFromTheTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	for c := range 5000 {
		l, chain, overrides, capBP := randomSplit(rng)
		want := uncapped(l, chain, overrides)
		got := byLevel(Split([]LineInput{l}, chain, overrides, capBP))
		var full, total int64
		for level := range chain {
			full += want[level]
			total += got[level]
			if got[level] < 0 || got[level] > want[level] {
				t.Fatalf("case %d: level %d got %d of an uncapped %d", c, level, got[level], want[level])
			}
		}
		if limit := CapOf(l.Amount, capBP); total != min(full, limit) {
			t.Fatalf("case %d: line %d at cap %d bp shares %d, want min(%d, %d)", c, l.Amount, capBP, total, full, limit)
		}
		for level := range chain {
			if got[level] == want[level] {
				continue
			}
			for above := level + 1; above < len(chain); above++ {
				if got[above] != 0 {
					t.Fatalf("case %d: level %d cut to %d while level %d keeps %d (%v)", c, level, got[level], above, got[above], got)
				}
			}
		}
	}
}

// More money on a line never earns any level less, and a higher cap never lowers the total.
func TestSplitIsMonotoneInTheLineAndTheCap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	for c := range 3000 {
		l, chain, overrides, capBP := randomSplit(rng)
		more := l
		more.Amount += 1 + rng.Int64N(10_000)
		a := byLevel(Split([]LineInput{l}, chain, overrides, capBP))
		b := byLevel(Split([]LineInput{more}, chain, overrides, capBP))
		if b[0] < a[0] {
			t.Fatalf("case %d: the serving leader earns %d on %d but %d on %d", c, a[0], l.Amount, b[0], more.Amount)
		}
		var ta, tb, tc int64
		for level := range chain {
			ta, tb = ta+a[level], tb+b[level]
		}
		for _, s := range Split([]LineInput{l}, chain, overrides, min(capBP+1+rng.IntN(2000), BasisPoints)) {
			tc += s.Amount
		}
		if tb < ta || tc < ta {
			t.Fatalf("case %d: total %d on %d, %d on %d, %d under a higher cap", c, ta, l.Amount, tb, more.Amount, tc)
		}
	}
}

// Lines are split independently: a payment's shares are its lines' shares, and the payment's
// transaction gives the platform exactly what the leaders do not get, never a negative amount.
func TestSplitOfAPaymentIsTheSumOfItsLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 1))
	for c := range 2000 {
		_, chain, overrides, capBP := randomSplit(rng)
		var lines []LineInput
		var amount int64
		var want []Share
		for i := range 1 + rng.IntN(5) {
			l := LineInput{LineID: int64(i + 1), Amount: rng.Int64N(500_000), RateBP: rng.IntN(BasisPoints + 1)}
			lines = append(lines, l)
			amount += l.Amount
			want = append(want, Split([]LineInput{l}, chain, overrides, capBP)...)
		}
		got := Split(lines, chain, overrides, capBP)
		if len(got) != len(want) {
			t.Fatalf("case %d: %d shares, want %d", c, len(got), len(want))
		}
		var credited int64
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("case %d: share %d = %+v, want %+v", c, i, got[i], want[i])
			}
			credited += got[i].Amount
		}
		var revenue, leaders int64
		for _, p := range PaidTx(1, "g", amount, got).Postings {
			switch {
			case p.Account == ledger.PlatformAccount(ledger.Revenue):
				revenue -= p.Amount
			case p.Account.Owner == ledger.OwnerLeader:
				leaders -= p.Amount
			}
		}
		if leaders != credited || revenue != amount-credited || revenue < 0 {
			t.Fatalf("case %d: of %d the leaders get %d (shares %d), the platform %d", c, amount, leaders, credited, revenue)
		}
	}
}

// Each reversal brings the entry exactly to floor(credit × refunded units / units): refunds
// taken in any steps reverse the same in total as one refund of all those units, never a
// negative amount, never beyond the credit, and a refund already reversed reverses nothing.
func TestReversalIsTheProportionalFloorWhateverTheSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for c := range 5000 {
		amount, qty := rng.Int64N(1_000_000), 1+rng.Int64N(50)
		var reversed, refunded int64
		for refunded < qty {
			refunded += 1 + rng.Int64N(qty-refunded)
			r := Reversal(amount, reversed, qty, refunded)
			if r < 0 {
				t.Fatalf("case %d: reversal %d", c, r)
			}
			reversed += r
			if want := amount * refunded / qty; reversed != want {
				t.Fatalf("case %d: %d of %d units refunded of a credit of %d reversed %d, want %d", c, refunded, qty, amount, reversed, want)
			}
			if again := Reversal(amount, reversed, qty, refunded); again != 0 {
				t.Fatalf("case %d: the same refund again reverses %d", c, again)
			}
		}
		if reversed != amount {
			t.Fatalf("case %d: a full refund reversed %d of %d", c, reversed, amount)
		}
	}
}

// Whatever the refund says — an entry already reversed beyond its target (refunds handled out
// of order), more units than the line holds, negative or zero units — a reversal of an entry
// (0 ≤ reversed ≤ credit) stays within what is left of the credit.
func TestReversalStaysWithinWhatIsLeft(t *testing.T) {
	f := func(amount, reversed, qty, refundedQty int64) bool {
		amount, qty, refundedQty = amount%10_000_000, qty%1000, refundedQty%2000
		if amount > 0 {
			reversed = (reversed%(amount+1) + amount + 1) % (amount + 1)
		} else {
			reversed = 0
		}
		r := Reversal(amount, reversed, qty, refundedQty)
		if amount <= 0 || qty <= 0 {
			return r == 0
		}
		return r >= 0 && reversed+r <= amount
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20_000}); err != nil {
		t.Fatal(err)
	}
}

// A share is rounded down to the fen: the largest whole fen not above base × bp / 10000, so the
// fraction stays with the platform and no share exceeds its base.
func TestShareOfIsTheFloorToTheFen(t *testing.T) {
	f := func(base int64, bp uint16) bool {
		base, rate := base%1_000_000_000, int(bp)%(BasisPoints+1)
		s := ShareOf(base, rate)
		if base <= 0 || rate == 0 {
			return s == 0
		}
		exact := base * int64(rate)
		return s >= 0 && s <= base && s*BasisPoints <= exact && exact < (s+1)*BasisPoints
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 50_000}); err != nil {
		t.Fatal(err)
	}
}
