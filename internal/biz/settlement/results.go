package settlement

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// ReasonMissing closes a share that a finished order does not mention: WeChat did not pay it.
const ReasonMissing = "MISSING_IN_RESULT"

// UnfreezeDescription is how WeChat describes the line of a finished order that unfreezes the
// rest to the merchant itself: it is no share of ours.
const UnfreezeDescription = "解冻给分账方"

// ApplyResults records WeChat's receiver results on the item's pending shares (one result per
// account covers all its shares) and reports whether the order is final. WeChat's own line
// that unfreezes the rest to the merchant has no share.
func ApplyResults(it *Item, o payment.SharingOrder, now time.Time) (final bool) {
	final = o.State == payment.SharingFinished
	got := map[receiverKey]payment.ShareResult{}
	for _, r := range o.Receivers {
		if r.Description != UnfreezeDescription {
			got[receiverKey{r.Type, r.Account}] = r
		}
	}
	for i := range it.Shares {
		s := &it.Shares[i]
		if s.Result != ResultPending {
			continue
		}
		r, ok := got[s.receiver()]
		switch {
		case ok && r.Result == payment.ShareResultSuccess:
			s.Result, s.DetailID, s.FinishedAt = ResultSuccess, r.DetailID, finishTime(r.FinishTime, now)
		case ok && r.Result == payment.ShareResultClosed:
			s.Result, s.FailReason, s.DetailID, s.FinishedAt = ResultClosed, r.FailReason, r.DetailID, finishTime(r.FinishTime, now)
		case !ok && final:
			s.Result, s.FailReason, s.FinishedAt = ResultClosed, ReasonMissing, now
		}
	}
	return final
}

func finishTime(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// OrderLeader names one leader's commission of one order.
type OrderLeader struct {
	OrderID  int64
	LeaderID int64
}

// Paid lists the orders and leaders the item paid: their entries are settled.
func Paid(it *Item) []OrderLeader {
	var out []OrderLeader
	for _, s := range it.Shares {
		k := OrderLeader{s.SourceOrderID, s.LeaderID}
		if s.Result == ResultSuccess && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func contains(ks []OrderLeader, k OrderLeader) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// SettledTxs posts what the item paid: clearing pays out each successful share, which leaves
// the leader's settleable commission of its order. owed is that commission now (a credit
// balance, positive); a share above it — a refund reversed part of the commission while WeChat
// was paying it — leaves the excess as the leader's receivable, which later commission pays
// off. The item's own order is one transaction, each carried share one of its own.
func SettledTxs(it *Item, owed map[OrderLeader]int64) []ledger.Tx {
	txs := []ledger.Tx{{Key: SettledKey(it.RunID, it.OrderID), Kind: KindSettled, OrderID: it.OrderID, GridCell: it.GridCell}}
	at := map[string]int{txs[0].Key: 0}
	for _, s := range it.Shares {
		if s.Result != ResultSuccess {
			continue
		}
		k := OrderLeader{s.SourceOrderID, s.LeaderID}
		from := min(s.Amount, max(owed[k], 0))
		owed[k] -= from
		postings := []ledger.Posting{
			{Account: ledger.LeaderAccount(s.LeaderID, ledger.Settleable), Amount: from},
			{Account: ledger.LeaderAccount(s.LeaderID, ledger.Receivable), Amount: s.Amount - from},
			{Account: ledger.PlatformAccount(ledger.Clearing), Amount: -s.Amount},
		}
		key := txs[0].Key
		if s.RetryOf != 0 {
			key = CarriedKey(it.RunID, s.SourceOrderID, s.LeaderID)
		}
		i, ok := at[key]
		if !ok {
			i, at[key] = len(txs), len(txs)
			txs = append(txs, ledger.Tx{Key: key, Kind: KindSettled, OrderID: s.SourceOrderID})
		}
		txs[i].Postings = append(txs[i].Postings, postings...)
	}
	// What a refund reversed beyond what the leader is still owed from the order (it raced the
	// selection) leaves the order owing the leader less than nothing: that debt moves to the
	// receivable now, since the order's item is its last.
	for _, k := range sortedKeys(owed) {
		if k.OrderID == it.OrderID && owed[k] < 0 {
			txs[0].Postings = append(txs[0].Postings,
				ledger.Posting{Account: ledger.LeaderAccount(k.LeaderID, ledger.Settleable), Amount: owed[k]},
				ledger.Posting{Account: ledger.LeaderAccount(k.LeaderID, ledger.Receivable), Amount: -owed[k]})
			owed[k] = 0
		}
	}
	out := txs[:0]
	for _, tx := range txs {
		if tx = tx.Compact(); len(tx.Postings) > 0 {
			out = append(out, tx)
		}
	}
	return out
}

func sortedKeys(m map[OrderLeader]int64) []OrderLeader {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b OrderLeader) int {
		return cmp.Or(cmp.Compare(a.OrderID, b.OrderID), cmp.Compare(a.LeaderID, b.LeaderID))
	})
	return keys
}
