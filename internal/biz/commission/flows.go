package commission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Flows credits, reverses and releases commission as orders are paid, refunded and completed.
// Every handler works under the order's row lock in one transaction with its ledger postings,
// and each ledger transaction has a key derived from its cause, so a redelivered event changes
// nothing and two replicas never credit one order twice.
type Flows struct {
	repo    Repo
	orders  order.Repo
	leaders leader.Repo
	book    Poster
	tx      port.Transactor
	cfg     Config
	now     port.Clock
}

// NewFlows builds the flows.
func NewFlows(repo Repo, orders order.Repo, leaders leader.Repo, book Poster, tx port.Transactor, cfg Config, now port.Clock) *Flows {
	return &Flows{repo: repo, orders: orders, leaders: leaders, book: book, tx: tx, cfg: cfg, now: now}
}

// The flows handle order events (the event map in internal/server/events.go subscribes them).
// Cancelled (unpaid) orders owe nothing; a batch cancellation refunds its paid orders in full,
// which OnRefunded reverses like any refund.

// OnPaid credits a paid order.
func (f *Flows) OnPaid(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	return f.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := f.orders.Lock(ctx, ch.OrderID)
		if err != nil {
			return fmt.Errorf("order %d of paid event: %w", ch.OrderID, err)
		}
		_, err = f.credit(ctx, o)
		return err
	})
}

// credit writes the order's payment to the ledger and its entries, unless done already, and
// returns the entries. Called under the order's lock by every handler, so a refund or completion
// delivered before the payment still finds the payment credited first.
func (f *Flows) credit(ctx context.Context, o *order.Order) ([]Entry, error) {
	if o.PaidAt.IsZero() {
		return nil, fmt.Errorf("order %d is %s and was never paid: %w", o.ID, o.Status, bizerr.ErrConflict)
	}
	entries, err := f.repo.OrderEntries(ctx, o.ID)
	if err != nil || len(entries) > 0 {
		return entries, err
	}
	l, err := f.leaders.Get(ctx, o.LeaderID)
	if err != nil {
		return nil, fmt.Errorf("leader %d of order %d: %w", o.LeaderID, o.ID, err)
	}
	chain := append([]int64{l.ID}, l.Upline...)
	chain = chain[:min(len(chain), f.cfg.Levels)]
	plans, err := f.repo.Plans(ctx, o.GridCell, "")
	if err != nil {
		return nil, err
	}
	plan := InForce(plans, o.GridCell, o.PaidAt)
	var rates []int
	var planID int64
	if plan != nil {
		rates, planID = plan.Rates, plan.ID
	}
	lines := make([]LineInput, len(o.Lines))
	for i, ln := range o.Lines {
		lines[i] = LineInput{LineID: ln.ID, Amount: ln.Amount, RateBP: ln.CommissionBP, LeaderFunded: ln.LeaderFunded}
	}
	shares := Split(lines, chain, rates, f.cfg.CapBP)
	if f.cfg.Share.MaxBP > 0 {
		shares = Within(shares, f.cfg.Share.Cap(o.Amount))
	}
	if o.Amount > 0 {
		if _, err := f.book.Post(ctx, PaidTx(o.ID, o.GridCell, o.Amount, shares)); err != nil {
			return nil, fmt.Errorf("post payment of order %d: %w", o.ID, err)
		}
	}
	if len(shares) == 0 {
		return nil, nil
	}
	for _, s := range shares {
		e := Entry{OrderID: o.ID, LineID: s.LineID, LeaderID: s.LeaderID, Level: s.Level, Base: s.Base,
			RateBP: s.RateBP, Amount: s.Amount, GridCell: o.GridCell, State: StatePending, PaidAt: o.PaidAt}
		if s.Level > 0 {
			e.PlanID = planID
		}
		entries = append(entries, e)
	}
	if err := f.repo.AddEntries(ctx, entries); err != nil {
		return nil, err
	}
	return f.repo.OrderEntries(ctx, o.ID)
}

// OnRefunded reverses the refunded part of each entry of the order's lines. Reversals are
// cumulative: each entry is brought to floor(amount × refunded units / units) of the line as
// the order now records it, so they never exceed the credit, a full refund reverses all of it,
// and refunds handled out of order still add up. Commission still in the after-sales window or
// settleable is taken back from there; commission already paid out becomes the leader's
// receivable, which its next commission pays off.
func (f *Flows) OnRefunded(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	refundNo := ch.RefundNo
	if refundNo == "" {
		refundNo = "event-" + strconv.FormatInt(e.ID, 10)
	}
	return f.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := f.orders.Lock(ctx, ch.OrderID)
		if err != nil {
			return fmt.Errorf("order %d of refund event: %w", ch.OrderID, err)
		}
		entries, err := f.credit(ctx, o)
		if err != nil {
			return err
		}
		// Under the order's lock: a refund posted before had its entries updated with it, and
		// posting it again recomputed would differ (the ledger refuses a key with other postings).
		if done, err := f.repo.Posted(ctx, RefundKey(o.ID, refundNo)); err != nil || done {
			return err
		}
		changed, reversals := Reversals(o.Lines, entries)
		tx := RefundTx(o.ID, o.GridCell, refundNo, ch.RefundAmount, reversals)
		if len(tx.Postings) < 2 {
			return nil // nothing moves
		}
		n, err := f.book.Post(ctx, tx)
		if err != nil {
			return fmt.Errorf("post refund %s of order %d: %w", refundNo, o.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("refund %s of order %d was posted meanwhile: %w", refundNo, o.ID, bizerr.ErrConflict)
		}
		return f.repo.UpdateEntries(ctx, changed)
	})
}

// Reversals brings each entry's reversed amount to what its line's refunded units call for and
// returns the entries that changed (updated) with what each reversal takes back, and from where.
func Reversals(lines []order.Line, entries []Entry) ([]Entry, []Reverse) {
	byID := make(map[int64]*order.Line, len(lines))
	for i := range lines {
		byID[lines[i].ID] = &lines[i]
	}
	var changed []Entry
	var out []Reverse
	for _, e := range entries {
		ln := byID[e.LineID]
		if ln == nil {
			continue
		}
		r := Reversal(e.Amount, e.Reversed, ln.Quantity, ln.RefundedQty)
		if r <= 0 {
			continue
		}
		e.Reversed += r
		changed = append(changed, e)
		out = append(out, Reverse{LeaderID: e.LeaderID, State: e.State, Amount: r})
	}
	return changed, out
}

// OnCompleted moves the order's pending commission to settleable once the goods were picked up
// and the after-sales window passed, paying off first what each leader owes from refunds after
// payout.
func (f *Flows) OnCompleted(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	// A completion delivered before its payment credits the payment in a transaction of its
	// own first: crediting locks ledger accounts, release locks leaders before it posts, and
	// both in one transaction would take the two in the opposite order to other completions
	// (a deadlock under load).
	if err := f.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := f.orders.Lock(ctx, ch.OrderID)
		if err != nil {
			return fmt.Errorf("order %d of completed event: %w", ch.OrderID, err)
		}
		_, err = f.credit(ctx, o)
		return err
	}); err != nil {
		return err
	}
	return f.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := f.orders.Lock(ctx, ch.OrderID)
		if err != nil {
			return fmt.Errorf("order %d of completed event: %w", ch.OrderID, err)
		}
		entries, err := f.repo.OrderEntries(ctx, o.ID)
		if err != nil {
			return err
		}
		return f.release(ctx, o, entries)
	})
}

func (f *Flows) release(ctx context.Context, o *order.Order, entries []Entry) error {
	left := map[int64]int64{}
	var pending []Entry
	for _, e := range entries {
		if e.State != StatePending {
			continue
		}
		pending = append(pending, e)
		left[e.LeaderID] += e.Left()
	}
	if len(pending) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(left))
	for id, x := range left {
		if x > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var releases []Release
	for _, id := range ids {
		// The leader's row lock serializes the netting of its receivable across orders.
		if _, err := f.leaders.Lock(ctx, id); err != nil {
			return fmt.Errorf("leader %d of order %d: %w", id, o.ID, err)
		}
		b, err := f.repo.Balances(ctx, ledger.OwnerLeader, id, timeZero)
		if err != nil {
			return err
		}
		releases = append(releases, Release{LeaderID: id, Amount: left[id], Receivable: b[ledger.Receivable]})
	}
	if tx := SettleableTx(o.ID, o.GridCell, releases); len(tx.Postings) >= 2 {
		n, err := f.book.Post(ctx, tx)
		if err != nil {
			return fmt.Errorf("post settleable commission of order %d: %w", o.ID, err)
		}
		if n == 0 {
			return errors.New("settleable commission of order " + strconv.FormatInt(o.ID, 10) +
				" was posted but its entries are pending")
		}
	}
	now := f.now()
	for i := range pending {
		if err := Lifecycle.Move(&pending[i].State, StateSettleable); err != nil {
			return err
		}
		pending[i].SettleableAt = now
	}
	return f.repo.UpdateEntries(ctx, pending)
}
