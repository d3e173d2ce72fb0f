package data_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// The ledger's throughput into PostgreSQL, measured the way the commission flows post: each paid
// order is one transaction (clearing debit, the serving leader's pending credit, its upline's
// for a recruited leader, revenue credit), Post called with -ledger.chunk orders at a time, over
// -ledger.leaders leaders. Sub-benchmarks share one database, in order:
//
//	post   -ledger.orders orders through ledger.Ledger.Post (b.N rounds); reports postings/s
//	check  the full ledger.Ledger.Check over what post wrote; reports the postings checked
//	naive  -ledger.naive-orders orders one statement per row (the transaction, then per posting
//	       its INSERT and its balance UPDATE), one database transaction per order; reports
//	       postings/s and how many times faster post was
//
// Run with `make bench-ledger`, or
//
//	go test -run '^$' -bench '^BenchmarkLedger$' -benchtime 1x ./internal/data
var (
	ledgerOrders      = flag.Int("ledger.orders", 100_000, "paid orders posted per round of BenchmarkLedger/post")
	ledgerChunk       = flag.Int("ledger.chunk", 500, "orders per Post call")
	ledgerLeaders     = flag.Int("ledger.leaders", 2_000, "leaders the orders are spread over")
	ledgerNaiveOrders = flag.Int("ledger.naive-orders", 10_000, "orders posted one INSERT per posting")
)

// benchOrder is the commission transaction of paid order k: 30–300 yuan, 10% to the serving
// leader, 3% to its recruiter when it has one (one leader in five), the rest revenue.
func benchOrder(prefix string, k, leaders int) ledger.Tx {
	amount := int64(3000 + (k*7919)%27000)
	leaderID := int64(1 + (k*31)%leaders)
	t := ledger.Tx{Key: fmt.Sprintf("%sorder/%d/paid", prefix, k), Kind: "order_paid", OrderID: int64(k),
		GridCell: "8631a8c3fffffff", Postings: []ledger.Posting{
			{Account: ledger.PlatformAccount(ledger.Clearing), Amount: amount},
			{Account: ledger.LeaderAccount(leaderID, ledger.Pending), Amount: -amount / 10},
		}}
	rest := amount - amount/10
	if leaderID%5 == 0 {
		up := 1 + (leaderID/5)%int64(leaders)
		t.Postings = append(t.Postings, ledger.Posting{Account: ledger.LeaderAccount(up, ledger.Pending), Amount: -amount * 3 / 100})
		rest -= amount * 3 / 100
	}
	t.Postings = append(t.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -rest})
	return t
}

func openPostgresTB(tb testing.TB) *sqldb.DB {
	tb.Helper()
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{
		Driver: "postgres", Source: testenv.PostgresDSN(tb), MaxOpenConns: maxConns}})
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(cleanup)
	return db
}

func BenchmarkLedger(b *testing.B) {
	e := newLedgerEnv(b, openPostgresTB(b))
	ctx := context.Background()
	var postRate, naiveRate float64
	var posted, checked int64
	var checkTook time.Duration

	b.Run("post", func(b *testing.B) {
		postings := 0
		round := 0
		b.ResetTimer()
		for b.Loop() {
			prefix := fmt.Sprintf("r%d/", round)
			round++
			txs := make([]ledger.Tx, 0, *ledgerChunk)
			for k := 0; k < *ledgerOrders; k += *ledgerChunk {
				b.StopTimer()
				txs = txs[:0]
				for j := k; j < min(k+*ledgerChunk, *ledgerOrders); j++ {
					t := benchOrder(prefix, j, *ledgerLeaders)
					postings += len(t.Postings)
					txs = append(txs, t)
				}
				b.StartTimer()
				n, err := e.ledger.Post(ctx, txs...)
				if err != nil || n != len(txs) {
					b.Fatalf("Post = %d, %v; want %d", n, err, len(txs))
				}
			}
		}
		postRate = float64(postings) / b.Elapsed().Seconds()
		posted = int64(postings)
		b.ReportMetric(postRate, "postings/s")
		b.ReportMetric(float64(postings)/float64(b.N), "postings/op")
	})

	b.Run("check", func(b *testing.B) {
		var r ledger.Report
		for b.Loop() {
			var err error
			r, err = e.ledger.Check(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !r.OK() {
				b.Fatalf("check found problems: %+v", r)
			}
		}
		checked = r.Postings
		checkTook = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(r.Postings), "postings")
		b.ReportMetric(float64(checkTook.Milliseconds()), "ms/check")
	})

	b.Run("naive", func(b *testing.B) {
		ids := naiveAccounts(b, e)
		postings := 0
		round := 0
		b.ResetTimer()
		for b.Loop() {
			prefix := fmt.Sprintf("naive%d/", round)
			round++
			for k := range *ledgerNaiveOrders {
				b.StopTimer()
				t := benchOrder(prefix, k, *ledgerLeaders)
				postings += len(t.Postings)
				b.StartTimer()
				postNaive(b, e, ids, t)
			}
		}
		naiveRate = float64(postings) / b.Elapsed().Seconds()
		b.ReportMetric(naiveRate, "postings/s")
		if postRate > 0 {
			b.ReportMetric(postRate/naiveRate, "post/naive")
		}
	})

	if r, err := e.ledger.Check(ctx); err != nil || !r.OK() {
		b.Fatalf("final check: %+v, %v", r, err)
	}
	if postRate > 0 && naiveRate > 0 && checked > 0 {
		fmt.Fprintf(os.Stdout, "\nledger on PostgreSQL (GOMAXPROCS %d, %d orders per Post, %d leaders):\n"+
			"  Post          %10.0f postings/s  (%d postings)\n"+
			"  one INSERT    %10.0f postings/s  (post is %.1fx faster)\n"+
			"  full check    %10s over %d postings\n\n",
			runtime.GOMAXPROCS(0), *ledgerChunk, *ledgerLeaders, postRate, posted, naiveRate, postRate/naiveRate,
			checkTook.Round(time.Millisecond), checked)
	}
}

// naiveAccounts creates (untimed) every account the bench orders use and returns their ids.
func naiveAccounts(b *testing.B, e *ledgerEnv) map[ledger.Account]int64 {
	ids := map[ledger.Account]int64{}
	for k := range min(*ledgerNaiveOrders, 5*(*ledgerLeaders)) {
		for _, p := range benchOrder("", k, *ledgerLeaders).Postings {
			ids[p.Account] = 0
		}
	}
	for a := range ids {
		var id int64
		err := e.db.SQL.QueryRowContext(context.Background(), `INSERT INTO ledger_accounts (owner_kind, owner_id, purpose, balance, created_at)
VALUES ($1, $2, $3, 0, now()) ON CONFLICT (owner_kind, owner_id, purpose) DO UPDATE SET owner_id = EXCLUDED.owner_id RETURNING id`,
			string(a.Owner), a.OwnerID, string(a.Purpose)).Scan(&id)
		if err != nil {
			b.Fatal(err)
		}
		ids[a] = id
	}
	return ids
}

// postNaive writes one order the way a first version would: a database transaction with one
// statement per row.
func postNaive(b *testing.B, e *ledgerEnv, ids map[ledger.Account]int64, t ledger.Tx) {
	ctx := context.Background()
	tx, err := e.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	var txID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO ledger_transactions (key, kind, order_id, grid_cell, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING id`, t.Key, t.Kind, t.OrderID, t.GridCell, now).Scan(&txID); err != nil {
		b.Fatal(err)
	}
	for _, p := range t.Postings {
		id, ok := ids[p.Account]
		if !ok {
			b.Fatalf("account %s not created", p.Account)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_postings (transaction_id, account_id, amount, created_at)
VALUES ($1, $2, $3, $4)`, txID, id, p.Amount, now); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2`, p.Amount, id); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
