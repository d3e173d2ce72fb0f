package commission

import (
	"context"
	"errors"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// ErrNotALeader is a caller with the leader role but no leader record.
var ErrNotALeader = errors.New("the caller is not a leader")

// Views are what leaders and finance read: balances, entries, statements and totals. A leader
// only ever reads its own: the leader's reads take the caller, never a leader id.
type Views struct {
	repo    Repo
	leaders leader.Repo
	now     port.Clock
}

// NewViews builds the views.
func NewViews(repo Repo, leaders leader.Repo, now port.Clock) *Views {
	return &Views{repo: repo, leaders: leaders, now: now}
}

// Balance is a leader's commission by where it is, in fen, all non-negative in the normal case:
// Owed is what the leader owes from refunds of commission already paid out.
type Balance struct {
	LeaderID   int64
	Pending    int64
	Settleable int64
	Settled    int64
	// Unresolved is commission whose transaction passed WeChat's deadline unsettled: finance
	// pays it by hand.
	Unresolved int64
	Owed       int64
}

// Statement is a leader's month: Closing = Opening + Earned − Reversed − Settled, where the
// balance is what the platform still owes the leader (pending + settleable − owed).
type Statement struct {
	LeaderID      int64
	Month         string
	From, To      time.Time
	Opening       int64
	EarnedByLevel map[int]int64
	Earned        int64
	Reversed      int64
	Settled       int64
	Owed          int64
	Closing       int64
	// Discounts are the promotions on the orders the leader served that were paid in the
	// period, dated as finance's day reports date them (by the order's paid time), so the
	// leaders' statements of a day add up to the day's figures. LeaderFunded is what the
	// leader's level-0 commission bore of their coupons, already left out of Earned; Earned is
	// dated by the ledger's posting of the payment, moments later, so an order paid in the last
	// moments of a period can have its commission in the next.
	Discounts Discounts
}

// Me is the caller's leader id; ErrNotALeader when the caller has none.
func (v *Views) Me(ctx context.Context, p identity.Principal) (int64, error) {
	l, err := v.leaders.GetByUser(ctx, p.ID)
	if errors.Is(err, bizerr.ErrNotFound) {
		return 0, ErrNotALeader
	}
	if err != nil {
		return 0, err
	}
	return l.ID, nil
}

// Balance is a leader's balance now: the cached balances of its accounts, and its payouts
// summed by the database (statements of a period still sum their postings).
func (v *Views) Balance(ctx context.Context, leaderID int64) (*Balance, error) {
	if _, err := v.leaders.Get(ctx, leaderID); err != nil {
		return nil, err
	}
	b, err := v.repo.CurrentBalances(ctx, ledger.OwnerLeader, leaderID)
	if err != nil {
		return nil, err
	}
	// Each payout discharges settleable commission or, where a refund reversed it meanwhile,
	// adds to the receivable: its postings on the leader's accounts sum to what was paid.
	paid, err := v.repo.KindTotal(ctx, leaderID, KindSettled)
	if err != nil {
		return nil, err
	}
	return &Balance{LeaderID: leaderID, Pending: -b[ledger.Pending], Settleable: -b[ledger.Settleable],
		Settled: paid, Unresolved: -b[ledger.Unresolved], Owed: b[ledger.Receivable]}, nil
}

// Entries lists a leader's entries, newest first.
func (v *Views) Entries(ctx context.Context, leaderID, beforeID int64, limit int) ([]Entry, error) {
	return v.repo.LeaderEntries(ctx, leaderID, beforeID, limit)
}

// owed is what the platform still owes from balances: pending + settleable + unresolved −
// receivable.
func owed(b map[ledger.Purpose]int64) int64 {
	return -b[ledger.Pending] - b[ledger.Settleable] - b[ledger.Unresolved] - b[ledger.Receivable]
}

// Statement is a leader's statement of month ("YYYY-MM", China time).
func (v *Views) Statement(ctx context.Context, leaderID int64, month string) (*Statement, error) {
	from, err := time.ParseInLocation("2006-01", month, bjtime.Zone)
	if err != nil {
		return nil, bizerr.Invalid("month", "must be YYYY-MM")
	}
	s, err := v.statement(ctx, leaderID, from, from.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	s.Month = month
	return s, nil
}

// MaxPeriodDays is the longest period a statement covers.
const MaxPeriodDays = 366

// PeriodStatement is a leader's statement of the China dates [from, to) ("YYYY-MM-DD", to
// exclusive, at most MaxPeriodDays days); Month is empty. A period of one calendar month gives
// exactly that month's Statement.
func (v *Views) PeriodStatement(ctx context.Context, leaderID int64, from, to string) (*Statement, error) {
	f, t, err := bjtime.Period(from, to, MaxPeriodDays)
	if err != nil {
		return nil, err
	}
	return v.statement(ctx, leaderID, f, t)
}

// statement is a leader's statement of [from, to).
func (v *Views) statement(ctx context.Context, leaderID int64, from, to time.Time) (*Statement, error) {
	if _, err := v.leaders.Get(ctx, leaderID); err != nil {
		return nil, err
	}
	s := &Statement{LeaderID: leaderID, From: from.UTC(), To: to.UTC()}
	open, err := v.repo.Balances(ctx, ledger.OwnerLeader, leaderID, s.From)
	if err != nil {
		return nil, err
	}
	end, err := v.repo.Balances(ctx, ledger.OwnerLeader, leaderID, s.To)
	if err != nil {
		return nil, err
	}
	moves, err := v.repo.Movements(ctx, leaderID, s.From, s.To)
	if err != nil {
		return nil, err
	}
	for _, m := range moves {
		switch {
		case m.Kind == KindPaid && m.Purpose == ledger.Pending:
			s.Earned -= m.Amount
		case m.Kind == KindRefund:
			s.Reversed += m.Amount
		case m.Kind == KindSettled:
			s.Settled += m.Amount
		}
	}
	if s.EarnedByLevel, err = v.repo.EarnedByLevel(ctx, leaderID, s.From, s.To); err != nil {
		return nil, err
	}
	if s.Discounts, err = v.repo.ServedDiscounts(ctx, leaderID, s.From, s.To); err != nil {
		return nil, err
	}
	s.Opening, s.Closing, s.Owed = owed(open), owed(end), end[ledger.Receivable]
	return s, nil
}

// TrialBalance is every account's balance by owner kind and purpose; the total is zero.
func (v *Views) TrialBalance(ctx context.Context) ([]AccountTotal, int64, error) {
	ts, err := v.repo.TrialBalance(ctx)
	if err != nil {
		return nil, 0, err
	}
	var sum int64
	for _, t := range ts {
		sum += t.Balance
	}
	return ts, sum, nil
}

// Accounts is every ledger account with its balance, by account id; the balances sum to zero.
func (v *Views) Accounts(ctx context.Context) ([]AccountBalance, error) {
	return v.repo.AccountBalances(ctx)
}

// GridTotals is the commission of orders paid in [from, to) per grid.
func (v *Views) GridTotals(ctx context.Context, from, to time.Time) ([]GridTotal, error) {
	if !to.After(from) {
		return nil, bizerr.Invalid("to", "must be after from")
	}
	return v.repo.GridTotals(ctx, from, to)
}
