package settlement

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// plannerCase is one random selection: leaders, some registered, some owing receivables, some
// with earlier shares to carry, and the candidates of one batch.
type plannerCase struct {
	cfg        Config
	receivers  map[int64]Receiver
	receivable map[int64]int64
	carries    map[int64][]Share
	cands      []Candidate
}

func randomPlannerCase(t *testing.T, rng *rand.Rand) plannerCase {
	cfg := Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour,
		FeeBP: rng.IntN(100), MaxRatioBP: 1 + rng.IntN(10_000)}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	pc := plannerCase{cfg: cfg, receivers: map[int64]Receiver{}, receivable: map[int64]int64{}, carries: map[int64][]Share{}}
	const leaders = 6
	carryID := int64(1000)
	for id := int64(1); id <= leaders; id++ {
		pc.receivers[id] = Receiver{LeaderID: id, Account: "o" + strconv.FormatInt(id, 10), Registered: rng.IntN(4) > 0}
		if rng.IntN(3) == 0 {
			pc.receivable[id] = 1 + rng.Int64N(3000)
		}
		for k := range rng.IntN(3) {
			carryID++
			pc.carries[id] = append(pc.carries[id], Share{ID: carryID, LeaderID: id, Level: k % 2,
				SourceOrderID: int64(k + 1), Amount: 1 + rng.Int64N(2000)})
		}
	}
	for i := range 1 + rng.IntN(8) {
		c := Candidate{OrderID: int64(100 + i), TransactionID: "t" + strconv.Itoa(i), Amount: 1 + rng.Int64N(50_000)}
		c.Refunded = rng.Int64N(c.Amount) * int64(rng.IntN(2))
		for _, id := range rng.Perm(leaders)[:rng.IntN(4)] {
			c.Owed = append(c.Owed, Owed{LeaderID: int64(id + 1), Level: len(c.Owed), Amount: rng.Int64N(8000) - 500})
		}
		pc.cands = append(pc.cands, c)
	}
	return pc
}

// A seeded random loop over selections. For every item the planner makes:
//   - it shares no more than the transaction allows (WeChat's ratio of the amount net of the
//     fee, and what refunds and the fee left), and its amount is its pending shares;
//   - each leader's commission of the order is conserved: what is netted off receivables plus
//     what is asked for plus what is deferred is exactly what the order owes it, so nothing is
//     planned beyond what is owed and nothing is lost;
//   - a receivable is netted at most down to zero, and a debt the order leaves raises it;
//   - no unregistered receiver is asked for anything;
//   - across the selection no order-leader is asked for twice and each carried share rides
//     along at most once, whole;
//   - the profit-sharing request pays each account once, the item's amount in all, and the
//     netting balances.
func TestPlannerProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 12))
	for c := range 3000 {
		pc := randomPlannerCase(t, rng)
		initialCarries := map[int64]Share{}
		for _, ss := range pc.carries {
			for _, s := range ss {
				initialCarries[s.ID] = s
			}
		}
		owedBefore := map[int64]int64{}
		for id, v := range pc.receivable {
			owedBefore[id] = v
		}
		p := NewPlanner(pc.cfg, 1, pc.receivers, pc.receivable, pc.carries)
		asked := map[OrderLeader]bool{}
		carried := map[int64]bool{}
		for _, cand := range pc.cands {
			it, nets := p.Plan(cand)
			checkItemAmount(t, c, pc.cfg, cand, it)
			checkConservation(t, c, cand, it, nets, owedBefore, pc.receivable)
			for _, s := range it.Shares {
				if s.Amount <= 0 {
					t.Fatalf("case %d: share of %d: %+v", c, s.Amount, s)
				}
				if s.Result != ResultPending {
					continue
				}
				if !pc.receivers[s.LeaderID].Registered {
					t.Fatalf("case %d: asked for %+v of an unregistered receiver", c, s)
				}
				k := OrderLeader{s.SourceOrderID, s.LeaderID}
				if asked[k] {
					t.Fatalf("case %d: order %d's leader %d asked for twice", c, k.OrderID, k.LeaderID)
				}
				asked[k] = true
				if s.RetryOf != 0 {
					orig, ok := initialCarries[s.RetryOf]
					if !ok || carried[s.RetryOf] || orig.Amount != s.Amount || orig.LeaderID != s.LeaderID {
						t.Fatalf("case %d: carried %+v (original %+v, carried before %v)", c, s, orig, carried[s.RetryOf])
					}
					carried[s.RetryOf] = true
				}
			}
			checkRequest(t, c, it)
			if len(nets) > 0 {
				if err := NettedTx(1, cand.OrderID, "", nets).Validate(); err != nil {
					t.Fatalf("case %d: netting %+v: %v", c, nets, err)
				}
			}
		}
		for id, ss := range pc.carries {
			for _, s := range ss {
				if carried[s.ID] || initialCarries[s.ID].LeaderID != id {
					t.Fatalf("case %d: carry %d both used and left, or moved", c, s.ID)
				}
				delete(initialCarries, s.ID)
			}
		}
		if len(initialCarries) != len(carried) {
			t.Fatalf("case %d: %d carries neither used nor left", c, len(initialCarries)-len(carried))
		}
	}
}

// checkItemAmount: the item asks for its pending shares, within the transaction's limits.
func checkItemAmount(t *testing.T, c int, cfg Config, cand Candidate, it Item) {
	t.Helper()
	var pending int64
	for _, s := range it.Shares {
		if s.Result == ResultPending {
			pending += s.Amount
		}
	}
	limit := max(min(cfg.Cap(cand.Amount), cand.Amount-cfg.Fee(cand.Amount)-cand.Refunded), 0)
	switch {
	case it.Amount != pending:
		t.Fatalf("case %d: item amount %d, pending shares %d", c, it.Amount, pending)
	case it.Amount > limit:
		t.Fatalf("case %d: item shares %d of %d (refunded %d), limit %d", c, it.Amount, cand.Amount, cand.Refunded, limit)
	case it.Amount*10_000 > (cand.Amount-cfg.Fee(cand.Amount))*int64(cfg.MaxRatioBP):
		t.Fatalf("case %d: item shares %d of %d, above %d bp of it net of the fee", c, it.Amount, cand.Amount, cfg.MaxRatioBP)
	case (it.Kind == KindShare) != (it.Amount > 0):
		t.Fatalf("case %d: item of %d is a %s", c, it.Amount, it.Kind)
	}
}

// checkConservation: per leader of the order, netted + asked + deferred == what is owed, and
// receivables move by exactly the netting.
func checkConservation(t *testing.T, c int, cand Candidate, it Item, nets []Net, before, after map[int64]int64) {
	t.Helper()
	netted := map[int64]int64{}
	for _, n := range nets {
		netted[n.LeaderID] += n.Amount
	}
	own := map[int64]int64{}
	for _, s := range it.Shares {
		if s.SourceOrderID == cand.OrderID && s.RetryOf == 0 {
			own[s.LeaderID] += s.Amount
		}
	}
	for _, o := range cand.Owed {
		n := netted[o.LeaderID]
		if o.Amount < 0 && (n != o.Amount || own[o.LeaderID] != 0) {
			t.Fatalf("case %d: a debt of %d netted %d, shared %d", c, o.Amount, n, own[o.LeaderID])
		}
		if o.Amount >= 0 && (n < 0 || n > before[o.LeaderID] || n+own[o.LeaderID] != o.Amount) {
			t.Fatalf("case %d: leader %d owed %d, receivable %d: netted %d, shared or deferred %d",
				c, o.LeaderID, o.Amount, before[o.LeaderID], n, own[o.LeaderID])
		}
		if after[o.LeaderID] != before[o.LeaderID]-n || after[o.LeaderID] < 0 {
			t.Fatalf("case %d: receivable %d became %d after netting %d", c, before[o.LeaderID], after[o.LeaderID], n)
		}
		before[o.LeaderID] = after[o.LeaderID]
	}
	for id := range own {
		if !hasLeader(cand.Owed, id) {
			t.Fatalf("case %d: leader %d shares order %d it is not owed from", c, id, cand.OrderID)
		}
	}
}

func hasLeader(owed []Owed, id int64) bool {
	for _, o := range owed {
		if o.LeaderID == id {
			return true
		}
	}
	return false
}

func checkRequest(t *testing.T, c int, it Item) {
	t.Helper()
	if it.Kind != KindShare {
		return
	}
	req := Request(&it)
	seen := map[string]bool{}
	var sum int64
	for _, s := range req.Shares {
		if seen[s.Account] || s.Amount <= 0 {
			t.Fatalf("case %d: request %+v", c, req)
		}
		seen[s.Account] = true
		sum += s.Amount
	}
	if sum != it.Amount {
		t.Fatalf("case %d: request pays %d, item %d", c, sum, it.Amount)
	}
}

// WeChat's fee and the ratio cap: neither is negative, together they never exceed the amount,
// and more money never allows less.
func TestFeeAndCapAreMonotoneAndWithinTheAmount(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for c := range 20_000 {
		cfg := Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour,
			FeeBP: rng.IntN(10_000), MaxRatioBP: rng.IntN(10_001)}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		a := rng.Int64N(100_000_000)
		b := a + rng.Int64N(10_000)
		fa, ca := cfg.Fee(a), cfg.Cap(a)
		if fa < 0 || ca < 0 || fa+ca > a || ca*10_000 > (a-fa)*int64(cfg.MaxRatioBP) {
			t.Fatalf("case %d: %+v on %d: fee %d, cap %d", c, cfg, a, fa, ca)
		}
		if cfg.Fee(b) < fa || cfg.Cap(b) < ca {
			t.Fatalf("case %d: %+v: fee %d cap %d on %d, fee %d cap %d on %d", c, cfg, fa, ca, a, cfg.Fee(b), cfg.Cap(b), b)
		}
	}
}

// What an item paid always posts as balanced transactions: clearing pays out exactly the
// successful shares, each from the leader's settleable commission of its order as far as that
// goes and the rest as a receivable; an order left owing less than nothing moves that debt to
// the receivable.
func TestSettledTxsBalanceAndPayOutExactlyTheSuccesses(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 44))
	for c := range 3000 {
		it := &Item{RunID: 1 + rng.Int64N(9), OrderID: 500}
		owed := map[OrderLeader]int64{}
		var paid int64
		for i := range rng.IntN(6) {
			s := Share{LeaderID: 1 + rng.Int64N(3), SourceOrderID: 500, Amount: 1 + rng.Int64N(5000),
				Result: []Result{ResultSuccess, ResultClosed, ResultDeferred}[rng.IntN(3)]}
			if rng.IntN(3) == 0 {
				s.SourceOrderID, s.RetryOf = int64(400+i), int64(i+1)
			}
			it.Shares = append(it.Shares, s)
			if s.Result == ResultSuccess {
				paid += s.Amount
			}
			owed[OrderLeader{s.SourceOrderID, s.LeaderID}] = rng.Int64N(6000) - 1000
		}
		initial := map[OrderLeader]int64{}
		for k, v := range owed {
			initial[k] = v
		}
		var clearing int64
		fromSettleable := map[OrderLeader]int64{}
		for _, tx := range SettledTxs(it, owed) {
			if err := tx.Validate(); err != nil {
				t.Fatalf("case %d: %+v: %v", c, tx, err)
			}
			for _, p := range tx.Postings {
				if p.Account == ledger.PlatformAccount(ledger.Clearing) {
					clearing -= p.Amount
				}
				if p.Account.Purpose == ledger.Settleable {
					fromSettleable[OrderLeader{tx.OrderID, p.Account.OwnerID}] += p.Amount
				}
			}
		}
		if clearing != paid {
			t.Fatalf("case %d: clearing paid out %d, shares succeeded %d", c, clearing, paid)
		}
		for k, v := range fromSettleable {
			if v > max(initial[k], 0) {
				t.Fatalf("case %d: took %d from the settleable %d of %+v", c, v, initial[k], k)
			}
		}
	}
}

// An expired transaction moves exactly the positive commission it owes to unresolved, balanced.
func TestExpiredTxMovesWhatIsOwedToUnresolved(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	for c := range 2000 {
		var owed []Owed
		var want int64
		for i := range rng.IntN(5) {
			o := Owed{LeaderID: int64(i + 1), Amount: rng.Int64N(4000) - 1000}
			owed = append(owed, o)
			want += max(o.Amount, 0)
		}
		tx := ExpiredTx(9, "g", owed)
		var unresolved int64
		for _, p := range tx.Postings {
			if p.Account.Purpose == ledger.Unresolved {
				unresolved -= p.Amount
			}
		}
		if unresolved != want {
			t.Fatalf("case %d: moved %d to unresolved, owed %d", c, unresolved, want)
		}
		if want > 0 {
			if err := tx.Validate(); err != nil {
				t.Fatalf("case %d: %v", c, err)
			}
		}
		it, _ := expiredItem(1, Candidate{OrderID: 9, Owed: owed}, time.Time{}, time.Time{})
		if it.Amount != want || (it.State == ItemExpired) != (want > 0) {
			t.Fatalf("case %d: expired item %+v for %d owed", c, it, want)
		}
	}
}
