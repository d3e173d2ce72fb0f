package settlement

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// Candidate is a paid transaction a run may take, with what it owes.
type Candidate struct {
	OrderID       int64
	GridCell      string
	TransactionID string
	// Amount is the payment's total, Refunded what refunds gave back of it, in fen.
	Amount   int64
	Refunded int64
	PaidAt   time.Time
	// Owed is each leader's settleable commission of the order.
	Owed []Owed
}

// Owed is one leader's settleable commission of one order: what the order's postings left on
// the leader's settleable account (netting and reversals included).
type Owed struct {
	LeaderID int64
	Level    int
	Amount   int64
}

// Receiver is a leader as a profit-sharing receiver.
type Receiver struct {
	LeaderID int64
	// Type is payment.ReceiverPersonalOpenID (Account: the leader's openid under the
	// mini-program's app id) or payment.ReceiverMerchantID (Account: the merchant id of the
	// company that runs the pickup point).
	Type    string
	Account string
	// Registered: WeChat accepted the leader as a receiver and it was not removed since.
	Registered bool
}

// Net is a receivable paid off from an order's commission before anything is shared (or, when
// negative, a debt the order's refunds left on settleable, moved to the receivable).
type Net struct {
	LeaderID int64
	Amount   int64
}

// Planner builds items from candidates. It carries state across the candidates of one
// selection: receivables left to net and earlier shares left to carry, each used once.
type Planner struct {
	cfg        Config
	runID      int64
	receivers  map[int64]Receiver
	receivable map[int64]int64
	carries    map[int64][]Share
}

// NewPlanner plans for run with the leaders' receivers, receivables (what each owes, > 0) and
// carries (earlier shares closed or deferred that a later item may pay, oldest first).
func NewPlanner(cfg Config, runID int64, receivers map[int64]Receiver, receivable map[int64]int64, carries map[int64][]Share) *Planner {
	return &Planner{cfg: cfg, runID: runID, receivers: receivers, receivable: receivable, carries: carries}
}

// Plan is the item for c and the receivables it nets off. Shares are asked for level by level
// up to the transaction's limit; what does not fit, or whose receiver is not registered, is
// deferred to a later item of the same leader. Carried shares ride along where they fit whole,
// only for leaders that are receivers (a removed leader's share stays with finance). Nothing
// to share makes the item an unfreeze.
func (p *Planner) Plan(c Candidate) (Item, []Net) {
	it := Item{RunID: p.runID, OrderID: c.OrderID, GridCell: c.GridCell, TransactionID: c.TransactionID,
		Deadline: p.cfg.Deadline(c.PaidAt), State: ItemPending}
	owed := slices.Clone(c.Owed)
	slices.SortStableFunc(owed, func(a, b Owed) int { return cmp.Or(cmp.Compare(a.Level, b.Level), cmp.Compare(a.LeaderID, b.LeaderID)) })
	nets := p.net(owed)
	room := p.limit(c)
	for _, o := range owed {
		if o.Amount <= 0 {
			continue
		}
		r := p.receivers[o.LeaderID]
		s := Share{RunID: p.runID, LeaderID: o.LeaderID, Level: o.Level, SourceOrderID: c.OrderID,
			ReceiverType: r.Type, Account: r.Account, Amount: o.Amount, Result: ResultPending}
		switch {
		case !r.Registered:
			s.Result, s.FailReason = ResultDeferred, ReasonNotRegistered
		case o.Amount > room:
			if room > 0 {
				part := s
				part.Amount = room
				it.Shares = append(it.Shares, part)
				s.Amount -= room
				room = 0
			}
			s.Result, s.FailReason = ResultDeferred, ReasonOverCap
		default:
			room -= o.Amount
		}
		it.Shares = append(it.Shares, s)
	}
	p.carry(&it, owed, room)
	p.finish(&it)
	return it, nets
}

// net pays each leader's receivable off its commission of the order first. An order that owes
// a leader less than nothing (a refund reversed commission that had already paid a receivable
// off) hands the difference back to the receivable, where later commission pays it.
func (p *Planner) net(owed []Owed) []Net {
	var nets []Net
	for i := range owed {
		o := &owed[i]
		if o.Amount < 0 {
			nets = append(nets, Net{LeaderID: o.LeaderID, Amount: o.Amount})
			p.receivable[o.LeaderID] -= o.Amount
			o.Amount = 0
			continue
		}
		n := min(o.Amount, p.receivable[o.LeaderID])
		if n <= 0 {
			continue
		}
		o.Amount -= n
		p.receivable[o.LeaderID] -= n
		nets = append(nets, Net{LeaderID: o.LeaderID, Amount: n})
	}
	return nets
}

// limit is what the transaction may still share: the ratio cap, and no more than is left of it
// after WeChat's fee and the refunds.
func (p *Planner) limit(c Candidate) int64 {
	return max(min(p.cfg.Cap(c.Amount), c.Amount-p.cfg.Fee(c.Amount)-c.Refunded), 0)
}

// carry adds the earlier shares of the order's registered leaders that fit whole, oldest first.
func (p *Planner) carry(it *Item, owed []Owed, room int64) {
	for _, o := range owed {
		r := p.receivers[o.LeaderID]
		if !r.Registered {
			continue
		}
		left := p.carries[o.LeaderID][:0:0]
		for _, old := range p.carries[o.LeaderID] {
			if old.Amount > room {
				left = append(left, old)
				continue
			}
			room -= old.Amount
			it.Shares = append(it.Shares, Share{RunID: p.runID, LeaderID: o.LeaderID, Level: old.Level,
				SourceOrderID: old.SourceOrderID, ReceiverType: r.Type, Account: r.Account, Amount: old.Amount,
				Result: ResultPending, RetryOf: old.ID})
		}
		p.carries[o.LeaderID] = left
	}
}

// finish sets the item's kind, amount and out_order_no from its shares.
func (p *Planner) finish(it *Item) {
	for _, s := range it.Shares {
		if s.Result == ResultPending {
			it.Amount += s.Amount
		}
	}
	if it.Amount > 0 && len(accounts(it.Shares)) <= MaxReceiversPerRequest {
		it.Kind, it.OutOrderNo = KindShare, payment.OutOrderNo(p.runID, it.OrderID)
		return
	}
	it.Kind, it.OutOrderNo = KindUnfreeze, payment.OutUnfreezeNo(it.OrderID)
}

// receiverKey names one receiver of a request.
type receiverKey struct{ typ, account string }

func (s *Share) receiver() receiverKey { return receiverKey{s.ReceiverType, s.Account} }

// accounts lists the receivers an item asks WeChat to pay, each once.
func accounts(shares []Share) []receiverKey {
	var out []receiverKey
	for i := range shares {
		if k := shares[i].receiver(); shares[i].Result == ResultPending && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Request is the profit-sharing request of a share item: one receiver per account (a leader's
// own and carried shares are paid as one amount), unfreezing the rest.
func Request(it *Item) payment.SharingInput {
	in := payment.SharingInput{OutOrderNo: it.OutOrderNo, TransactionID: it.TransactionID, UnfreezeUnsplit: true}
	for _, k := range accounts(it.Shares) {
		var sum int64
		for i := range it.Shares {
			if s := &it.Shares[i]; s.Result == ResultPending && s.receiver() == k {
				sum += s.Amount
			}
		}
		in.Shares = append(in.Shares, payment.Share{Type: k.typ, Account: k.account, Amount: sum,
			Description: "团长佣金 订单" + strconv.FormatInt(it.OrderID, 10)})
	}
	return in
}

// NettedTx pays receivables off an order's settleable commission.
func NettedTx(runID, orderID int64, grid string, nets []Net) ledger.Tx {
	tx := ledger.Tx{Key: NettedKey(runID, orderID), Kind: KindNetted, OrderID: orderID, GridCell: grid}
	for _, n := range nets {
		tx.Postings = append(tx.Postings,
			ledger.Posting{Account: ledger.LeaderAccount(n.LeaderID, ledger.Settleable), Amount: n.Amount},
			ledger.Posting{Account: ledger.LeaderAccount(n.LeaderID, ledger.Receivable), Amount: -n.Amount})
	}
	return tx
}

// ExpiredTx moves an order's settleable commission, which can no longer be shared, to the
// leaders' unresolved accounts for finance.
func ExpiredTx(orderID int64, grid string, owed []Owed) ledger.Tx {
	tx := ledger.Tx{Key: ExpiredKey(orderID), Kind: KindExpired, OrderID: orderID, GridCell: grid}
	for _, o := range owed {
		if o.Amount > 0 {
			tx.Postings = append(tx.Postings,
				ledger.Posting{Account: ledger.LeaderAccount(o.LeaderID, ledger.Settleable), Amount: o.Amount},
				ledger.Posting{Account: ledger.LeaderAccount(o.LeaderID, ledger.Unresolved), Amount: -o.Amount})
		}
	}
	return tx
}
