package commission

import (
	"context"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// Entry is what one leader earns from one order line at one level, and how much of it refunds
// reversed. The ledger holds the money; entries say what caused it.
type Entry struct {
	ID           int64
	OrderID      int64
	LineID       int64
	LeaderID     int64
	Level        int
	Base         int64
	RateBP       int
	Amount       int64
	Reversed     int64
	PlanID       int64
	GridCell     string
	State        State
	PaidAt       time.Time
	SettleableAt time.Time
}

// Left is what is still owed of the entry.
func (e *Entry) Left() int64 { return e.Amount - e.Reversed }

// Repo keeps plans and entries and reads the ledger's postings for statements and totals.
type Repo interface {
	// CreatePlan saves p as the next version of its grid's plan (filling ID, Version and
	// CreatedAt); bizerr.ErrConflict when another version was saved at the same time.
	CreatePlan(ctx context.Context, p *Plan) (*Plan, error)
	// Plans lists the plans of the grids named ("" is the global plan), every grid when none is.
	Plans(ctx context.Context, grids ...string) ([]Plan, error)
	// MaxItemBP is the highest level-0 rate of the items of scheduled or open batches that
	// serve grid, of every grid for "" (0 when there is none).
	MaxItemBP(ctx context.Context, grid string) (int, error)

	// AddEntries saves new entries; an entry of a line and level that exists is left as it is.
	AddEntries(ctx context.Context, es []Entry) error
	// OrderEntries lists an order's entries by id; inside a transaction after the order's lock.
	OrderEntries(ctx context.Context, orderID int64) ([]Entry, error)
	// UpdateEntries writes the entries' Reversed, State and SettleableAt.
	UpdateEntries(ctx context.Context, es []Entry) error
	// LeaderEntries lists a leader's entries, newest first, with ids below beforeID (0: any).
	LeaderEntries(ctx context.Context, leaderID, beforeID int64, limit int) ([]Entry, error)

	// Posted says whether the ledger holds a transaction with key.
	Posted(ctx context.Context, key string) (bool, error)
	// Balances sums the postings of an owner's accounts written before t (the zero time: all),
	// by purpose: positive a debit balance, negative a credit one.
	Balances(ctx context.Context, owner ledger.OwnerKind, ownerID int64, before time.Time) (map[ledger.Purpose]int64, error)
	// CurrentBalances are an owner's balances now by purpose, as the ledger caches them (kept
	// exact by every post, verified by the ledger check): no sum over the history.
	CurrentBalances(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[ledger.Purpose]int64, error)
	// KindTotal sums the postings on a leader's accounts of the transactions of one kind.
	KindTotal(ctx context.Context, leaderID int64, kind string) (int64, error)
	// Movements sums the postings on a leader's accounts written in [from, to) by the kind of
	// their transaction and the account's purpose.
	Movements(ctx context.Context, leaderID int64, from, to time.Time) ([]Movement, error)
	// EarnedByLevel sums a leader's entries by level, for the orders whose payment the ledger
	// recorded in [from, to).
	EarnedByLevel(ctx context.Context, leaderID int64, from, to time.Time) (map[int]int64, error)
	// ServedDiscounts sums the promotions on the orders the leader served (level 0) that were
	// paid in [from, to), by the order's paid time as finance's day reports date them.
	ServedDiscounts(ctx context.Context, leaderID int64, from, to time.Time) (Discounts, error)
	// TrialBalance totals every account's balance by owner kind and purpose.
	TrialBalance(ctx context.Context) ([]AccountTotal, error)
	// AccountBalances is every account's sum of postings, by account id.
	AccountBalances(ctx context.Context) ([]AccountBalance, error)
	// GridTotals sums the entries of orders paid in [from, to) by grid.
	GridTotals(ctx context.Context, from, to time.Time) ([]GridTotal, error)
}

// Poster writes journal transactions: the ledger's use case. Post skips a transaction whose key
// is written already and reports how many it wrote; called inside port.Transactor.InTx it joins
// that transaction.
type Poster interface {
	Post(ctx context.Context, txs ...ledger.Tx) (int, error)
}

// Movement is the sum of one purpose's postings of one kind of transaction.
type Movement struct {
	Kind    string
	Purpose ledger.Purpose
	Amount  int64
}

// AccountTotal is the balance of every account of one owner kind and purpose.
type AccountTotal struct {
	Owner    ledger.OwnerKind
	Purpose  ledger.Purpose
	Accounts int
	Balance  int64
}

// AccountBalance is one ledger account's balance: positive a debit, negative a credit.
type AccountBalance struct {
	ID      int64
	Account ledger.Account
	Balance int64
}

// GridTotal is the commission of a grid's orders.
type GridTotal struct {
	GridCell string
	Orders   int
	Base     int64
	Amount   int64
	Reversed int64
}

// timeZero asks Balances for every posting.
var timeZero time.Time
