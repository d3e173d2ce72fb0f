package data_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent/ledgertransaction"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// postLog is the ledger as settlement posts to it, recording the orders of each Post call.
// Its first call can wait (slow), so that the answers arriving meanwhile gather for one commit,
// and run a hook before it returns.
type postLog struct {
	book  *ledger.Ledger
	mu    sync.Mutex
	calls [][]int64
	first func(orderID int64)
	// refuseWide, when set, fails every post of more than one transaction: a fault of group
	// commits alone.
	refuseWide error
}

func (p *postLog) Post(ctx context.Context, txs ...ledger.Tx) (int, error) {
	orders := make([]int64, len(txs))
	for i, tx := range txs {
		orders[i] = tx.OrderID
	}
	p.mu.Lock()
	p.calls = append(p.calls, orders)
	first := len(p.calls) == 1 && p.first != nil
	p.mu.Unlock()
	if first {
		p.first(orders[0])
	}
	if p.refuseWide != nil && len(txs) > 1 {
		return 0, p.refuseWide
	}
	return p.book.Post(ctx, txs...)
}

func (p *postLog) widest() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		n = max(n, len(c))
	}
	return n
}

// claimLog is the settlement store, recording what was claimed.
type claimLog struct {
	settlement.Store
	mu      sync.Mutex
	claimed []settlement.Item
}

func (s *claimLog) Claim(ctx context.Context, now, leaseUntil time.Time, limit int,
	which settlement.Claimable) ([]settlement.Item, error) {
	items, err := s.Store.Claim(ctx, now, leaseUntil, limit, which)
	s.mu.Lock()
	s.claimed = append(s.claimed, items...)
	s.mu.Unlock()
	return items, err
}

// groupUsecase is a use case finishing up to 64 answers together, with its posts and claims
// recorded.
func (e *stEnv) groupUsecase(log *postLog, claims *claimLog) *settlement.Usecase {
	cfg := e.cfg
	cfg.FinishBatch = 64
	return settlement.NewUsecase(claims, e.client, log, e.data, cfg, e.clock.Now)
}

// paidOrders makes n paid, completed orders of the env's leaders, in turn.
func (e *stEnv) paidOrders(t *testing.T, n int) {
	for i := range n {
		e.complete(t, e.paidOrder(t, e.leaders[i%len(e.leaders)], 2, 1000, 0))
	}
}

// checkGroupBooks asserts what every group commit must leave: the ledger checks out (trial
// balance zero, every cached balance the sum of its postings), the clearing account's cached
// balance is the sum of its postings, every finished item's payout is in the ledger once under
// its key, and WeChat paid each leader what the ledger says.
func (e *stEnv) checkGroupBooks(t *testing.T, runID int64) {
	t.Helper()
	ctx := t.Context()
	e.checkBooks(t)
	cached, err := e.book.Balance(ctx, ledger.PlatformAccount(ledger.Clearing))
	if err != nil {
		t.Fatal(err)
	}
	var summed int64
	if err := e.data.SQL.QueryRowContext(ctx, `SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p
JOIN ledger_accounts a ON a.id = p.account_id WHERE a.owner_kind = 'platform' AND a.purpose = 'clearing'`).Scan(&summed); err != nil {
		t.Fatal(err)
	}
	if cached != summed || cached == 0 {
		t.Fatalf("clearing: cached balance %d, postings sum to %d", cached, summed)
	}
	// A leader's balance, read from the cached balances, is what its postings sum to.
	books := ledgerstore.NewBooks(e.data)
	for _, l := range e.leaders {
		b, err := e.views.Balance(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		sums, err := books.Balances(ctx, ledger.OwnerLeader, l.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if b.Pending != -sums[ledger.Pending] || b.Settleable != -sums[ledger.Settleable] ||
			b.Unresolved != -sums[ledger.Unresolved] || b.Owed != sums[ledger.Receivable] {
			t.Errorf("leader %d: balance %+v, postings sum to %v", l.ID, b, sums)
		}
	}
	for _, it := range e.items(t, runID) {
		if it.State != settlement.ItemFinished || it.Kind != settlement.KindShare {
			continue
		}
		n := e.db.LedgerTransaction.Query().Where(ledgertransaction.Key(settlement.SettledKey(runID, it.OrderID))).CountX(ctx)
		if n != 1 {
			t.Errorf("item %d (order %d): payout posted %d times", it.ID, it.OrderID, n)
		}
	}
}

// requestAll sends every due item's request (WeChat accepts them as processing), and moves
// the clock past the poll: the next claim queries them and gets their final answers.
func (e *stEnv) requestAll(t *testing.T, uc *settlement.Usecase, claims *claimLog, want int) {
	t.Helper()
	if n, err := uc.WorkOnce(t.Context()); err != nil || n != want {
		t.Fatalf("requests: work once = %d, %v", n, err)
	}
	e.clock.Advance(e.cfg.PollAfter + time.Millisecond)
	claims.mu.Lock()
	claims.claimed = nil
	claims.mu.Unlock()
}

// Answers that arrive while a finish commits are finished together: one transaction, one
// ledger post for all of them, and the books exact.
func TestSettlementGroupCommitFinishesABatchInOnePost(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, 8)
	log := &postLog{book: e.book}
	claims := &claimLog{Store: e.store}
	uc := e.groupUsecase(log, claims)
	r := e.start(t, uc)
	e.requestAll(t, uc, claims, 8)
	log.first = func(int64) { time.Sleep(300 * time.Millisecond) }
	if n, err := uc.WorkOnce(t.Context()); err != nil || n != 8 {
		t.Fatalf("work once = %d, %v", n, err)
	}
	if w := log.widest(); w < 2 || len(log.calls) >= 8 {
		t.Fatalf("posts %v: want the answers gathered while the first committed in one post", log.calls)
	}
	for _, it := range e.items(t, r.ID) {
		if it.State != settlement.ItemFinished {
			t.Fatalf("item %d is %s: %s", it.ID, it.State, it.LastError)
		}
	}
	e.checkGroupBooks(t, r.ID)
}

// An item whose claim was lost (a later claim took it) fails its batch's transaction: the
// others of the batch are finished one by one at once, the lost one is left to its new claim,
// which pays it once.
func TestSettlementGroupCommitFallsBackAroundALostClaim(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, 8)
	claims := &claimLog{Store: e.store}
	var lost int64
	log := &postLog{book: e.book}
	uc := e.groupUsecase(log, claims)
	r := e.start(t, uc)
	e.requestAll(t, uc, claims, 8)
	log.first = func(first int64) {
		// The first answer commits; meanwhile another item's claim is taken from under it.
		time.Sleep(300 * time.Millisecond)
		claims.mu.Lock()
		defer claims.mu.Unlock()
		for _, it := range claims.claimed {
			if it.OrderID != first {
				lost = it.ID
				e.db.SettlementItem.UpdateOneID(it.ID).AddAttempts(1).ExecX(context.Background())
				return
			}
		}
	}
	n, err := uc.WorkOnce(t.Context())
	if n != 8 || !errors.Is(err, bizerr.ErrConflict) {
		t.Fatalf("work once = %d, %v; want the lost claim's conflict", n, err)
	}
	for _, it := range e.items(t, r.ID) {
		if finished := it.State == settlement.ItemFinished; finished == (it.ID == lost) {
			t.Fatalf("item %d (lost %d) is %s: %s", it.ID, lost, it.State, it.LastError)
		}
	}
	t.Logf("orders of each post: %v", log.calls)
	// The claim that took the item lapses; the next one pays it.
	e.clock.Advance(e.cfg.Lease + time.Second)
	if _, err := uc.WorkOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, it := range e.items(t, r.ID) {
		if it.State != settlement.ItemFinished {
			t.Fatalf("item %d is %s: %s", it.ID, it.State, it.LastError)
		}
	}
	e.checkGroupBooks(t, r.ID)
}

// A group commit that fails where every item alone succeeds (a fault of batching alone) is
// reported with its cause, not only absorbed by finishing the items one by one.
func TestSettlementGroupCommitFailureIsReported(t *testing.T) {
	t.Parallel()
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, 8)
	bug := errors.New("batched posts refused")
	log := &postLog{book: e.book, refuseWide: bug}
	claims := &claimLog{Store: e.store}
	uc := e.groupUsecase(log, claims)
	r := e.start(t, uc)
	e.requestAll(t, uc, claims, 8)
	log.first = func(int64) { time.Sleep(300 * time.Millisecond) }
	n, err := uc.WorkOnce(t.Context())
	if n != 8 || !errors.Is(err, bug) || !strings.Contains(err.Error(), "group commit") {
		t.Fatalf("work once = %d, %v; want the failed group commit reported", n, err)
	}
	if log.widest() < 2 {
		t.Fatalf("posts %v: no group commit was tried", log.calls)
	}
	for _, it := range e.items(t, r.ID) {
		if it.State != settlement.ItemFinished {
			t.Fatalf("item %d is %s: %s", it.ID, it.State, it.LastError)
		}
	}
	e.checkGroupBooks(t, r.ID)
}

// Two processes' workers, each finishing in group commits, with claims lapsing and taken again
// while calls are in flight, pay every leader exactly once: WeChat's wallets match the ledger,
// every payout is posted once, the books balance.
func TestSettlementGroupCommitTwoWorkersPayOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("200 transactions")
	}
	e := newStEnv(t, 10, nil)
	e.paidOrders(t, 200)
	e.cfg.Lease = 20 * time.Millisecond // claims lapse under the workers: lost claims are common
	ucs := []*settlement.Usecase{
		e.groupUsecase(&postLog{book: e.book}, &claimLog{Store: e.store}),
		e.groupUsecase(&postLog{book: e.book}, &claimLog{Store: e.store}),
	}
	r := e.start(t, ucs[0])
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, uc := range ucs {
		for range 2 {
			wg.Go(func() {
				for ctx.Err() == nil {
					_, _ = uc.Round(ctx)
				}
			})
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		e.clock.Advance(5 * time.Millisecond)
		v, err := ucs[1].Get(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.State == settlement.RunDone {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("run did not finish: %+v", v.Summary)
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	v, err := ucs[0].Get(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Summary.Items != 200 || v.Summary.Shared != 200 {
		t.Fatalf("summary = %+v", v.Summary)
	}
	e.checkGroupBooks(t, r.ID)
}

// Work claims more while a call is in flight: one slow WeChat answer holds back only its own
// item, never a claim batch behind it (a round waiting for its slowest item would finish at most
// claim batch − 1 items before the slow answer).
func TestSettlementWorkKeepsClaimingWhileACallIsSlow(t *testing.T) {
	t.Parallel()
	// The slow call is slow enough that eleven quick items finish well within it even on a
	// loaded machine (the race detector and the suite's other parallel tests: at 3 s a CI run
	// once finished only four in time).
	const slow = 10 * time.Second
	e := newStEnv(t, 4, nil)
	e.paidOrders(t, 12)
	e.cfg.Concurrency, e.cfg.ClaimBatch = 2, 4
	uc := e.groupUsecase(&postLog{book: e.book}, &claimLog{Store: e.store})
	r := e.start(t, uc)
	if err := e.sim.InjectPayFault(wxsim.PayFault{Operation: wxsim.OpSharingCreateOrder, Latency: slow}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	started := time.Now()
	go func() { done <- uc.Work(ctx, 10*time.Millisecond, func(err error) { t.Logf("work: %v", err) }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	finished := func() int {
		n := 0
		for _, it := range e.items(t, r.ID) {
			if it.State == settlement.ItemFinished {
				n++
			}
		}
		return n
	}
	for finished() < 11 {
		if time.Since(started) > slow-time.Second {
			t.Fatalf("%d items finished while one call was slow: the others waited for it", finished())
		}
		e.clock.Advance(10 * time.Millisecond) // answers still processing are polled
		time.Sleep(20 * time.Millisecond)
	}
	for finished() < 12 {
		if time.Since(started) > slow+30*time.Second {
			t.Fatalf("the slow item did not finish")
		}
		e.clock.Advance(10 * time.Millisecond) // answers still processing are polled
		time.Sleep(20 * time.Millisecond)
	}
	e.checkGroupBooks(t, r.ID)
}
