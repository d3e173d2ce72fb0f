package ledger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// More errors of a transaction that may not be written.
var (
	// ErrKeyConflict says a key is already written with other postings: the same cause posted
	// twice with different amounts, which is a bug in whoever derived the key.
	ErrKeyConflict = errors.New("idempotency key already written with other postings")
	// ErrBadTx says a transaction names an unknown account or has no kind.
	ErrBadTx = errors.New("malformed ledger transaction")
)

// Store keeps the journal and the cached balances (internal/data).
type Store interface {
	// Post writes, in one database transaction (the caller's when ctx carries one, as
	// port.Transactor.InTx gives it), every
	// transaction of txs whose key is new, with its postings, and adds the postings to the
	// cached balances of their accounts. A key already written with the same postings is
	// skipped; with other postings it is an error wrapping ErrKeyConflict and nothing is
	// written. It returns how many transactions it wrote. txs are valid (Validate) and their
	// keys distinct; zero postings are already dropped.
	Post(ctx context.Context, at time.Time, txs []Tx) (posted int, err error)
	// Balance is the cached balance of one account, 0 for an account never posted to.
	Balance(ctx context.Context, a Account) (int64, error)
	// Balances are the cached balances of one owner's accounts that exist.
	Balances(ctx context.Context, owner OwnerKind, ownerID int64) (map[Purpose]int64, error)
	// Check recomputes everything a consistent ledger guarantees, on one snapshot (Report).
	Check(ctx context.Context) (Report, error)
}

// BalanceDiff is an account whose cached balance is not the sum of its postings.
type BalanceDiff struct {
	Account    Account
	Cached     int64
	Recomputed int64
}

// MaxListed bounds each list of a Report: one entry is already an alarm.
const MaxListed = 1000

// Report is the outcome of a full check of the ledger.
type Report struct {
	Transactions int64
	Postings     int64
	// TrialBalance is the sum of all postings: always zero in a sound ledger.
	TrialBalance int64
	// Unbalanced are keys of transactions whose postings do not sum to zero, or that have fewer
	// than two postings (at most 1000 listed).
	Unbalanced []string
	// BalanceDiffs are accounts whose cached balance differs from the sum of their postings.
	BalanceDiffs []BalanceDiff
	// DuplicateKeys are keys written more than once (possible only without the unique index).
	DuplicateKeys []string
	// OrphanPostings counts postings whose account or transaction does not exist.
	OrphanPostings int64
	Took           time.Duration
}

// OK says the ledger is sound.
func (r Report) OK() bool {
	return r.TrialBalance == 0 && len(r.Unbalanced) == 0 && len(r.BalanceDiffs) == 0 &&
		len(r.DuplicateKeys) == 0 && r.OrphanPostings == 0
}

// Ledger is the use case of the money book.
type Ledger struct {
	store Store
	tx    port.Transactor
	now   port.Clock
}

// NewLedger is the ledger on store. Post runs in tx's transaction: the one ctx carries, else a
// new one; now stamps the postings.
func NewLedger(store Store, tx port.Transactor, now port.Clock) *Ledger {
	return &Ledger{store: store, tx: tx, now: now}
}

// Post writes the transactions whose keys are new and returns how many it wrote. Every
// transaction is checked before anything is written: one bad transaction refuses them all. A key
// already written (before, or earlier in txs) with the same postings is skipped silently; with
// other postings Post returns an error wrapping ErrKeyConflict and writes nothing. Called inside
// port.Transactor.InTx, the postings commit or roll back with the caller's transaction.
func (l *Ledger) Post(ctx context.Context, txs ...Tx) (int, error) {
	clean, err := Prepare(txs)
	if err != nil {
		return 0, err
	}
	if len(clean) == 0 {
		return 0, nil
	}
	var n int
	err = l.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = l.store.Post(ctx, l.now(), clean)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("post %d ledger transactions: %w", len(clean), err)
	}
	return n, nil
}

// Balance is the balance of one account.
func (l *Ledger) Balance(ctx context.Context, a Account) (int64, error) {
	return l.store.Balance(ctx, a)
}

// Balances are the balances of one owner's accounts, by purpose (missing ones are zero).
func (l *Ledger) Balances(ctx context.Context, owner OwnerKind, ownerID int64) (map[Purpose]int64, error) {
	return l.store.Balances(ctx, owner, ownerID)
}

// Check recomputes every balance from the postings and looks for anything double entry forbids.
func (l *Ledger) Check(ctx context.Context) (Report, error) {
	start := time.Now()
	r, err := l.store.Check(ctx)
	r.Took = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("check the ledger: %w", err)
	}
	return r, nil
}

// Validate refuses a transaction that may not be written: Tx.Check, then a kind, the length
// limits of the schema, and accounts that exist in the chart (a platform account has owner 0, a
// leader's a positive id, and each owner its own purposes).
func (t Tx) Validate() error {
	if err := t.Check(); err != nil {
		return err
	}
	if t.Kind == "" || len(t.Kind) > 32 {
		return fmt.Errorf("transaction %s: kind %q: %w", t.Key, t.Kind, ErrBadTx)
	}
	if len(t.GridCell) > 16 {
		return fmt.Errorf("transaction %s: grid cell %q: %w", t.Key, t.GridCell, ErrBadTx)
	}
	for _, p := range t.Postings {
		if err := p.Account.Validate(); err != nil {
			return fmt.Errorf("transaction %s: %w", t.Key, err)
		}
	}
	return nil
}

// Validate says whether the account is one of the chart.
func (a Account) Validate() error {
	switch a.Owner {
	case OwnerPlatform:
		if a.OwnerID == 0 && (a.Purpose == Clearing || a.Purpose == Revenue) {
			return nil
		}
	case OwnerLeader:
		switch a.Purpose {
		case Pending, Settleable, Settled, Receivable, Unresolved:
			if a.OwnerID > 0 {
				return nil
			}
		}
	}
	return fmt.Errorf("account %s: %w", a, ErrBadTx)
}

// Prepare validates txs and returns what a Store writes: zero postings dropped, each key once.
// A key given twice with the same postings is kept once; with other postings it is
// ErrKeyConflict.
func Prepare(txs []Tx) ([]Tx, error) {
	out := make([]Tx, 0, len(txs))
	seen := make(map[string]int, len(txs))
	for _, t := range txs {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		t = t.withoutZeros()
		if i, ok := seen[t.Key]; ok {
			if !SamePostings(out[i].Postings, t.Postings) {
				return nil, fmt.Errorf("transaction %s given twice with other postings: %w", t.Key, ErrKeyConflict)
			}
			continue
		}
		seen[t.Key] = len(out)
		out = append(out, t)
	}
	return out, nil
}

func (t Tx) withoutZeros() Tx {
	ps := make([]Posting, 0, len(t.Postings))
	for _, p := range t.Postings {
		if p.Amount != 0 {
			ps = append(ps, p)
		}
	}
	t.Postings = ps
	return t
}

// SamePostings says whether a and b are the same postings in any order (zero amounts ignored).
func SamePostings(a, b []Posting) bool {
	norm := func(ps []Posting) []Posting {
		out := make([]Posting, 0, len(ps))
		for _, p := range ps {
			if p.Amount != 0 {
				out = append(out, p)
			}
		}
		slices.SortFunc(out, comparePostings)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func comparePostings(x, y Posting) int {
	return cmp.Or(cmp.Compare(x.Account.Owner, y.Account.Owner), cmp.Compare(x.Account.OwnerID, y.Account.OwnerID),
		cmp.Compare(x.Account.Purpose, y.Account.Purpose), cmp.Compare(x.Amount, y.Amount))
}
