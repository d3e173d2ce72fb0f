// Package ledger is the money book: double-entry and append-only. A transaction is two or more
// postings summing to zero, written once under a unique key derived from its cause
// ("order/123/paid"); a posting is never changed — a correction is a new, reversing transaction.
// Balances are the sums of postings; cached balances exist only because Check can recompute them.
//
// Signs: a posting's amount is positive for a debit and negative for a credit, in fen. Assets
// (WeChat clearing, a leader's receivable) grow with debits; what the platform owes leaders
// (pending, settleable, settled) and its revenue grow with credits.
package ledger

import (
	"errors"
	"fmt"
)

// OwnerKind says whose an account is.
type OwnerKind string

const (
	OwnerPlatform OwnerKind = "platform"
	OwnerLeader   OwnerKind = "leader"
)

// Purpose says what an account holds.
type Purpose string

const (
	// Clearing is the merchant's funds frozen at WeChat Pay (platform).
	Clearing Purpose = "clearing"
	// Revenue is what the platform keeps (platform).
	Revenue Purpose = "revenue"
	// Pending is commission in the after-sales window (leader).
	Pending Purpose = "pending"
	// Settleable is commission ready for profit-sharing (leader).
	Settleable Purpose = "settleable"
	// Settled is commission paid out through profit-sharing (leader).
	Settled Purpose = "settled"
	// Receivable is what a leader owes after a refund of settled commission (leader).
	Receivable Purpose = "receivable"
	// Unresolved is commission finance must resolve by hand (leader).
	Unresolved Purpose = "unresolved"
)

// Account names one account.
type Account struct {
	Owner   OwnerKind
	OwnerID int64 // 0 for the platform
	Purpose Purpose
}

// PlatformAccount is one of the platform's accounts.
func PlatformAccount(p Purpose) Account { return Account{Owner: OwnerPlatform, Purpose: p} }

// LeaderAccount is one of a leader's accounts.
func LeaderAccount(leaderID int64, p Purpose) Account {
	return Account{Owner: OwnerLeader, OwnerID: leaderID, Purpose: p}
}

func (a Account) String() string { return fmt.Sprintf("%s/%d/%s", a.Owner, a.OwnerID, a.Purpose) }

// Posting is an amount on an account: positive a debit, negative a credit.
type Posting struct {
	Account Account
	Amount  int64
}

// Tx is one journal transaction.
type Tx struct {
	// Key is unique and derived from the cause: posting the same cause twice is a no-op.
	Key  string
	Kind string
	// OrderID and GridCell say what the transaction is about, for statements and totals.
	OrderID  int64
	GridCell string
	Postings []Posting
}

// Errors of a transaction that may not be written.
var (
	ErrUnbalanced = errors.New("postings do not sum to zero")
	ErrTooFew     = errors.New("a transaction needs two or more postings")
	ErrNoKey      = errors.New("a transaction needs an idempotency key")
)

// Check refuses a transaction that breaks double entry: no key, fewer than two non-zero
// postings, or postings that do not sum to zero (computed without overflow).
func (t Tx) Check() error {
	if t.Key == "" || len(t.Key) > 128 {
		return fmt.Errorf("transaction %q: %w", t.Key, ErrNoKey)
	}
	n := 0
	var sum int64
	for _, p := range t.Postings {
		if p.Amount == 0 {
			continue
		}
		n++
		next := sum + p.Amount
		if (p.Amount > 0 && next < sum) || (p.Amount < 0 && next > sum) {
			return fmt.Errorf("transaction %s: amounts overflow: %w", t.Key, ErrUnbalanced)
		}
		sum = next
	}
	if n < 2 {
		return fmt.Errorf("transaction %s: %w", t.Key, ErrTooFew)
	}
	if sum != 0 {
		return fmt.Errorf("transaction %s: sum %d: %w", t.Key, sum, ErrUnbalanced)
	}
	return nil
}

// Compact merges postings on the same account, in first-seen order, and drops zero ones.
func (tx Tx) Compact() Tx {
	idx := map[Account]int{}
	var out []Posting
	for _, p := range tx.Postings {
		if i, ok := idx[p.Account]; ok {
			out[i].Amount += p.Amount
			continue
		}
		idx[p.Account] = len(out)
		out = append(out, p)
	}
	kept := out[:0]
	for _, p := range out {
		if p.Amount != 0 {
			kept = append(kept, p)
		}
	}
	tx.Postings = kept
	return tx
}
