// Package commission credits leaders for their shoppers' orders and their recruits' orders:
// the versioned plans of override rates, the split of each paid line between the leaders of the
// recruiting chain and the platform, the reversals of refunds, and the move of commission out of
// the after-sales window. Money moves only through the ledger (internal/biz/ledger); the entries
// kept here say which order, line and level caused each amount.
//
// The arithmetic is integer fen and basis points: a share is floor(base × bp / 10000), the
// remainder stays with the platform, and reversals are cumulative floors so that they never
// exceed what was credited and a full refund reverses exactly the credit.
package commission

import (
	"slices"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// BasisPoints is 100%.
const BasisPoints = ratio.Whole

// Share is what one leader earns from one order line at one level.
type Share struct {
	LineID   int64
	LeaderID int64
	Level    int
	Base     int64 // the line's amount, fen
	RateBP   int
	Amount   int64 // fen
}

// LineInput is one paid line and its level-0 rate (the batch item's commission).
type LineInput struct {
	LineID int64
	Amount int64 // fen: what was paid for the line, after every discount
	RateBP int   // level 0
	// LeaderFunded is what the serving leader's level-0 share of the line bears of a coupon the
	// leader funds: taken off that share, never below zero.
	LeaderFunded int64
}

// ShareOf is floor(base × bp / 10000), 0 for a non-positive base or rate. Amounts in fen fit an
// int64 many times over once multiplied by at most 10000.
func ShareOf(base int64, bp int) int64 { return ratio.Of(base, bp) }

// CapOf is the most commission a payment of amount may carry under capBP.
func CapOf(amount int64, capBP int) int64 { return ShareOf(amount, capBP) }

// Split shares every line of a payment: level 0 to chain[0] (the order's leader) at the line's
// rate, level k to chain[k] at overrides[k-1]. Levels beyond the shorter of chain and
// overrides earn nothing. Shares of zero are left out. The cap holds line by line — a line's
// shares never exceed floor(line × capBP / 10000), so neither does the payment's total, and a
// refund of a line never reverses more than the line carried. Above it (a misconfiguration:
// plans and batch items are validated against the cap) the excess is cut from the highest level
// down, so the serving leader keeps its share longest.
func Split(lines []LineInput, chain []int64, overrides []int, capBP int) []Share {
	var out []Share
	for _, l := range lines {
		out = append(out, splitLine(l, chain, overrides, capBP)...)
	}
	return out
}

func splitLine(l LineInput, chain []int64, overrides []int, capBP int) []Share {
	var out []Share
	var total int64
	for level, leaderID := range chain {
		rate := l.RateBP
		if level > 0 {
			if level > len(overrides) {
				break
			}
			rate = overrides[level-1]
		}
		s := ShareOf(l.Amount, rate)
		if s <= 0 {
			continue
		}
		out = append(out, Share{LineID: l.LineID, LeaderID: leaderID, Level: level, Base: l.Amount, RateBP: rate, Amount: s})
		total += s
	}
	excess := total - CapOf(l.Amount, capBP)
	for i := len(out) - 1; i >= 0 && excess > 0; i-- {
		cut := min(out[i].Amount, excess)
		out[i].Amount -= cut
		excess -= cut
	}
	if len(out) > 0 && out[0].Level == 0 {
		out[0].Amount -= min(max(l.LeaderFunded, 0), out[0].Amount)
	}
	return nonZero(out)
}

// Within cuts a payment's shares to ceiling, WeChat's maximum ratio of the payment net of its
// fee (ratio.Limit.Cap): the excess is cut from the highest level down, and within a level from
// the last line back, so the serving leader keeps its share longest. Pricing decided it when the
// order was placed (promo.Quote.CommissionCut is the cut of the worst case, so the cut here is
// at most that); profit-sharing never meets a payment above its ratio.
func Within(shares []Share, ceiling int64) []Share {
	var total int64
	for _, s := range shares {
		total += s.Amount
	}
	excess := total - max(ceiling, 0)
	if excess <= 0 {
		return shares
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if shares[a].Level != shares[b].Level {
			return shares[b].Level - shares[a].Level
		}
		return b - a
	})
	out := slices.Clone(shares)
	for _, i := range order {
		if excess <= 0 {
			break
		}
		cut := min(out[i].Amount, excess)
		out[i].Amount -= cut
		excess -= cut
	}
	return nonZero(out)
}

func nonZero(out []Share) []Share {
	kept := out[:0]
	for _, s := range out {
		if s.Amount > 0 {
			kept = append(kept, s)
		}
	}
	return kept
}

// Reversal is what a refund reverses of a credit of amount on a line of qty units, when
// refundedQty units of the line are refunded in all and reversed was reversed before:
// floor(amount × refundedQty / qty) − reversed, never negative and never beyond the credit.
func Reversal(amount, reversed, qty, refundedQty int64) int64 {
	if qty <= 0 || amount <= 0 {
		return 0
	}
	refundedQty = min(max(refundedQty, 0), qty)
	target := amount * refundedQty / qty
	return min(max(target-reversed, 0), amount-reversed)
}

// Ledger transaction kinds and keys of commission.
const (
	KindPaid       = "order_paid"
	KindRefund     = "order_refund"
	KindSettleable = "commission_settleable"
	// KindSettled is a payout through profit-sharing: the leader's settleable commission (or,
	// for commission refunded meanwhile, its receivable) is discharged and clearing pays it.
	// The leader's settled total is the sum of these movements.
	KindSettled = "commission_settled"
)

// PaidKey, RefundKey and SettleableKey are the idempotency keys of an order's transactions.
func PaidKey(orderID int64) string { return "order/" + strconv.FormatInt(orderID, 10) + "/paid" }

func RefundKey(orderID int64, refundNo string) string {
	return "order/" + strconv.FormatInt(orderID, 10) + "/refund/" + refundNo
}

func SettleableKey(orderID int64) string {
	return "order/" + strconv.FormatInt(orderID, 10) + "/settleable"
}

// PaidTx is the payment of amount: clearing gains it, each share is credited to its leader's
// pending commission and the rest to the platform's revenue.
func PaidTx(orderID int64, grid string, amount int64, shares []Share) ledger.Tx {
	tx := ledger.Tx{Key: PaidKey(orderID), Kind: KindPaid, OrderID: orderID, GridCell: grid}
	tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Clearing), Amount: amount})
	var sum int64
	for _, s := range shares {
		sum += s.Amount
		tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.LeaderAccount(s.LeaderID, ledger.Pending), Amount: -s.Amount})
	}
	tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Revenue), Amount: -(amount - sum)})
	return tx.Compact()
}

// Reverse is the reversal of one entry by a refund: from the account the entry's money is in.
type Reverse struct {
	LeaderID int64
	State    State
	Amount   int64
}

// RefundTx is a refund of amount: clearing gives it back, each reversal is debited where the
// commission is (pending, settleable, or — once paid out — the leader's receivable, a debt), and
// revenue gives back the rest.
func RefundTx(orderID int64, grid, refundNo string, amount int64, reversals []Reverse) ledger.Tx {
	tx := ledger.Tx{Key: RefundKey(orderID, refundNo), Kind: KindRefund, OrderID: orderID, GridCell: grid}
	tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Clearing), Amount: -amount})
	var sum int64
	for _, r := range reversals {
		sum += r.Amount
		tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.LeaderAccount(r.LeaderID, r.State.purpose()), Amount: r.Amount})
	}
	tx.Postings = append(tx.Postings, ledger.Posting{Account: ledger.PlatformAccount(ledger.Revenue), Amount: amount - sum})
	return tx.Compact()
}

// Release is a leader's commission of one order leaving the after-sales window, with the
// leader's receivable (what it owes from refunds after payout) before it.
type Release struct {
	LeaderID   int64
	Amount     int64
	Receivable int64
}

// SettleableTx moves each leader's pending commission to settleable, paying off its receivable
// first: pending +x, receivable −min(x, owed), settleable −(x − that).
func SettleableTx(orderID int64, grid string, releases []Release) ledger.Tx {
	tx := ledger.Tx{Key: SettleableKey(orderID), Kind: KindSettleable, OrderID: orderID, GridCell: grid}
	for _, r := range releases {
		if r.Amount <= 0 {
			continue
		}
		paid := min(r.Amount, max(r.Receivable, 0))
		tx.Postings = append(tx.Postings,
			ledger.Posting{Account: ledger.LeaderAccount(r.LeaderID, ledger.Pending), Amount: r.Amount},
			ledger.Posting{Account: ledger.LeaderAccount(r.LeaderID, ledger.Receivable), Amount: -paid},
			ledger.Posting{Account: ledger.LeaderAccount(r.LeaderID, ledger.Settleable), Amount: -(r.Amount - paid)})
	}
	return tx.Compact()
}

// State is where an entry's commission is:
//
//	pending ─after-sales window─▶ settleable ─shared to the leader─▶ settled
//	                              settleable ─deadline passed unshared─▶ unresolved (finance)
type State string

const (
	StatePending    State = "pending"
	StateSettleable State = "settleable"
	StateSettled    State = "settled"
	StateUnresolved State = "unresolved"
)

// Lifecycle is the commission entry's state machine. Settlement moves entries in sets
// (settleable → settled, settleable → unresolved): its store takes the from states here.
var Lifecycle = lifecycle.New("commission entry",
	[]State{StatePending, StateSettleable, StateSettled, StateUnresolved},
	map[State][]State{
		StatePending:    {StateSettleable},
		StateSettleable: {StateSettled, StateUnresolved},
	})

func (s State) purpose() ledger.Purpose {
	switch s {
	case StateSettleable:
		return ledger.Settleable
	case StateSettled:
		return ledger.Receivable
	}
	return ledger.Pending
}
