package settlement

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	// The shipped production settings (configs/postgres.yaml) with WeChat's usual fee.
	c := Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour, MaxRatioBP: 3000, FeeBP: 60,
		Concurrency: 16, ClaimBatch: 64, Lease: time.Minute, PollAfter: 2 * time.Second, RetryAfter: time.Second,
		RetryMax: 5 * time.Minute, SelectBatch: 500}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCapIsTheRatioOfTheAmountNetOfTheFee(t *testing.T) {
	c := testConfig(t)
	// 10000 fen: fee 60, net 9940, 30% = 2982.
	if got := c.Cap(10000); got != 2982 {
		t.Fatalf("cap = %d, want 2982", got)
	}
	if got := c.Fee(83); got != 0 { // 0.498 fen rounds half up to 0
		t.Fatalf("fee(83) = %d", got)
	}
	if got := c.Fee(84); got != 1 {
		t.Fatalf("fee(84) = %d", got)
	}
}

func TestPlanNetsReceivablesDefersAndCarries(t *testing.T) {
	c := testConfig(t)
	receivers := map[int64]Receiver{
		1: {LeaderID: 1, Account: "o1", Registered: true},
		2: {LeaderID: 2, Account: "o2", Registered: true},
		3: {LeaderID: 3, Account: "o3"},
	}
	receivable := map[int64]int64{1: 100}
	carries := map[int64][]Share{2: {{ID: 77, LeaderID: 2, Level: 1, SourceOrderID: 5, Amount: 40}}}
	p := NewPlanner(c, 9, receivers, receivable, carries)
	paid := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	it, nets := p.Plan(Candidate{OrderID: 42, TransactionID: "t42", Amount: 10000, PaidAt: paid,
		Owed: []Owed{{LeaderID: 2, Level: 1, Amount: 500}, {LeaderID: 1, Level: 0, Amount: 1000}, {LeaderID: 3, Level: 2, Amount: 50}}})
	if len(nets) != 1 || nets[0] != (Net{LeaderID: 1, Amount: 100}) || receivable[1] != 0 {
		t.Fatalf("nets = %+v, receivable %v", nets, receivable)
	}
	want := []Share{
		{LeaderID: 1, Level: 0, Amount: 900, Result: ResultPending},
		{LeaderID: 2, Level: 1, Amount: 500, Result: ResultPending},
		{LeaderID: 3, Level: 2, Amount: 50, Result: ResultDeferred, FailReason: ReasonNotRegistered},
		{LeaderID: 2, Level: 1, Amount: 40, Result: ResultPending, RetryOf: 77, SourceOrderID: 5},
	}
	if len(it.Shares) != len(want) {
		t.Fatalf("shares = %+v", it.Shares)
	}
	for i, w := range want {
		s := it.Shares[i]
		if s.LeaderID != w.LeaderID || s.Amount != w.Amount || s.Result != w.Result || s.FailReason != w.FailReason || s.RetryOf != w.RetryOf {
			t.Errorf("share %d = %+v, want %+v", i, s, w)
		}
	}
	if it.Kind != KindShare || it.Amount != 1440 || it.OutOrderNo != "GBS9-42" || !it.Deadline.Equal(paid.Add(30*24*time.Hour)) {
		t.Fatalf("item = %+v", it)
	}
	if len(carries[2]) != 0 {
		t.Fatalf("carry used twice: %v", carries)
	}
	req := Request(&it)
	if len(req.Shares) != 2 || req.Shares[1].Account != "o2" || req.Shares[1].Amount != 540 || !req.UnfreezeUnsplit {
		t.Fatalf("request = %+v", req)
	}
}

func TestPlanKeepsWithinTheCapAndUnfreezesWhenNothingIsOwed(t *testing.T) {
	c := testConfig(t)
	p := NewPlanner(c, 1, map[int64]Receiver{1: {LeaderID: 1, Account: "o1", Registered: true}}, map[int64]int64{}, map[int64][]Share{})
	// 1000 fen, 300 refunded: the cap 298 (30% of 994) still fits in what is left (694).
	it, _ := p.Plan(Candidate{OrderID: 7, Amount: 1000, Refunded: 300, Owed: []Owed{{LeaderID: 1, Amount: 350}}})
	if it.Amount != 298 || len(it.Shares) != 2 || it.Shares[1].Result != ResultDeferred || it.Shares[1].Amount != 52 ||
		it.Shares[1].FailReason != ReasonOverCap {
		t.Fatalf("item = %+v", it)
	}
	none, _ := p.Plan(Candidate{OrderID: 8, Amount: 1000})
	if none.Kind != KindUnfreeze || none.OutOrderNo != "GBU8" || none.Amount != 0 {
		t.Fatalf("item owing nothing = %+v", none)
	}
}

func TestSettledTxsLeaveAReceivableForCommissionRefundedMeanwhile(t *testing.T) {
	it := &Item{RunID: 3, OrderID: 42, Shares: []Share{
		{LeaderID: 1, SourceOrderID: 42, Amount: 900, Result: ResultSuccess},
		{LeaderID: 2, SourceOrderID: 42, Amount: 500, Result: ResultClosed},
		{LeaderID: 1, SourceOrderID: 5, Amount: 40, Result: ResultSuccess, RetryOf: 77},
	}}
	owed := map[OrderLeader]int64{{42, 1}: 600, {5, 1}: 40}
	txs := SettledTxs(it, owed)
	if len(txs) != 2 || txs[0].Key != "settlement/3/order/42" || txs[1].Key != "settlement/3/order/5/leader/1" {
		t.Fatalf("txs = %+v", txs)
	}
	got := map[ledger.Account]int64{}
	for _, p := range txs[0].Postings {
		got[p.Account] = p.Amount
	}
	if got[ledger.LeaderAccount(1, ledger.Settleable)] != 600 || got[ledger.LeaderAccount(1, ledger.Receivable)] != 300 ||
		got[ledger.PlatformAccount(ledger.Clearing)] != -900 || len(got) != 3 {
		t.Fatalf("postings = %v", got)
	}
	for _, tx := range txs {
		if err := tx.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlanMovesADebtLeftOnSettleableToTheReceivable(t *testing.T) {
	c := testConfig(t)
	receivers := map[int64]Receiver{1: {LeaderID: 1, Account: "o1", Registered: true}}
	receivable := map[int64]int64{}
	p := NewPlanner(c, 4, receivers, receivable, map[int64][]Share{})
	// Order 1's refund reversed 100 more than its settleable (the rest had paid a receivable).
	first, nets := p.Plan(Candidate{OrderID: 1, Amount: 10000, Owed: []Owed{{LeaderID: 1, Amount: -100}}})
	if first.Kind != KindUnfreeze || len(nets) != 1 || nets[0].Amount != -100 || receivable[1] != 100 {
		t.Fatalf("item %+v nets %+v receivable %v", first, nets, receivable)
	}
	// Order 2 of the same batch pays that debt first.
	second, nets := p.Plan(Candidate{OrderID: 2, Amount: 10000, Owed: []Owed{{LeaderID: 1, Amount: 250}}})
	if second.Amount != 150 || len(nets) != 1 || nets[0].Amount != 100 || receivable[1] != 0 {
		t.Fatalf("item %+v nets %+v receivable %v", second, nets, receivable)
	}
	tx := NettedTx(4, 1, "", []Net{{LeaderID: 1, Amount: -100}})
	if err := tx.Validate(); err != nil || tx.Postings[0].Amount != -100 || tx.Postings[1].Amount != 100 {
		t.Fatalf("tx = %+v, %v", tx, err)
	}
}

func TestSettledTxsMoveAnOrdersDebtToTheReceivable(t *testing.T) {
	it := &Item{RunID: 3, OrderID: 42, Shares: []Share{{LeaderID: 1, SourceOrderID: 42, Amount: 300, Result: ResultSuccess}}}
	// Leader 2's commission of the order was reversed by 80 beyond what the run had left it.
	owed := map[OrderLeader]int64{{42, 1}: 300, {42, 2}: -80}
	txs := SettledTxs(it, owed)
	got := map[ledger.Account]int64{}
	for _, p := range txs[0].Postings {
		got[p.Account] = p.Amount
	}
	if len(txs) != 1 || got[ledger.LeaderAccount(2, ledger.Settleable)] != -80 || got[ledger.LeaderAccount(2, ledger.Receivable)] != 80 ||
		got[ledger.LeaderAccount(1, ledger.Settleable)] != 300 || got[ledger.PlatformAccount(ledger.Clearing)] != -300 {
		t.Fatalf("txs = %+v", txs)
	}
	if err := txs[0].Validate(); err != nil {
		t.Fatal(err)
	}
}
