package ledger_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

var chart = []ledger.Account{
	ledger.PlatformAccount(ledger.Clearing), ledger.PlatformAccount(ledger.Revenue),
	ledger.LeaderAccount(1, ledger.Pending), ledger.LeaderAccount(1, ledger.Settleable),
	ledger.LeaderAccount(2, ledger.Settled), ledger.LeaderAccount(2, ledger.Receivable),
	ledger.LeaderAccount(3, ledger.Unresolved),
}

// balancedTx draws two to eight postings on accounts of the chart (some repeated, some zero)
// whose last one balances the others.
func balancedTx(rng *rand.Rand, key string) ledger.Tx {
	tx := ledger.Tx{Key: key, Kind: "test"}
	var sum int64
	for range 1 + rng.IntN(7) {
		a := rng.Int64N(2_000_000) - 1_000_000
		if rng.IntN(8) == 0 {
			a = 0
		}
		tx.Postings = append(tx.Postings, ledger.Posting{Account: chart[rng.IntN(len(chart))], Amount: a})
		sum += a
	}
	tx.Postings = append(tx.Postings, ledger.Posting{Account: chart[rng.IntN(len(chart))], Amount: -sum})
	return tx
}

func nonZero(ps []ledger.Posting) int {
	n := 0
	for _, p := range ps {
		if p.Amount != 0 {
			n++
		}
	}
	return n
}

// Every transaction whose postings sum to zero over two or more non-zero postings is accepted;
// moving any one posting by any non-zero amount makes it refused as unbalanced, by Check,
// Validate and Prepare alike. Compact keeps each account's total and the balance, and leaves
// no zero posting and no account twice.
func TestEveryBalancedTxPassesAndEveryUnbalancedOneIsRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2026))
	for c := range 20_000 {
		tx := balancedTx(rng, "tx/"+strconv.Itoa(c))
		err := tx.Validate()
		switch n := nonZero(tx.Postings); {
		case n >= 2 && err != nil:
			t.Fatalf("case %d: balanced %+v refused: %v", c, tx, err)
		case n < 2 && !errors.Is(err, ledger.ErrTooFew):
			t.Fatalf("case %d: %d non-zero postings: %v", c, n, err)
		}
		checkCompact(t, c, tx)

		bad := tx
		bad.Postings = append([]ledger.Posting{}, tx.Postings...)
		d := rng.Int64N(1_000_000) + 1
		if rng.IntN(2) == 0 {
			d = -d
		}
		bad.Postings[rng.IntN(len(bad.Postings))].Amount += d
		if nonZero(bad.Postings) < 2 {
			continue
		}
		if err := bad.Check(); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("case %d: off by %d accepted: %+v, %v", c, d, bad, err)
		}
		if _, err := ledger.Prepare([]ledger.Tx{bad}); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("case %d: Prepare took an unbalanced transaction: %v", c, err)
		}
	}
}

func checkCompact(t *testing.T, c int, tx ledger.Tx) {
	t.Helper()
	want := map[ledger.Account]int64{}
	for _, p := range tx.Postings {
		want[p.Account] += p.Amount
	}
	got := map[ledger.Account]int64{}
	var sum int64
	for _, p := range tx.Compact().Postings {
		if p.Amount == 0 {
			t.Fatalf("case %d: Compact kept a zero posting", c)
		}
		if _, twice := got[p.Account]; twice {
			t.Fatalf("case %d: Compact kept %s twice", c, p.Account)
		}
		got[p.Account] = p.Amount
		sum += p.Amount
	}
	for a, v := range want {
		if got[a] != v {
			t.Fatalf("case %d: %s totals %d, compacted %d", c, a, v, got[a])
		}
	}
	if sum != 0 {
		t.Fatalf("case %d: compacted postings sum to %d", c, sum)
	}
}

// Amounts that wrap around int64 to a zero sum are refused, not taken as balanced; so are a
// transaction without a usable key and one with fewer than two non-zero postings.
func TestCheckRefusesOverflowMissingKeysAndLonePostings(t *testing.T) {
	cl, rev := ledger.PlatformAccount(ledger.Clearing), ledger.PlatformAccount(ledger.Revenue)
	for name, ps := range map[string][]ledger.Posting{
		"up":   {{cl, math.MaxInt64}, {rev, math.MaxInt64}, {cl, 2}},
		"down": {{cl, math.MinInt64}, {rev, math.MinInt64}},
	} {
		if err := (ledger.Tx{Key: name, Kind: "k", Postings: ps}).Check(); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		tx   ledger.Tx
		want error
	}{
		"no key":       {ledger.Tx{Kind: "k", Postings: []ledger.Posting{{cl, 1}, {rev, -1}}}, ledger.ErrNoKey},
		"129-char key": {ledger.Tx{Key: string(make([]byte, 129)), Kind: "k", Postings: []ledger.Posting{{cl, 1}, {rev, -1}}}, ledger.ErrNoKey},
		"one posting":  {ledger.Tx{Key: "a", Kind: "k", Postings: []ledger.Posting{{cl, 0}, {rev, 0}, {cl, 5}}}, ledger.ErrTooFew},
		"no postings":  {ledger.Tx{Key: "a", Kind: "k"}, ledger.ErrTooFew},
	} {
		if err := c.tx.Check(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
