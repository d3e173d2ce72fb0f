package settlement

import (
	"context"
	"time"
)

// Claimable is which due items a claim takes.
type Claimable int

const (
	// ClaimAll takes every due item, nearest deadline first.
	ClaimAll Claimable = iota
	// ClaimRequests takes pending items, due for their 请求分账, nearest deadline first.
	ClaimRequests
	// ClaimQueries takes processing items, due for their 查询分账结果, earliest due first.
	ClaimQueries
)

// Store keeps runs, items and shares, and reads what selection needs. Methods called with the
// context of port.Transactor.InTx join its transaction.
type Store interface {
	ReturnStore
	// CreateRun saves r unless a run with its key exists; either way it returns the stored run.
	CreateRun(ctx context.Context, r Run) (*Run, error)
	GetRun(ctx context.Context, id int64) (*Run, error)
	// LockRun reads a run for update: selection batches of one run never interleave. With
	// skipLocked, got is false when another transaction holds the run.
	LockRun(ctx context.Context, id int64, skipLocked bool) (r *Run, got bool, err error)
	// ListRuns lists runs newest first, with ids below beforeID (0: any).
	ListRuns(ctx context.Context, beforeID int64, limit int) ([]Run, error)
	// RunsToSelect lists running runs whose selection has not finished.
	RunsToSelect(ctx context.Context) ([]Run, error)
	MarkSelected(ctx context.Context, runID int64, at time.Time) error
	// FinishRuns marks done every selected running run without active items.
	FinishRuns(ctx context.Context, at time.Time) (int, error)

	// Candidates lists, after the run's cursor in the orders' (paid_at, id) order (and moves the
	// cursor past them), up to limit paid profit-sharing
	// transactions, not refunded in full, whose payment the ledger recorded, with no commission
	// still pending and none paid (an item finished) or expired, no item in another active
	// run nor in this one: those with commission made settleable by cutoff, and those that owe
	// nothing. Owed is read from the ledger.
	Candidates(ctx context.Context, runID int64, cutoff time.Time, limit int) ([]Candidate, error)
	// Receivers are the leaders' profit-sharing receivers.
	Receivers(ctx context.Context, leaderIDs []int64) (map[int64]Receiver, error)
	// Receivables are the leaders' receivable balances above zero.
	Receivables(ctx context.Context, leaderIDs []int64) (map[int64]int64, error)
	// LockLeaders locks the leaders' rows in id order (what netting a receivable serializes on).
	LockLeaders(ctx context.Context, leaderIDs []int64) error
	// OpenCarries lists the leaders' closed or deferred shares not carried yet, oldest first.
	OpenCarries(ctx context.Context, leaderIDs []int64) (map[int64][]Share, error)
	// SaveItems inserts the items with their shares (filling ids) and marks each carried share
	// carried; bizerr.ErrConflict when one was carried meanwhile.
	SaveItems(ctx context.Context, items []Item) error
	// ExpireEntries moves an order's settleable entries to unresolved.
	ExpireEntries(ctx context.Context, orderID int64) error

	// Claim leases up to limit due items of the kind which (in its order), each with its
	// shares, adding one to each item's attempts: the fence of this claim.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int, which Claimable) ([]Item, error)
	// SaveItem writes the item's state, retriable, next_attempt_at, WeChat order id, last
	// error and finished_at, and releases its lease, if no later claim took it (fence: the
	// attempts it was claimed with); false otherwise.
	SaveItem(ctx context.Context, it *Item) (bool, error)
	// LockItem reads an item for update, with its shares.
	LockItem(ctx context.Context, id int64) (*Item, error)
	// LockItems reads items for update, in id order, with their shares.
	LockItems(ctx context.Context, ids []int64) ([]Item, error)
	// FinishItems writes the items finished at at (their state, WeChat order ids; last error
	// and lease cleared), the caller holding their rows' locks (LockItems) under the claims
	// they were read with; bizerr.ErrConflict when one is no longer active.
	FinishItems(ctx context.Context, items []Item, at time.Time) error
	// SaveShares writes the shares' results, fail reasons, detail ids and finish times.
	SaveShares(ctx context.Context, shares []Share) error
	// LockOrders locks the orders' rows in id order (what refunds of an order serialize on).
	LockOrders(ctx context.Context, orderIDs []int64) error
	// Owed reads the settleable commission of every leader of the keys' orders (a credit,
	// positive when owed), keyed by order and leader.
	Owed(ctx context.Context, keys []OrderLeader) (map[OrderLeader]int64, error)
	// SettleEntries marks the settleable entries of each order and leader settled.
	SettleEntries(ctx context.Context, keys []OrderLeader) error

	// Items lists a run's items in id order after afterID, of one state ("" for all).
	Items(ctx context.Context, runID int64, state ItemState, afterID int64, limit int) ([]Item, error)
	// Summary aggregates a run.
	Summary(ctx context.Context, runID int64) (Summary, error)
	// RetryFailed makes the run's retriable failed items pending again, due at now, unless the
	// transaction is active in another item; it returns how many.
	RetryFailed(ctx context.Context, runID int64, now time.Time) (int, error)
	// AtRisk lists paid profit-sharing transactions not yet finished whose deadline (paid_at +
	// window) falls before before, nearest first.
	AtRisk(ctx context.Context, paidBefore time.Time, limit int) ([]AtRisk, error)
	// SettledByDay sums the successful shares that finished in [from, to) per Beijing day and
	// level, in day then level order. The days before closedBefore (a Beijing midnight) are
	// closed: no share finishes on them any more, so their sums may be kept.
	SettledByDay(ctx context.Context, from, to, closedBefore time.Time) ([]DayLevel, error)
}

// Summary is what a run did.
type Summary struct {
	Items        int
	Shared       int // share items finished
	Unfrozen     int // items that unfroze a transaction (share items unfreeze the rest too)
	Active       int
	Failed       int
	Expired      int
	Amount       int64 // shared successfully
	ByLevel      map[int]int64
	ClosedAmount int64
	Deferred     int64
	// Failures counts failed items by error and closed shares by WeChat's reason.
	Failures map[string]int
}

// AtRisk is a transaction near (or past) its deadline, unsettled.
type AtRisk struct {
	OrderID       int64
	TransactionID string
	PaidAt        time.Time
	Deadline      time.Time
	Owed          int64
	ItemState     ItemState // "" when no run has taken it yet
}

// AddItems counts n items of a kind in a state.
func (s *Summary) AddItems(kind Kind, state ItemState, n int) {
	s.Items += n
	switch state {
	case ItemFinished:
		s.Unfrozen += n // a share item unfreezes the rest too (unfreeze_unsplit)
		if kind == KindShare {
			s.Shared += n
		}
	case ItemFailed:
		s.Failed += n
	case ItemExpired:
		s.Expired += n
	default:
		s.Active += n
	}
}

// AddShares counts n shares of a level with a result (and reason) and amount.
func (s *Summary) AddShares(level int, result Result, reason string, n int, amount int64) {
	switch result {
	case ResultSuccess:
		s.Amount += amount
		s.ByLevel[level] += amount
	case ResultClosed:
		s.ClosedAmount += amount
		s.Failures[reason] += n
	case ResultDeferred:
		s.Deferred += amount
	}
}

// DayLevel is the commission settled to the leaders of one level on one Beijing day.
type DayLevel struct {
	Day    string // YYYY-MM-DD
	Level  int
	Amount int64
}
