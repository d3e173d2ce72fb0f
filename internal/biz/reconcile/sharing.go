package reconcile

import (
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// shares compares the profit-sharing bill with our settlement items: the receiver lines with
// our shares, the lines that unfreeze the rest to ourselves with our finished items, and any
// return with nothing (we never ask for one: leaders are personal receivers, DESIGN).
func (m *matcher) shares(in Input) {
	var cur []line
	if b := in.Cur.Sharing; b != nil {
		for _, r := range b.Rows {
			switch {
			case r.BusinessType == payment.SharingBillReturn:
				m.r.Counts.BillReturns++
				m.diff(UnknownReturn, CategoryReturn, r.OutOrderNo, 0, r.Amount,
					"return of "+r.TransactionID+" from "+r.Account+" at "+beijing(r.FinishTime))
			case merchantSelf(r):
				m.r.Counts.BillUnfreezes++
				m.unfreeze(r, in.Items)
			default:
				cur = append(cur, shareLine(r))
			}
		}
	}
	m.r.Counts.BillShares = len(cur)
	ours := m.ourShares(in.Items)
	c := category{
		name:     CategoryShare,
		expected: func(o line) bool { return o.state == ShareSuccess },
		conflict: func(o, _ line) string {
			if o.state != ShareSuccess {
				return "WeChat paid it, ours is " + o.state
			}
			return ""
		},
	}
	m.compare(c, ours, sharingSide(in.Prev.Sharing), side{available: true, lines: m.index(c.name, "WeChat's bill", cur)},
		sharingSide(in.Next.Sharing))
}

// merchantSelf says whether a line pays ourselves: WeChat's unfreeze of the rest of a
// transaction to the merchant (解冻给分账方), which has no share row of ours.
func merchantSelf(r payment.SharingBillRow) bool {
	return r.BusinessType == payment.SharingBillUnfreeze || (r.MchID != "" && r.Account == r.MchID)
}

// shareRef keys a receiver's line of a profit-sharing order.
func shareRef(outOrderNo, account string) string { return outOrderNo + "/" + account }

func shareLine(r payment.SharingBillRow) line {
	return line{ref: shareRef(r.OutOrderNo, r.Account), at: r.FinishTime, amount: r.Amount, state: r.State}
}

// sharingSide is a neighbouring day's receiver lines.
func sharingSide(b *payment.SharingBill) side {
	if b == nil {
		return side{}
	}
	var lines []line
	for _, r := range b.Rows {
		if r.BusinessType != payment.SharingBillReturn && !merchantSelf(r) {
			lines = append(lines, shareLine(r))
		}
	}
	return quiet(true, lines)
}

// ourShares is one line per receiver of each item: WeChat pays a receiver once per order, so
// an item's shares to the same account (its own order's and a carried one) are one line,
// succeeded only if all did, at the latest finish.
func (m *matcher) ourShares(items []Item) map[string]line {
	out := map[string]line{}
	for _, it := range items {
		if it.Kind != ItemShare {
			continue
		}
		for _, s := range it.Shares {
			ref := shareRef(it.OutOrderNo, s.Account)
			at := s.FinishedAt
			if at.IsZero() {
				at = it.FinishedAt
			}
			l, seen := out[ref]
			if !seen {
				l = line{ref: ref, state: s.Result}
			}
			l.amount += s.Amount
			if l.state == ShareSuccess && s.Result != ShareSuccess {
				l.state = s.Result
			}
			if at.After(l.at) {
				l.at = at
			}
			out[ref] = l
		}
	}
	for _, l := range out {
		if l.state == ShareSuccess && m.inDay(l.at) {
			m.r.Counts.OurShares++
		}
	}
	return out
}

// unfreeze checks an unfreeze line against our items of its transaction: one must be
// finished; one still processing has not recorded what WeChat did.
func (m *matcher) unfreeze(r payment.SharingBillRow, items []Item) {
	processing := false
	for _, it := range items {
		if it.TransactionID != r.TransactionID {
			continue
		}
		if it.State == ItemFinished {
			m.r.Counts.Matched++
			return
		}
		processing = processing || it.State == ItemProcessing
	}
	if processing {
		m.diff(StateMismatch, CategoryUnfreeze, r.OutOrderNo, 0, r.Amount, "WeChat unfroze "+r.TransactionID+", our item is still processing")
		return
	}
	m.diff(MissingOurs, CategoryUnfreeze, r.OutOrderNo, 0, r.Amount, "WeChat unfroze "+r.TransactionID+", we have no finished item of it")
}
