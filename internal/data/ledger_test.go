package data_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// ledgerEnv is the ledger use case on one database, with its store.
type ledgerEnv struct {
	db     *sqldb.DB
	data   *sqldb.DB
	store  *ledgerstore.LedgerStore
	ledger *ledger.Ledger
}

// newLedgerEnv builds the ledger as the ledger check command has it: on the database alone.
func newLedgerEnv(tb testing.TB, db *sqldb.DB) *ledgerEnv {
	tb.Helper()
	f, err := datatest.BuildFinance(db, func() time.Time { return time.Now().UTC() }, datatest.NoWechat(),
		settlement.Config{}, testLogger)
	if err != nil {
		tb.Fatalf("build the ledger: %v", err)
	}
	return &ledgerEnv{db: db, data: db, store: f.LedgerStore, ledger: f.Ledger}
}

// paidTx is the commission of one paid order: clearing gains amount, the leaders earn their
// shares as pending, the rest is revenue.
func paidTx(key string, amount int64, shares map[int64]int64) ledger.Tx {
	t := ledger.Tx{Key: key, Kind: "order_paid", Postings: []ledger.Posting{
		{Account: ledger.PlatformAccount(ledger.Clearing), Amount: amount}}}
	rest := amount
	for leaderID, share := range shares {
		t.Postings = append(t.Postings, ledger.Posting{Account: ledger.LeaderAccount(leaderID, ledger.Pending), Amount: -share})
		rest -= share
	}
	t.Postings = append(t.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -rest})
	return t
}

func mustCheck(t *testing.T, l *ledger.Ledger) ledger.Report {
	t.Helper()
	r, err := l.Check(t.Context())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !r.OK() {
		t.Fatalf("check found problems: %+v", r)
	}
	return r
}

func TestLedgerPostgres(t *testing.T) {
	t.Parallel()
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		testLedgerRefused(t, newLedgerEnv(t, openPostgres(t)))
	})
	t.Run("replay and conflict", func(t *testing.T) {
		t.Parallel()
		testLedgerReplay(t, newLedgerEnv(t, openPostgres(t)))
	})
	t.Run("caller transaction", func(t *testing.T) {
		t.Parallel()
		testLedgerCallerTx(t, newLedgerEnv(t, openPostgres(t)))
	})
	t.Run("concurrent posters", func(t *testing.T) {
		t.Parallel()
		testLedgerConcurrent(t, newLedgerEnv(t, openPostgres(t)), 50)
	})
	t.Run("random interleavings", func(t *testing.T) {
		t.Parallel()
		testLedgerProperty(t, newLedgerEnv(t, openPostgres(t)), 8)
	})
	t.Run("check finds corruption", func(t *testing.T) {
		t.Parallel()
		testLedgerCheckFinds(t, newLedgerEnv(t, openPostgres(t)))
	})
}

// The embedded default runs the same scenarios on SQLite, one row at a time.
func TestLedgerSQLite(t *testing.T) {
	t.Parallel()
	t.Run("refused", func(t *testing.T) { testLedgerRefused(t, newLedgerEnv(t, openSQLite(t))) })
	t.Run("replay and conflict", func(t *testing.T) { testLedgerReplay(t, newLedgerEnv(t, openSQLite(t))) })
	t.Run("caller transaction", func(t *testing.T) { testLedgerCallerTx(t, newLedgerEnv(t, openSQLite(t))) })
	t.Run("concurrent posters", func(t *testing.T) { testLedgerConcurrent(t, newLedgerEnv(t, openSQLite(t)), 8) })
	t.Run("random interleavings", func(t *testing.T) { testLedgerProperty(t, newLedgerEnv(t, openSQLite(t)), 2) })
	t.Run("check finds corruption", func(t *testing.T) { testLedgerCheckFinds(t, newLedgerEnv(t, openSQLite(t))) })
}

func testLedgerRefused(t *testing.T, e *ledgerEnv) {
	ctx := t.Context()
	good := paidTx("order/1/paid", 1000, map[int64]int64{7: 100})
	bad := []struct {
		name string
		tx   ledger.Tx
		want error
	}{
		{"unbalanced", ledger.Tx{Key: "u", Kind: "k", Postings: []ledger.Posting{
			{Account: ledger.PlatformAccount(ledger.Clearing), Amount: 10},
			{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -9}}}, ledger.ErrUnbalanced},
		{"one posting", ledger.Tx{Key: "one", Kind: "k", Postings: []ledger.Posting{
			{Account: ledger.PlatformAccount(ledger.Clearing), Amount: 0},
			{Account: ledger.PlatformAccount(ledger.Revenue), Amount: 0}}}, ledger.ErrTooFew},
		{"no key", ledger.Tx{Kind: "k", Postings: good.Postings}, ledger.ErrNoKey},
		{"no kind", ledger.Tx{Key: "nk", Postings: good.Postings}, ledger.ErrBadTx},
		{"platform pending", ledger.Tx{Key: "pp", Kind: "k", Postings: []ledger.Posting{
			{Account: ledger.PlatformAccount(ledger.Pending), Amount: 5},
			{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -5}}}, ledger.ErrBadTx},
		{"leader 0", ledger.Tx{Key: "l0", Kind: "k", Postings: []ledger.Posting{
			{Account: ledger.LeaderAccount(0, ledger.Pending), Amount: 5},
			{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -5}}}, ledger.ErrBadTx},
		{"same key other postings", paidTx("order/1/paid", 1000, map[int64]int64{7: 101}), ledger.ErrKeyConflict},
	}
	for _, b := range bad {
		// The good transaction comes first: one bad transaction refuses the whole call.
		n, err := e.ledger.Post(ctx, good, b.tx)
		if !errors.Is(err, b.want) || n != 0 {
			t.Errorf("%s: Post = %d, %v; want 0, %v", b.name, n, err, b.want)
		}
	}
	r := mustCheck(t, e.ledger)
	if r.Transactions != 0 || r.Postings != 0 {
		t.Fatalf("refused posts wrote %d transactions, %d postings", r.Transactions, r.Postings)
	}
	if n, err := e.ledger.Post(ctx); n != 0 || err != nil {
		t.Fatalf("empty Post = %d, %v", n, err)
	}
}

func testLedgerReplay(t *testing.T, e *ledgerEnv) {
	ctx := t.Context()
	a := paidTx("order/1/paid", 1000, map[int64]int64{7: 100, 8: 30})
	b := paidTx("order/2/paid", 500, map[int64]int64{7: 50})
	if n, err := e.ledger.Post(ctx, a, a); n != 1 || err != nil {
		t.Fatalf("first Post = %d, %v; want 1 (the key twice in one call is once)", n, err)
	}
	// The same cause again, postings in another order: a no-op; with a new one: only the new.
	rev := a
	rev.Postings = append([]ledger.Posting(nil), a.Postings...)
	for i, j := 0, len(rev.Postings)-1; i < j; i, j = i+1, j-1 {
		rev.Postings[i], rev.Postings[j] = rev.Postings[j], rev.Postings[i]
	}
	if n, err := e.ledger.Post(ctx, rev); n != 0 || err != nil {
		t.Fatalf("replay = %d, %v; want 0, nil", n, err)
	}
	if n, err := e.ledger.Post(ctx, b, a); n != 1 || err != nil {
		t.Fatalf("new + replay = %d, %v; want 1, nil", n, err)
	}
	// Other postings under a written key: an error, and the new transaction beside it is not written.
	c := paidTx("order/3/paid", 300, map[int64]int64{9: 30})
	conflict := paidTx("order/1/paid", 1000, map[int64]int64{7: 100, 8: 31})
	if n, err := e.ledger.Post(ctx, c, conflict); !errors.Is(err, ledger.ErrKeyConflict) || n != 0 {
		t.Fatalf("conflicting re-post = %d, %v; want ErrKeyConflict", n, err)
	}
	other := a
	other.Postings = []ledger.Posting{{Account: ledger.PlatformAccount(ledger.Clearing), Amount: 1000},
		{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -1000}}
	if _, err := e.ledger.Post(ctx, other); !errors.Is(err, ledger.ErrKeyConflict) {
		t.Fatalf("re-post to other accounts: %v; want ErrKeyConflict", err)
	}
	r := mustCheck(t, e.ledger)
	if r.Transactions != 2 || r.Postings != 7 {
		t.Fatalf("wrote %d transactions, %d postings; want 2, 7", r.Transactions, r.Postings)
	}
	want := map[ledger.Account]int64{
		ledger.PlatformAccount(ledger.Clearing):    1500,
		ledger.PlatformAccount(ledger.Revenue):     -(870 + 450),
		ledger.LeaderAccount(7, ledger.Pending):    -150,
		ledger.LeaderAccount(8, ledger.Pending):    -30,
		ledger.LeaderAccount(9, ledger.Pending):    0,
		ledger.LeaderAccount(7, ledger.Settleable): 0,
	}
	for acc, w := range want {
		if got, err := e.ledger.Balance(ctx, acc); err != nil || got != w {
			t.Errorf("balance %s = %d, %v; want %d", acc, got, err, w)
		}
	}
	bs, err := e.ledger.Balances(ctx, ledger.OwnerLeader, 7)
	if err != nil || len(bs) != 1 || bs[ledger.Pending] != -150 {
		t.Fatalf("balances of leader 7 = %v, %v", bs, err)
	}
}

func testLedgerCallerTx(t *testing.T, e *ledgerEnv) {
	ctx := t.Context()
	boom := errors.New("the event's effects failed")
	err := e.data.InTx(ctx, func(ctx context.Context) error {
		if n, err := e.ledger.Post(ctx, paidTx("order/1/paid", 100, map[int64]int64{1: 10})); n != 1 || err != nil {
			t.Errorf("Post in transaction = %d, %v", n, err)
		}
		// Inside the transaction its own postings are visible.
		if b, err := e.ledger.Balance(ctx, ledger.LeaderAccount(1, ledger.Pending)); b != -10 || err != nil {
			t.Errorf("balance in transaction = %d, %v; want -10", b, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if r := mustCheck(t, e.ledger); r.Transactions != 0 {
		t.Fatalf("rolled-back Post left %d transactions", r.Transactions)
	}
	if b, _ := e.ledger.Balance(ctx, ledger.LeaderAccount(1, ledger.Pending)); b != 0 {
		t.Fatalf("rolled-back Post left balance %d", b)
	}
	err = e.data.InTx(ctx, func(ctx context.Context) error {
		_, err := e.ledger.Post(ctx, paidTx("order/1/paid", 100, map[int64]int64{1: 10}))
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if r := mustCheck(t, e.ledger); r.Transactions != 1 {
		t.Fatalf("committed Post: %d transactions", r.Transactions)
	}
	if b, _ := e.ledger.Balance(ctx, ledger.LeaderAccount(1, ledger.Pending)); b != -10 {
		t.Fatalf("committed Post: balance %d", b)
	}
}

// keyedTx is a transaction derived from its key alone, so that every replay of a key carries
// the same postings: order k pays 100+k%900 fen; leader 1+k%leaders earns 10%, its upline
// 1+(k/7)%leaders 3%.
func keyedTx(k, leaders int) ledger.Tx {
	amount := int64(100 + k%900)
	l0, l1 := int64(1+k%leaders), int64(1+(k/7)%leaders)
	t := ledger.Tx{Key: fmt.Sprintf("order/%d/paid", k), Kind: "order_paid", OrderID: int64(k), Postings: []ledger.Posting{
		{Account: ledger.PlatformAccount(ledger.Clearing), Amount: amount},
		{Account: ledger.LeaderAccount(l0, ledger.Pending), Amount: -amount * 10 / 100},
		{Account: ledger.LeaderAccount(l1, ledger.Pending), Amount: -amount * 3 / 100},
		{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -(amount - amount*10/100 - amount*3/100)},
	}}
	return t
}

func addExpected(want map[ledger.Account]int64, t ledger.Tx) {
	for _, p := range t.Postings {
		want[p.Account] += p.Amount
	}
}

func checkBalances(t *testing.T, e *ledgerEnv, want map[ledger.Account]int64) {
	t.Helper()
	for acc, w := range want {
		if got, err := e.ledger.Balance(t.Context(), acc); err != nil || got != w {
			t.Errorf("balance %s = %d, %v; want %d", acc, got, err, w)
		}
	}
}

// testLedgerConcurrent has n goroutines post orders across the same five leaders, a third of
// the keys posted by two goroutines at once: each key is written once, no increment is lost, and
// nothing deadlocks.
func testLedgerConcurrent(t *testing.T, e *ledgerEnv, n int) {
	const leaders, perPoster, batch = 5, 40, 8
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	posted := 0
	errs := make(chan error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var txs []ledger.Tx
			for i := range perPoster {
				txs = append(txs, keyedTx(concurrentKey(g, i, perPoster), leaders))
			}
			rand.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
			for len(txs) > 0 {
				chunk := txs[:min(batch, len(txs))]
				txs = txs[len(chunk):]
				m, err := e.ledger.Post(ctx, chunk...)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				posted += m
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Post: %v", err)
	}
	want := map[ledger.Account]int64{}
	keys := map[int]bool{}
	for g := range n {
		for i := range perPoster {
			keys[concurrentKey(g, i, perPoster)] = true
		}
	}
	for k := range keys {
		addExpected(want, keyedTx(k, leaders))
	}
	distinct := len(keys)
	if posted != distinct {
		t.Errorf("posted %d transactions; want %d distinct keys", posted, distinct)
	}
	r := mustCheck(t, e.ledger)
	if r.Transactions != int64(distinct) {
		t.Errorf("check counts %d transactions; want %d", r.Transactions, distinct)
	}
	checkBalances(t, e, want)
}

// concurrentKey is the key goroutine g posts in slot i: its own, but every third slot is shared
// by goroutines 2j and 2j+1, which post it at about the same time.
func concurrentKey(g, i, perPoster int) int {
	if i%3 == 0 {
		g &^= 1
	}
	return g*perPoster + i
}

// testLedgerProperty: random balanced transactions over random accounts, some keys repeated,
// posted in random batches by random goroutines in random order, leave every cached balance equal
// to the sum of the distinct transactions' postings, and the check clean.
func testLedgerProperty(t *testing.T, e *ledgerEnv, rounds int) {
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	purposes := []ledger.Purpose{ledger.Pending, ledger.Settleable, ledger.Settled, ledger.Receivable, ledger.Unresolved}
	randomAccount := func() ledger.Account {
		if rng.IntN(3) == 0 {
			return ledger.PlatformAccount([]ledger.Purpose{ledger.Clearing, ledger.Revenue}[rng.IntN(2)])
		}
		return ledger.LeaderAccount(1+rng.Int64N(12), purposes[rng.IntN(len(purposes))])
	}
	want := map[ledger.Account]int64{}
	total := 0
	for round := range rounds {
		var txs []ledger.Tx
		for i := range 60 + rng.IntN(60) {
			tx := ledger.Tx{Key: fmt.Sprintf("r%d/t%d", round, i), Kind: "random"}
			var sum int64
			for range 1 + rng.IntN(5) {
				amt := rng.Int64N(2_000_001) - 1_000_000
				tx.Postings = append(tx.Postings, ledger.Posting{Account: randomAccount(), Amount: amt})
				sum += amt
			}
			tx.Postings = append(tx.Postings, ledger.Posting{Account: randomAccount(), Amount: -sum})
			if tx.Check() != nil {
				continue // e.g. all but one posting zero
			}
			txs = append(txs, tx)
			addExpected(want, tx)
			total++
		}
		// Replays: a fifth of the transactions twice more.
		all := append([]ledger.Tx(nil), txs...)
		for _, tx := range txs {
			if rng.IntN(5) == 0 {
				all = append(all, tx, tx)
			}
		}
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		workers := 1 + rng.IntN(6)
		var chunks [][]ledger.Tx
		for len(all) > 0 {
			c := all[:min(1+rng.IntN(20), len(all))]
			all = all[len(c):]
			chunks = append(chunks, c)
		}
		var wg sync.WaitGroup
		work := make(chan []ledger.Tx)
		errs := make(chan error, len(chunks))
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range work {
					if _, err := e.ledger.Post(ctx, c...); err != nil {
						errs <- err
					}
				}
			}()
		}
		for _, c := range chunks {
			work <- c
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: Post: %v", round, err)
		}
		r := mustCheck(t, e.ledger)
		if r.Transactions != int64(total) {
			t.Fatalf("round %d: %d transactions; want %d", round, r.Transactions, total)
		}
		checkBalances(t, e, want)
	}
}

// testLedgerCheckFinds corrupts the tables behind the ledger's back; Check reports each fault.
func testLedgerCheckFinds(t *testing.T, e *ledgerEnv) {
	ctx := t.Context()
	if _, err := e.ledger.Post(ctx, keyedTx(1, 3), keyedTx(2, 3)); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, e.ledger)
	q := func(query string) {
		t.Helper()
		if _, err := e.db.SQL.ExecContext(ctx, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	q(`UPDATE ledger_accounts SET balance = balance + 7 WHERE owner_kind = 'platform' AND purpose = 'revenue'`)
	q(`INSERT INTO ledger_transactions (key, kind, order_id, grid_cell, created_at)
VALUES ('bad/1', 'forged', 0, '', CURRENT_TIMESTAMP)`)
	q(`INSERT INTO ledger_postings (transaction_id, account_id, amount, created_at)
SELECT t.id, a.id, 5, CURRENT_TIMESTAMP FROM ledger_transactions t, ledger_accounts a
WHERE t.key = 'bad/1' AND a.owner_kind = 'platform' AND a.purpose = 'clearing'`)
	q(`INSERT INTO ledger_transactions (key, kind, order_id, grid_cell, created_at)
VALUES ('bad/empty', 'forged', 0, '', CURRENT_TIMESTAMP)`)
	r, err := e.ledger.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.TrialBalance != 5 || len(r.Unbalanced) != 2 || r.Unbalanced[0] != "bad/1" ||
		r.Unbalanced[1] != "bad/empty" || len(r.BalanceDiffs) != 2 {
		t.Fatalf("check of a corrupted ledger: %+v", r)
	}
	for _, d := range r.BalanceDiffs {
		switch d.Account {
		case ledger.PlatformAccount(ledger.Revenue):
			if d.Cached != d.Recomputed+7 {
				t.Errorf("revenue diff %+v", d)
			}
		case ledger.PlatformAccount(ledger.Clearing):
			if d.Recomputed != d.Cached+5 {
				t.Errorf("clearing diff %+v", d)
			}
		default:
			t.Errorf("unexpected diff %+v", d)
		}
	}
}
