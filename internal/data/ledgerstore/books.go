package ledgerstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/ledgeraccount"
	"github.com/groupbuy/groupbuy/ent/ledgerposting"
	"github.com/groupbuy/groupbuy/ent/ledgertransaction"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Books is the ledger read for statements, reports and the console: balances over a period as
// sums of postings, current balances as the cached ones, movements by kind, the trial balance. The ledger's
// tables are read here and in ledger.go only; other domains ask Books.
type Books struct{ data *sqldb.DB }

// NewBooks reads the ledger on data.
func NewBooks(data *sqldb.DB) *Books { return &Books{data: data} }

// Posted reports whether the transaction keyed key was posted.
func (b *Books) Posted(ctx context.Context, key string) (bool, error) {
	ok, err := b.data.Client(ctx).LedgerTransaction.Query().Where(ledgertransaction.Key(key)).Exist(ctx)
	return ok, sqldb.Err(err, "ledger transaction "+key)
}

// accounts maps the ids of an owner's accounts to their purposes.
func (b *Books) accounts(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[int64]ledger.Purpose, error) {
	rows, err := b.data.Client(ctx).LedgerAccount.Query().
		Where(ledgeraccount.OwnerKindEQ(ledgeraccount.OwnerKind(owner)), ledgeraccount.OwnerID(ownerID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("ledger accounts of %s %d", owner, ownerID))
	}
	out := make(map[int64]ledger.Purpose, len(rows))
	for _, r := range rows {
		out[int64(r.ID)] = ledger.Purpose(r.Purpose)
	}
	return out, nil
}

type accountSum struct {
	AccountID int64 `json:"account_id"`
	Sum       int64 `json:"sum"`
}

// sums adds up postings by account.
func (b *Books) sums(ctx context.Context, preds ...predicate.LedgerPosting) ([]accountSum, error) {
	var out []accountSum
	err := b.data.Client(ctx).LedgerPosting.Query().Where(preds...).
		GroupBy(ledgerposting.FieldAccountID).Aggregate(ent.As(ent.Sum(ledgerposting.FieldAmount), "sum")).Scan(ctx, &out)
	return out, sqldb.Err(err, "sum postings")
}

// Balances sums an owner's accounts by purpose, over the postings before before (all of them
// when before is zero).
func (b *Books) Balances(ctx context.Context, owner ledger.OwnerKind, ownerID int64, before time.Time) (map[ledger.Purpose]int64, error) {
	accts, err := b.accounts(ctx, owner, ownerID)
	if err != nil || len(accts) == 0 {
		return map[ledger.Purpose]int64{}, err
	}
	ids := make([]int64, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
	}
	preds := []predicate.LedgerPosting{ledgerposting.AccountIDIn(ids...)}
	if !before.IsZero() {
		preds = append(preds, ledgerposting.CreatedAtLT(before.UTC()))
	}
	sums, err := b.sums(ctx, preds...)
	if err != nil {
		return nil, err
	}
	out := map[ledger.Purpose]int64{}
	for _, x := range sums {
		out[accts[x.AccountID]] += x.Sum
	}
	return out, nil
}

// Current reads an owner's balances now, by purpose, from the cached balances Post keeps in
// step with the postings (the ledger check proves every one the sum of its postings): a read of
// the owner's accounts, however long their history.
func (b *Books) Current(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[ledger.Purpose]int64, error) {
	rows, err := b.data.Client(ctx).LedgerAccount.Query().
		Where(ledgeraccount.OwnerKindEQ(ledgeraccount.OwnerKind(owner)), ledgeraccount.OwnerID(ownerID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("balances of %s %d", owner, ownerID))
	}
	out := make(map[ledger.Purpose]int64, len(rows))
	for _, r := range rows {
		out[ledger.Purpose(r.Purpose)] += r.Balance
	}
	return out, nil
}

// KindTotal sums a leader's postings of the transactions of one kind, in the database.
func (b *Books) KindTotal(ctx context.Context, leaderID int64, kind string) (int64, error) {
	var sum int64
	err := sqldb.Row(ctx, b.data.Client(ctx), b.data.Rebind(`SELECT CAST(coalesce(sum(p.amount), 0) AS BIGINT)
FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_transactions t ON t.id = p.transaction_id
WHERE a.owner_kind = $1 AND a.owner_id = $2 AND t.kind = $3`), []any{string(ledger.OwnerLeader), leaderID, kind}, &sum)
	if err != nil {
		return 0, fmt.Errorf("%s postings of leader %d: %w", kind, leaderID, err)
	}
	return sum, nil
}

// Movements sums a leader's postings in [from, to) by transaction kind and account purpose, in
// the order they first appear.
func (b *Books) Movements(ctx context.Context, leaderID int64, from, to time.Time) ([]commission.Movement, error) {
	accts, err := b.accounts(ctx, ledger.OwnerLeader, leaderID)
	if err != nil || len(accts) == 0 {
		return nil, err
	}
	ids := make([]int64, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
	}
	c := b.data.Client(ctx)
	posts, err := c.LedgerPosting.Query().Where(ledgerposting.AccountIDIn(ids...),
		ledgerposting.CreatedAtGTE(from.UTC()), ledgerposting.CreatedAtLT(to.UTC())).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "postings of the month")
	}
	txIDs := map[int64]bool{}
	for _, p := range posts {
		txIDs[p.TransactionID] = true
	}
	kinds := map[int64]string{}
	list := make([]int, 0, len(txIDs))
	for id := range txIDs {
		list = append(list, int(id))
	}
	for start := 0; start < len(list); start += 1000 {
		txs, err := c.LedgerTransaction.Query().Where(ledgertransaction.IDIn(list[start:min(start+1000, len(list))]...)).All(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "transactions of the month")
		}
		for _, t := range txs {
			kinds[int64(t.ID)] = t.Kind
		}
	}
	type key struct {
		kind    string
		purpose ledger.Purpose
	}
	sums := map[key]int64{}
	var order []key
	for _, p := range posts {
		k := key{kinds[p.TransactionID], accts[p.AccountID]}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += p.Amount
	}
	out := make([]commission.Movement, len(order))
	for i, k := range order {
		out[i] = commission.Movement{Kind: k.kind, Purpose: k.purpose, Amount: sums[k]}
	}
	return out, nil
}

// TrialBalance totals the cached balances by owner kind and purpose, in the order the kinds
// first appear among the accounts. Post keeps each cached balance equal to the sum of its
// account's postings in the same transaction (the ledger check proves it): summing the postings
// themselves would read every posting ever made on each view.
func (b *Books) TrialBalance(ctx context.Context) ([]commission.AccountTotal, error) {
	var out []commission.AccountTotal
	err := b.data.Query(ctx, `SELECT owner_kind, purpose, count(*), CAST(sum(balance) AS BIGINT) FROM ledger_accounts
GROUP BY owner_kind, purpose ORDER BY min(id)`, nil, func(r *sql.Rows) error {
		var t commission.AccountTotal
		var owner, purpose string
		if err := r.Scan(&owner, &purpose, &t.Accounts, &t.Balance); err != nil {
			return err
		}
		t.Owner, t.Purpose = ledger.OwnerKind(owner), ledger.Purpose(purpose)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trial balance: %w", err)
	}
	return out, nil
}

// AccountBalances is every account with the sum of its postings, in id order.
func (b *Books) AccountBalances(ctx context.Context) ([]commission.AccountBalance, error) {
	accts, err := b.data.Client(ctx).LedgerAccount.Query().Order(ledgeraccount.ByID()).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "ledger accounts")
	}
	sums, err := b.sums(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int64, len(sums))
	for _, x := range sums {
		byID[x.AccountID] = x.Sum
	}
	out := make([]commission.AccountBalance, len(accts))
	for i, a := range accts {
		out[i] = commission.AccountBalance{ID: int64(a.ID), Balance: byID[int64(a.ID)], Account: ledger.Account{
			Owner: ledger.OwnerKind(a.OwnerKind), OwnerID: a.OwnerID, Purpose: ledger.Purpose(a.Purpose)}}
	}
	return out, nil
}

// PostedIn keeps the orders of orderIDs that have a transaction of kind posted in [from, to).
func (b *Books) PostedIn(ctx context.Context, kind string, from, to time.Time, orderIDs []int64) ([]int64, error) {
	var out []int64
	for start := 0; start < len(orderIDs); start += 1000 {
		var ids []int64
		err := b.data.Client(ctx).LedgerTransaction.Query().Where(ledgertransaction.Kind(kind),
			ledgertransaction.CreatedAtGTE(from.UTC()), ledgertransaction.CreatedAtLT(to.UTC()),
			ledgertransaction.OrderIDIn(orderIDs[start:min(start+1000, len(orderIDs))]...)).
			Select(ledgertransaction.FieldOrderID).Scan(ctx, &ids)
		if err != nil {
			return nil, sqldb.Err(err, "orders posted as "+kind)
		}
		out = append(out, ids...)
	}
	return out, nil
}

// Settleable calls fn with what each order's postings left on each leader's settleable account
// (a credit: positive when owed).
func (b *Books) Settleable(ctx context.Context, orderIDs []int64, fn func(orderID, leaderID, credit int64)) error {
	// The orders' transactions first, whatever the statistics say: planned from the accounts'
	// side, the query reads every posting of every leader.
	return b.data.Query(ctx, `WITH t AS MATERIALIZED (SELECT id, order_id FROM ledger_transactions
                          WHERE order_id IN (`+sqldb.List(1, len(orderIDs))+`))
SELECT t.order_id, a.owner_id, SUM(p.amount)
FROM t
JOIN ledger_postings p ON p.transaction_id = t.id
JOIN ledger_accounts a ON a.id = p.account_id
WHERE a.owner_kind = 'leader' AND a.purpose = 'settleable'
GROUP BY t.order_id, a.owner_id`, sqldb.Args(orderIDs), func(r *sql.Rows) error {
		var order, leader, sum int64
		if err := r.Scan(&order, &leader, &sum); err != nil {
			return err
		}
		fn(order, leader, -sum)
		return nil
	})
}

// Owing is the cached balance of each leader's receivable account among leaderIDs that is above
// zero: what the leader owes the platform.
func (b *Books) Owing(ctx context.Context, leaderIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := b.data.Query(ctx, `SELECT owner_id, balance FROM ledger_accounts
WHERE owner_kind = 'leader' AND purpose = 'receivable' AND balance > 0 AND owner_id IN (`+sqldb.List(1, len(leaderIDs))+`)`,
		sqldb.Args(leaderIDs), func(r *sql.Rows) error {
			var id, balance int64
			err := r.Scan(&id, &balance)
			out[id] = balance
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("receivable balances: %w", err)
	}
	return out, nil
}

// TxPostings is the postings of the transaction keyed key; posted is false when there is none.
func (b *Books) TxPostings(ctx context.Context, key string) (posted bool, out []ledger.Posting, err error) {
	err = b.data.Query(ctx, `SELECT a.owner_kind, a.owner_id, a.purpose, p.amount
FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id JOIN ledger_accounts a ON a.id = p.account_id
WHERE t.key = $1`, []any{key}, func(r *sql.Rows) error {
		var p ledger.Posting
		if err := r.Scan(&p.Account.Owner, &p.Account.OwnerID, &p.Account.Purpose, &p.Amount); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return false, nil, fmt.Errorf("postings of %s: %w", key, err)
	}
	return len(out) > 0, out, nil
}
