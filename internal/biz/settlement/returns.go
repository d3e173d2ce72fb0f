package settlement

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// ReturnState is where a return is.
type ReturnState string

const (
	ReturnPending    ReturnState = "pending"
	ReturnProcessing ReturnState = "processing"
	ReturnSuccess    ReturnState = "success"
	ReturnFailed     ReturnState = "failed"
)

// Return asks a merchant receiver to give back (分账回退) what a refund reversed of commission
// already paid to it. WeChat returns money only from MERCHANT_ID receivers, within 180 days of
// the share (请求分账回退); a leader paid to its openid owes the reversal as a receivable instead.
type Return struct {
	ID            int64
	ShareID       int64
	OrderID       int64
	LeaderID      int64
	RefundNo      string
	OutOrderNo    string
	OutReturnNo   string
	ReturnMchID   string
	Amount        int64
	State         ReturnState
	Attempts      int
	NextAttemptAt time.Time
	ReturnID      string
	FailReason    string
	CreatedAt     time.Time
	FinishedAt    time.Time
}

// PaidShare is a share WeChat paid to a merchant receiver, with its order's out_order_no and
// what returns took or are taking back of it.
type PaidShare struct {
	Share
	OutOrderNo string
	Returned   int64
}

// ReturnStore keeps returns and reads what they need.
type ReturnStore interface {
	// PaidMerchantShares lists the order's commission paid to MERCHANT_ID receivers.
	PaidMerchantShares(ctx context.Context, orderID int64) ([]PaidShare, error)
	// RefundReceivables reads what the ledger transaction key moved to each leader's
	// receivable; posted is false when it is not written (yet).
	RefundReceivables(ctx context.Context, key string) (posted bool, byLeader map[int64]int64, err error)
	// AddReturn saves r unless its out_return_no exists.
	AddReturn(ctx context.Context, r *Return) error
	// ClaimReturns leases up to limit active returns due at now, counting the attempt.
	ClaimReturns(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Return, error)
	// SaveReturn writes state, attempts' outcome and times if the claim still holds it.
	SaveReturn(ctx context.Context, r *Return) (bool, error)
	// LockReturn reads a return for update.
	LockReturn(ctx context.Context, id int64) (*Return, error)
}

// KindReturned is the ledger kind of money a merchant receiver gave back.
const KindReturned = "commission_returned"

// ReturnedTx posts a return: clearing gets the money back, the leader's receivable is paid.
func ReturnedTx(r *Return) ledger.Tx {
	return ledger.Tx{Key: "return/" + r.OutReturnNo, Kind: KindReturned, OrderID: r.OrderID, Postings: []ledger.Posting{
		{Account: ledger.PlatformAccount(ledger.Clearing), Amount: r.Amount},
		{Account: ledger.LeaderAccount(r.LeaderID, ledger.Receivable), Amount: -r.Amount},
	}}
}

// OnRefunded saves, for each merchant receiver paid from the refunded order, a return of what
// the refund moved to its leader's receivable (up to what the receiver got and has not given
// back). The commission flows post the refund's reversal from the same event; until they have,
// this handler fails and the event comes again. A redelivered event saves nothing new.
func (u *Usecase) OnRefunded(ctx context.Context, e event.Event) error {
	var ch order.Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	if ch.RefundNo == "" {
		return nil
	}
	shares, err := u.store.PaidMerchantShares(ctx, ch.OrderID)
	if err != nil || len(shares) == 0 {
		return err
	}
	posted, owed, err := u.store.RefundReceivables(ctx, commission.RefundKey(ch.OrderID, ch.RefundNo))
	if err != nil {
		return err
	}
	if !posted {
		return fmt.Errorf("refund %s of order %d is not in the ledger yet: %w", ch.RefundNo, ch.OrderID, bizerr.ErrConflict)
	}
	now := u.now()
	for _, s := range shares {
		amount := min(owed[s.LeaderID], s.Amount-s.Returned)
		if amount <= 0 {
			continue
		}
		owed[s.LeaderID] -= amount
		r := &Return{ShareID: s.ID, OrderID: ch.OrderID, LeaderID: s.LeaderID, RefundNo: ch.RefundNo,
			OutOrderNo: s.OutOrderNo, OutReturnNo: payment.OutReturnNo(ch.RefundNo, s.LeaderID), ReturnMchID: s.Account,
			Amount: amount, State: ReturnPending, NextAttemptAt: now, CreatedAt: now}
		if err := u.store.AddReturn(ctx, r); err != nil {
			return err
		}
	}
	u.Wake()
	return nil
}

// WorkReturns claims due returns and works each: a pending one is requested (again, the same
// request), a processing one queried, a final answer recorded.
func (u *Usecase) WorkReturns(ctx context.Context) (int, error) {
	now := u.now()
	rs, err := u.store.ClaimReturns(ctx, now, now.Add(u.cfg.Lease), u.cfg.ClaimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim returns: %w", err)
	}
	var errs []error
	for i := range rs {
		if err := u.workReturn(ctx, &rs[i]); err != nil {
			errs = append(errs, fmt.Errorf("return %s: %w", rs[i].OutReturnNo, err))
		}
	}
	return len(rs), errors.Join(errs...)
}

func (u *Usecase) workReturn(ctx context.Context, r *Return) error {
	var got payment.Return
	var err error
	if r.State == ReturnProcessing {
		// 查询分账回退结果 has no documented per-merchant limit: not paced.
		got, err = u.sharing.QueryReturn(ctx, r.OutOrderNo, r.OutReturnNo)
	} else {
		got, err = paced(ctx, u.pace, pace.CreateReturn, func() (payment.Return, error) {
			return u.sharing.CreateReturn(ctx, payment.ReturnInput{OutReturnNo: r.OutReturnNo, OutOrderNo: r.OutOrderNo,
				ReturnMchID: r.ReturnMchID, Amount: r.Amount, Description: "订单退款，退回团长佣金"})
		})
	}
	switch {
	case err == nil && got.Result == payment.ReturnSuccess:
		return u.returned(ctx, r, got)
	case err == nil && got.Result == payment.ReturnFailed:
		// The receivable stays: the leader's later commission pays it off.
		r.State, r.FailReason, r.FinishedAt = ReturnFailed, got.FailReason, u.now()
	case err == nil:
		r.State, r.ReturnID, r.NextAttemptAt = ReturnProcessing, got.ReturnID, u.now().Add(u.cfg.PollAfter)
	case transient(err) || errors.Is(err, bizerr.ErrRateLimited):
		r.FailReason, r.NextAttemptAt = err.Error(), u.now().Add(u.backoff(r.Attempts))
	default:
		r.State, r.FailReason, r.FinishedAt = ReturnFailed, err.Error(), u.now()
	}
	return u.saveReturn(ctx, r)
}

func (u *Usecase) saveReturn(ctx context.Context, r *Return) error {
	ok, err := u.store.SaveReturn(context.WithoutCancel(ctx), r)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("claim lost (attempt %d): %w", r.Attempts, bizerr.ErrConflict)
	}
	return nil
}

// returned posts a successful return and records it, in one database transaction.
func (u *Usecase) returned(ctx context.Context, r *Return, got payment.Return) error {
	return u.tx.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		locked, err := u.store.LockReturn(ctx, r.ID)
		if err != nil {
			return err
		}
		if locked.Attempts != r.Attempts || (locked.State != ReturnPending && locked.State != ReturnProcessing) {
			return fmt.Errorf("claim lost (attempt %d): %w", r.Attempts, bizerr.ErrConflict)
		}
		if _, err := u.book.Post(ctx, ReturnedTx(r)); err != nil {
			return fmt.Errorf("post return: %w", err)
		}
		r.State, r.ReturnID, r.FailReason, r.FinishedAt = ReturnSuccess, got.ReturnID, "", u.now()
		return u.saveReturn(ctx, r)
	})
}
