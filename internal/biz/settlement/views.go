package settlement

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// RunView is a run with its summary.
type RunView struct {
	Run
	Summary  Summary
	Duration time.Duration
}

// Runs lists runs newest first.
func (u *Usecase) Runs(ctx context.Context, beforeID int64, limit int) ([]Run, error) {
	return u.store.ListRuns(ctx, beforeID, limit)
}

// Get is a run with its summary; the duration runs to now while the run is working.
func (u *Usecase) Get(ctx context.Context, id int64) (*RunView, error) {
	r, err := u.store.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	s, err := u.store.Summary(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("summary of run %d: %w", id, err)
	}
	end := r.FinishedAt
	if end.IsZero() {
		end = u.now()
	}
	return &RunView{Run: *r, Summary: s, Duration: end.Sub(r.CreatedAt)}, nil
}

// Items lists a run's items (with shares) in id order, of one state or all.
func (u *Usecase) Items(ctx context.Context, runID int64, state ItemState, afterID int64, limit int) ([]Item, error) {
	if _, err := u.store.GetRun(ctx, runID); err != nil {
		return nil, err
	}
	return u.store.Items(ctx, runID, state, afterID, limit)
}

// RetryFailed sends the run's retriable failures again (the same requests) and reopens the
// run; a transaction that a later run took meanwhile stays with that run.
func (u *Usecase) RetryFailed(ctx context.Context, runID int64) (int, error) {
	var n int
	err := u.tx.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := u.store.LockRun(ctx, runID, false); err != nil {
			return err
		}
		var err error
		n, err = u.store.RetryFailed(ctx, runID, u.now())
		return err
	})
	if err == nil && n > 0 {
		u.Wake()
	}
	return n, err
}

// AtRisk lists unsettled transactions whose deadline is within the configured warning (or
// passed), nearest first.
func (u *Usecase) AtRisk(ctx context.Context, limit int) ([]AtRisk, error) {
	paidBefore := u.now().Add(u.cfg.WarnBefore - u.cfg.FreezeWindow)
	out, err := u.store.AtRisk(ctx, paidBefore, limit)
	for i := range out {
		out[i].Deadline = u.cfg.Deadline(out[i].PaidAt)
	}
	return out, err
}

// MaxChartDays is the longest period SettledByDay covers.
const MaxChartDays = 366

// dayClosedAfter is how long after a Beijing day ends its sums are final. A share's finish time
// is WeChat's, learnt when its result is read, which may be some time later: a whole day leaves
// room for the retries of a slow result.
const dayClosedAfter = 24 * time.Hour

// SettledByDay is the commission settled per Beijing day and level in the days [from, to)
// (YYYY-MM-DD, to exclusive, at most MaxChartDays days). The days closed before yesterday are
// summed once and kept; the others are summed on each call.
func (u *Usecase) SettledByDay(ctx context.Context, from, to string) ([]DayLevel, error) {
	f, t, err := bjtime.Period(from, to, MaxChartDays)
	if err != nil {
		return nil, err
	}
	return u.store.SettledByDay(ctx, f, t, bjtime.StartOfDay(u.now().Add(-dayClosedAfter)))
}

// ExportCSV writes a run's summary and every share of its items, for finance.
func (u *Usecase) ExportCSV(ctx context.Context, w io.Writer, runID int64) error {
	v, err := u.Get(ctx, runID)
	if err != nil {
		return err
	}
	rows := [][]string{summaryRow(v)}
	const page = 1000
	for after := int64(0); ; {
		items, err := u.store.Items(ctx, runID, "", after, page)
		if err != nil {
			return err
		}
		for _, it := range items {
			rows = append(rows, itemRows(&it)...)
			after = it.ID
		}
		if len(items) < page {
			break
		}
	}
	return report.WriteCSV(w, []string{"结算批次", "订单号", "微信支付订单号", "商户分账单号", "类型", "状态",
		"团长ID", "层级", "来源订单号", "分账金额(元)", "分账结果", "失败原因"}, rows)
}

func summaryRow(v *RunView) []string {
	return []string{strconv.FormatInt(v.ID, 10), "合计", strconv.Itoa(v.Summary.Items) + "笔", "", "",
		string(v.State), "", "", "", report.Yuan(v.Summary.Amount), "", ""}
}

func itemRows(it *Item) [][]string {
	head := []string{strconv.FormatInt(it.RunID, 10), strconv.FormatInt(it.OrderID, 10), it.TransactionID,
		it.OutOrderNo, string(it.Kind), string(it.State)}
	if len(it.Shares) == 0 {
		return [][]string{append(head, "", "", "", report.Yuan(it.Amount), "", it.LastError)}
	}
	var out [][]string
	for _, s := range it.Shares {
		out = append(out, append(head[:len(head):len(head)], strconv.FormatInt(s.LeaderID, 10), strconv.Itoa(s.Level),
			strconv.FormatInt(s.SourceOrderID, 10), report.Yuan(s.Amount), string(s.Result), s.FailReason))
	}
	return out
}
