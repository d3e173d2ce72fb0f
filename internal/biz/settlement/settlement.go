// Package settlement turns settleable commission into money in leaders' WeChat wallets through
// WeChat Pay profit-sharing (分账), one payment transaction at a time.
//
// A run is started with a cut-off. Selection saves, for every transaction whose commission was
// settleable at the cut-off, an item: one profit-sharing order naming every leader owed from it
// (out_order_no derived from the run and the order, unfreeze_unsplit so the rest goes back to
// the merchant), or an unfreeze where the transaction owes nothing. Workers on every replica
// then claim items under a lease, nearest WeChat's freeze deadline first, and call WeChat Pay.
// The request is saved before the first call and never changes, so a killed worker's item is
// sent again as the same request, which WeChat treats as one; a stale worker's writes are
// fenced off by the attempt count it claimed with. Results come from querying the order (WeChat
// notifies only merchant receivers, and every receiver here is a leader's openid), and a
// finished order posts the ledger: settleable becomes settled and clearing pays out.
//
// WeChat's rules this package applies, each where it is used:
//   - at most 50 receivers per request and 50 requests per transaction (请求分账 API,
//     pay.weixin.qq.com/doc/v3/merchant/4012525185);
//   - the total shared from a transaction at most the merchant's maximum ratio (30% unless
//     WeChat configured otherwise) of the amount net of WeChat's fee (same document);
//   - a transaction stays frozen for sharing only for a while after payment, then unfreezes by
//     itself (30 days for an ordinary merchant, configurable; DESIGN.md);
//   - 请求分账 accepts at most 300 requests a second per merchant and answers FREQUENCY_LIMITED
//     above it (the API document's 频率限制), and the query, unfreeze and return APIs have
//     limits of their own: every call waits for the merchant-wide pace of its operation
//     (pace.Pacer, shared by all replicas), and FREQUENCY_LIMITED slows the whole merchant;
//   - results are asynchronous (PROCESSING, then FINISHED with each receiver SUCCESS or CLOSED
//     with a reason) and notified only to MERCHANT_ID receivers (分账动账通知).
package settlement

import (
	"errors"

	"fmt"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/ratio"
)

// WeChat Pay's limits on one profit-sharing request and transaction (请求分账).
const (
	MaxReceiversPerRequest = 50
	MaxRequestsPerTxn      = 50
)

// RunState is where a run is.
type RunState string

const (
	RunRunning RunState = "running"
	RunDone    RunState = "done"
)

// Trigger says who started a run.
type Trigger string

const (
	TriggerFinance  Trigger = "finance"
	TriggerSchedule Trigger = "schedule"
	TriggerCommand  Trigger = "command"
)

// Run is one settlement.
type Run struct {
	ID         int64
	Key        string
	Cutoff     time.Time
	Trigger    Trigger
	StartedBy  int64
	State      RunState
	CreatedAt  time.Time
	SelectedAt time.Time
	FinishedAt time.Time
}

// Kind is what an item asks WeChat for.
type Kind string

const (
	// KindShare is a profit-sharing order with unfreeze_unsplit.
	KindShare Kind = "share"
	// KindUnfreeze gives a transaction that owes nothing back to the merchant (解冻剩余资金).
	KindUnfreeze Kind = "unfreeze"
)

// ItemState is where an item is.
//
//	pending ──accepted──▶ processing ──FINISHED──▶ finished
//	pending ──refused──▶ failed        pending ──deadline passed──▶ expired
//	pending ──answered at once, or refunded in full──▶ finished
//	processing ──unknown to WeChat──▶ pending     failed ──finance retries──▶ pending
type ItemState string

const (
	ItemPending    ItemState = "pending"
	ItemProcessing ItemState = "processing"
	ItemFinished   ItemState = "finished"
	ItemFailed     ItemState = "failed"
	ItemExpired    ItemState = "expired"
)

// ItemLifecycle is the settlement item's state machine, the only way an item's state moves.
var ItemLifecycle = lifecycle.New("settlement item",
	[]ItemState{ItemPending, ItemProcessing, ItemFinished, ItemFailed, ItemExpired},
	map[ItemState][]ItemState{
		ItemPending:    {ItemProcessing, ItemFinished, ItemFailed, ItemExpired},
		ItemProcessing: {ItemPending, ItemFinished},
		ItemFailed:     {ItemPending},
	})

// RetryStep is finance's retry of a run's failed items, a set-based move in the store.
var RetryStep = ItemLifecycle.Step(ItemPending, ItemFailed)

// Active reports whether the item still has work: a call to make or a result to follow.
func (s ItemState) Active() bool { return s == ItemPending || s == ItemProcessing }

// Item is one transaction of a run.
type Item struct {
	ID            int64
	RunID         int64
	OrderID       int64
	GridCell      string
	TransactionID string
	OutOrderNo    string
	Kind          Kind
	// Amount is what the item shares (0 for an unfreeze).
	Amount        int64
	Deadline      time.Time
	State         ItemState
	Retriable     bool
	Attempts      int
	NextAttemptAt time.Time
	WeChatOrderID string
	LastError     string
	CreatedAt     time.Time
	FinishedAt    time.Time
	Shares        []Share
	// LeaseUntil is when the claim that read the item lets it go (the use case notes it at
	// claim; it is not read back from the store).
	LeaseUntil time.Time
}

// Result is a share's outcome.
type Result string

const (
	ResultPending Result = "pending"
	ResultSuccess Result = "success"
	ResultClosed  Result = "closed"
	// ResultDeferred: not asked for in this item (over WeChat's cap, or the receiver is not
	// registered yet); a later item of the leader carries it.
	ResultDeferred Result = "deferred"
)

// Share is what an item pays one leader for one order's commission.
type Share struct {
	ID       int64
	ItemID   int64
	RunID    int64
	LeaderID int64
	Level    int
	// SourceOrderID is the order whose commission this is: the item's own, or an earlier one
	// whose share this item carries.
	SourceOrderID int64
	// ReceiverType and Account are the receiver paid (see Receiver).
	ReceiverType string
	Account      string
	Amount       int64
	Result       Result
	FailReason   string
	RetryOf      int64
	RetriedBy    int64
	DetailID     string
	FinishedAt   time.Time
}

// Reasons a share is deferred or closed by us rather than by WeChat.
const (
	ReasonOverCap       = "OVER_RATIO_CAP"
	ReasonNotRegistered = "RECEIVER_NOT_REGISTERED"
	ReasonExpired       = "SHARING_EXPIRED"
	ReasonRefunded      = "REFUNDED_IN_FULL"
)

// WeChat's fail reasons of a closed receiver (分账失败原因).
const (
	FailAccountAbnormal = "ACCOUNT_ABNORMAL"
	FailNoRelation      = "NO_RELATION"
	FailHighRisk        = "RECEIVER_HIGH_RISK"
	FailRealName        = "RECEIVER_REAL_NAME_NOT_VERIFIED"
	FailNoAuth          = "NO_AUTH"
	FailReceiptLimit    = "RECEIVER_RECEIPT_LIMIT"
	FailPayerAbnormal   = "PAYER_ACCOUNT_ABNORMAL"
)

// Config is settlement's configuration.
type Config struct {
	// FreezeWindow is how long WeChat keeps a transaction frozen for sharing after payment.
	FreezeWindow time.Duration
	// WarnBefore flags transactions this close to their deadline to finance.
	WarnBefore time.Duration
	// MaxRatioBP is the merchant's maximum profit-sharing ratio, in basis points of the
	// amount net of the fee.
	MaxRatioBP int
	// FeeBP is WeChat's fee rate in basis points (rounded half up to the fen, as WeChat does).
	FeeBP int
	// Concurrency is how many calls one process keeps in flight.
	Concurrency int
	// ClaimBatch is how many items a worker claims at once.
	ClaimBatch int
	// Lease is how long a claim keeps other workers off an item.
	Lease time.Duration
	// PollAfter is how long after acceptance the order is queried, and between queries.
	PollAfter time.Duration
	// RetryAfter is the first wait after a transient failure; it doubles up to RetryMax.
	RetryAfter time.Duration
	RetryMax   time.Duration
	// SelectBatch is how many transactions one selection transaction saves.
	SelectBatch int
	// FinishBatch is how many final answers one transaction finishes together, their payouts in
	// one ledger post; 0 or 1 finishes each item in a transaction of its own.
	FinishBatch int
	// DailyAt is the time of day (Beijing, "15:04") of the scheduled run; empty: no schedule.
	DailyAt string
}

// maxStatementParams is the most bind parameters PostgreSQL takes in one statement.
const maxStatementParams = 65535

// MaxFinishBatch is the largest FinishBatch: a group commit reads the settleable commission of
// every order its items pay (each item its own and up to MaxReceiversPerRequest carried ones)
// in one statement, within maxStatementParams with room to spare.
const MaxFinishBatch = 1000

// ErrInvalidConfig says a configuration value is out of range.
var ErrInvalidConfig = errors.New("invalid settlement configuration")

// Check refuses what cannot work. The defaults of unset values are filled before, where the
// configuration is loaded (internal/conf/defaults.go).
func (c Config) Check() error {
	switch {
	case c.MaxRatioBP < 0 || c.MaxRatioBP > 10000:
		return fmt.Errorf("%w: max_ratio_bp %d", ErrInvalidConfig, c.MaxRatioBP)
	case c.FeeBP < 0 || c.FeeBP >= 10000:
		return fmt.Errorf("%w: fee_bp %d", ErrInvalidConfig, c.FeeBP)
	case c.Concurrency < 0 || c.ClaimBatch < 0 || c.SelectBatch < 0 || c.FinishBatch < 0:
		return fmt.Errorf("%w: negative concurrency or batch", ErrInvalidConfig)
	case c.FinishBatch > MaxFinishBatch:
		return fmt.Errorf("%w: finish_batch %d is above %d: a group commit reads the commission of up to %d "+
			"orders an item in one statement, and PostgreSQL takes at most %d parameters", ErrInvalidConfig,
			c.FinishBatch, MaxFinishBatch, MaxReceiversPerRequest+1, maxStatementParams)
	case c.WarnBefore >= c.FreezeWindow || c.FreezeWindow < 0:
		return fmt.Errorf("%w: warn_before %s not within the freeze window %s", ErrInvalidConfig, c.WarnBefore, c.FreezeWindow)
	}
	if c.DailyAt != "" {
		if _, err := time.Parse("15:04", c.DailyAt); err != nil {
			return fmt.Errorf("%w: daily_at %q is not HH:MM", ErrInvalidConfig, c.DailyAt)
		}
	}
	return nil
}

// Fee is WeChat's fee on amount, rounded half up to the fen.
func (c Config) Fee(amount int64) int64 { return c.Limit().Fee(amount) }

// Cap is the most a transaction of amount may share in all: the maximum ratio of the amount
// net of the fee (rounded down, so a share at the cap is never refused).
func (c Config) Cap(amount int64) int64 { return c.Limit().Cap(amount) }

// Limit is the maximum ratio and the fee as pricing and commission apply them.
func (c Config) Limit() ratio.Limit { return ratio.Limit{MaxBP: c.MaxRatioBP, FeeBP: c.FeeBP} }

// Deadline is when a transaction paid at paidAt stops being shareable.
func (c Config) Deadline(paidAt time.Time) time.Time { return paidAt.Add(c.FreezeWindow) }

// Ledger transaction kinds and keys of settlement.
const (
	KindSettled = commission.KindSettled
	KindNetted  = "commission_netted"
	KindExpired = "commission_expired"
)

// SettledKey is the key of what an item paid for its own order; CarriedKey of what it paid
// for an earlier order's share it carries.
func SettledKey(runID, orderID int64) string {
	return "settlement/" + strconv.FormatInt(runID, 10) + "/order/" + strconv.FormatInt(orderID, 10)
}

func CarriedKey(runID, sourceOrderID, leaderID int64) string {
	return SettledKey(runID, sourceOrderID) + "/leader/" + strconv.FormatInt(leaderID, 10)
}

// NettedKey is the key of the receivables a run nets off an order's commission.
func NettedKey(runID, orderID int64) string { return SettledKey(runID, orderID) + "/net" }

// ExpiredKey is the key of an order's commission moved to unresolved at its deadline.
func ExpiredKey(orderID int64) string { return "order/" + strconv.FormatInt(orderID, 10) + "/expired" }
