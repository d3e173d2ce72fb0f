package commission

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

func sum(tx ledger.Tx) int64 {
	var s int64
	for _, p := range tx.Postings {
		s += p.Amount
	}
	return s
}

// A seeded random loop over payments: every split respects the line, the cap and double entry,
// and any interleaving of partial refunds reverses exactly the credit once all is refunded.
func TestSplitAndReversalProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	for c := range 2000 {
		capBP := rng.IntN(BasisPoints + 1)
		chain := []int64{1, 2, 3}[:1+rng.IntN(3)]
		overrides := make([]int, rng.IntN(3))
		for i := range overrides {
			overrides[i] = rng.IntN(3000)
		}
		var lines []order.Line
		var in []LineInput
		var amount int64
		for i := range 1 + rng.IntN(4) {
			qty := int64(1 + rng.IntN(9))
			ln := order.Line{ID: int64(100 + i), Quantity: qty, Amount: qty * int64(1+rng.IntN(100_000))}
			lines = append(lines, ln)
			in = append(in, LineInput{LineID: ln.ID, Amount: ln.Amount, RateBP: rng.IntN(BasisPoints + 1)})
			amount += ln.Amount
		}
		shares := Split(in, chain, overrides, capBP)
		var total int64
		perLine := map[int64]int64{}
		for _, s := range shares {
			if s.Amount <= 0 || s.Amount > ShareOf(s.Base, s.RateBP) {
				t.Fatalf("case %d: share %+v is not within floor(base × rate)", c, s)
			}
			total += s.Amount
			perLine[s.LineID] += s.Amount
		}
		for _, l := range in {
			if perLine[l.LineID] > l.Amount {
				t.Fatalf("case %d: line %d shares %d exceed the line's %d", c, l.LineID, perLine[l.LineID], l.Amount)
			}
		}
		if total > CapOf(amount, capBP) {
			t.Fatalf("case %d: commission %d exceeds the cap %d of %d", c, total, CapOf(amount, capBP), amount)
		}
		paid := PaidTx(1, "g", amount, shares)
		if sum(paid) != 0 || paid.Check() != nil && len(paid.Postings) >= 2 {
			t.Fatalf("case %d: paid transaction %+v does not balance", c, paid)
		}
		// Refund the lines unit by unit in random order and random chunks.
		entries := make([]Entry, len(shares))
		for i, s := range shares {
			entries[i] = Entry{ID: int64(i + 1), LineID: s.LineID, LeaderID: s.LeaderID, Level: s.Level, Amount: s.Amount,
				State: []State{StatePending, StateSettleable, StateSettled}[rng.IntN(3)]}
		}
		for step := 0; ; step++ {
			var open []int
			for i := range lines {
				if lines[i].RefundedQty < lines[i].Quantity {
					open = append(open, i)
				}
			}
			if len(open) == 0 {
				break
			}
			i := open[rng.IntN(len(open))]
			q := 1 + rng.Int64N(lines[i].Quantity-lines[i].RefundedQty)
			lines[i].RefundedQty += q
			refund := lines[i].Amount * q / lines[i].Quantity
			changed, revs := Reversals(lines, entries)
			for _, ch := range changed {
				for j := range entries {
					if entries[j].ID == ch.ID {
						if ch.Reversed > entries[j].Amount {
							t.Fatalf("case %d: reversed %d of a credit of %d", c, ch.Reversed, entries[j].Amount)
						}
						entries[j] = ch
					}
				}
			}
			tx := RefundTx(1, "g", "r"+time.Duration(step).String(), refund, revs)
			if sum(tx) != 0 {
				t.Fatalf("case %d: refund transaction does not balance: %+v", c, tx)
			}
		}
		for _, e := range entries {
			if e.Reversed != e.Amount {
				t.Fatalf("case %d: a full refund reversed %d of %d", c, e.Reversed, e.Amount)
			}
		}
		// Releasing with any receivable balances too and never pays off more than is owed.
		var rel []Release
		for _, id := range chain {
			rel = append(rel, Release{LeaderID: id, Amount: rng.Int64N(10_000), Receivable: rng.Int64N(10_000) - 2000})
		}
		tx := SettleableTx(1, "g", rel)
		if sum(tx) != 0 {
			t.Fatalf("case %d: settleable transaction does not balance: %+v", c, tx)
		}
		for _, p := range tx.Postings {
			if p.Account.Purpose == ledger.Receivable {
				for _, r := range rel {
					if r.LeaderID == p.Account.OwnerID && (-p.Amount > r.Receivable || -p.Amount > r.Amount) {
						t.Fatalf("case %d: paid off %d of a debt of %d from %d", c, -p.Amount, r.Receivable, r.Amount)
					}
				}
			}
		}
	}
}

func TestSplitCutsOverridesFromTheTopLevelDown(t *testing.T) {
	// 20% to the leader, 8% and 5% overrides: 33% > 30%. 3% of 10000 goes, from level 2 first.
	shares := Split([]LineInput{{LineID: 1, Amount: 10_000, RateBP: 2000}}, []int64{10, 20, 30}, []int{800, 500}, 3000)
	got := map[int]int64{}
	for _, s := range shares {
		got[s.Level] = s.Amount
	}
	if got[0] != 2000 || got[1] != 800 || got[2] != 200 {
		t.Fatalf("shares by level = %v, want 2000, 800, 200", got)
	}
	// 28% to the leader alone with 5% + 5%: level 2 goes entirely, level 1 keeps 2%.
	shares = Split([]LineInput{{LineID: 1, Amount: 10_000, RateBP: 2800}}, []int64{10, 20, 30}, []int{500, 500}, 3000)
	got = map[int]int64{}
	for _, s := range shares {
		got[s.Level] = s.Amount
	}
	if got[0] != 2800 || got[1] != 200 || len(shares) != 2 {
		t.Fatalf("shares = %+v, want 2800 and 200", shares)
	}
}

func TestSplitFloorsEachShare(t *testing.T) {
	shares := Split([]LineInput{{LineID: 1, Amount: 999, RateBP: 1000}}, []int64{10, 20}, []int{333}, 3000)
	if len(shares) != 2 || shares[0].Amount != 99 || shares[1].Amount != 33 {
		t.Fatalf("shares = %+v, want 99 and 33", shares)
	}
}

func TestCheckRates(t *testing.T) {
	cfg := Config{Levels: 2, CapBP: DefaultCapBP} // the defaults
	if err := cfg.Check(); err != nil {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	if err := (Config{Levels: 4}).Check(); err == nil {
		t.Fatal("4 levels accepted")
	}
	if err := (Config{}).Check(); err == nil {
		t.Fatal("no level accepted: unset levels are defaulted when the configuration is loaded")
	}
	for name, c := range map[string]struct {
		rates []int
		item  int
		ok    bool
	}{
		"one override within the cap": {[]int{500}, 2000, true},
		"exactly the cap":             {[]int{1000}, 2000, true},
		"too many levels":             {[]int{100, 100}, 0, false},
		"over the cap with the items": {[]int{1001}, 2000, false},
		"negative":                    {[]int{-1}, 0, false},
		"none":                        {nil, 3000, true},
	} {
		err := cfg.CheckRates(c.rates, c.item)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestInForcePicksTheGridsLatestVersionElseTheGlobal(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	plans := []Plan{
		{ID: 1, Version: 1, Rates: []int{100}, EffectiveFrom: t0},
		{ID: 2, GridCell: "g", Version: 1, Rates: []int{200}, EffectiveFrom: t0.Add(time.Hour)},
		{ID: 3, GridCell: "g", Version: 2, Rates: []int{300}, EffectiveFrom: t0.Add(2 * time.Hour)},
	}
	for _, c := range []struct {
		grid string
		at   time.Time
		want int64
	}{
		{"g", t0.Add(-time.Second), 0}, {"g", t0, 1}, {"g", t0.Add(time.Hour), 2}, {"g", t0.Add(3 * time.Hour), 3},
		{"h", t0.Add(3 * time.Hour), 1}, {"", t0.Add(3 * time.Hour), 1}, // the global plan asked for itself
	} {
		var got int64
		if p := InForce(plans, c.grid, c.at); p != nil {
			got = p.ID
		}
		if got != c.want {
			t.Errorf("InForce(%s, %v) = %d, want %d", c.grid, c.at, got, c.want)
		}
	}
	if w := WorstSum(plans, "g", t0); w != 300 {
		t.Errorf("WorstSum = %d, want 300", w)
	}
}

// A leader-funded coupon comes off the serving leader's level-0 share of each line, never below
// zero, and leaves the upline's shares alone; a full refund reverses exactly what was credited.
func TestLeaderFundedCouponLowersTheLeadersShare(t *testing.T) {
	lines := []LineInput{
		{LineID: 1, Amount: 9000, RateBP: 1000, LeaderFunded: 300}, // 900 - 300
		{LineID: 2, Amount: 1000, RateBP: 1000, LeaderFunded: 500}, // 100, never below zero
	}
	shares := Split(lines, []int64{7, 8}, []int{500}, 3000)
	got := map[[2]int64]int64{}
	for _, s := range shares {
		got[[2]int64{s.LineID, int64(s.Level)}] = s.Amount
	}
	want := map[[2]int64]int64{{1, 0}: 600, {1, 1}: 450, {2, 1}: 50}
	if len(got) != len(want) {
		t.Fatalf("shares %+v", shares)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("line %d level %d: %d, want %d (%+v)", k[0], k[1], got[k], v, shares)
		}
	}
	for _, s := range shares {
		if r := Reversal(s.Amount, 0, 3, 3); r != s.Amount {
			t.Fatalf("a full refund reverses %d of %d", r, s.Amount)
		}
	}
}

// Within cuts a payment's shares to WeChat's ratio net of the fee, highest level first and the
// serving leader last; at or under the ceiling nothing moves.
func TestWithinCutsToTheShareCeiling(t *testing.T) {
	shares := []Share{
		{LineID: 1, LeaderID: 7, Level: 0, Amount: 3},
		{LineID: 1, LeaderID: 8, Level: 1, Amount: 2},
		{LineID: 2, LeaderID: 7, Level: 0, Amount: 3},
	}
	if out := Within(shares, 8); len(out) != 3 || out[1].Amount != 2 {
		t.Fatalf("under the ceiling: %+v", out)
	}
	out := Within(shares, 5)
	var total int64
	for _, s := range out {
		total += s.Amount
		if s.Level == 1 {
			t.Fatalf("the upline is cut first: %+v", out)
		}
	}
	if total != 5 || len(out) != 2 || out[0].Amount != 3 || out[1].Amount != 2 {
		t.Fatalf("cut to 5: %+v", out)
	}
	if shares[1].Amount != 2 {
		t.Fatal("Within changed its input")
	}
	if out := Within(shares, 0); len(out) != 0 {
		t.Fatalf("a ceiling of 0: %+v", out)
	}
}
