package service

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// FinanceSettlementService starts settlement runs and shows them to finance. The roles are
// declared on the RPCs (finance, admin) and enforced by the auth middleware.
type FinanceSettlementService struct {
	v1.UnimplementedFinanceSettlementServer
	uc *settlement.Usecase
}

// NewFinanceSettlementService wraps the use case.
func NewFinanceSettlementService(uc *settlement.Usecase) *FinanceSettlementService {
	return &FinanceSettlementService{uc: uc}
}

// financeKeyPrefix keeps finance's idempotency keys apart from the schedule's (daily/…) and
// generated ones.
const financeKeyPrefix = "finance/"

func (s *FinanceSettlementService) StartSettlementRun(ctx context.Context, req *v1.StartSettlementRunRequest) (*v1.SettlementRun, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in := settlement.StartInput{Key: financeKeyPrefix + req.GetIdempotencyKey(), Trigger: settlement.TriggerFinance, By: p}
	if req.GetCutoff() != nil {
		in.Cutoff = req.GetCutoff().AsTime()
	}
	r, err := s.uc.Start(ctx, in)
	if err != nil {
		return nil, toAPIError(err)
	}
	// The key returns the run it started first: with another cut-off it is a different request.
	if !in.Cutoff.IsZero() && !r.Cutoff.Truncate(time.Microsecond).Equal(in.Cutoff.Truncate(time.Microsecond)) {
		return nil, v1.ErrorIdempotencyKeyReused("the idempotency key started run %d with another cut-off", r.ID).
			WithMetadata(map[string]string{"run_id": fmt.Sprint(r.ID)})
	}
	return runProto(r), nil
}

func (s *FinanceSettlementService) ListSettlementRuns(ctx context.Context, req *v1.ListSettlementRunsRequest) (*v1.ListSettlementRunsReply, error) {
	runs, err := s.uc.Runs(ctx, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListSettlementRunsReply{Runs: make([]*v1.SettlementRun, len(runs))}
	for i := range runs {
		out.Runs[i] = runProto(&runs[i])
	}
	return out, nil
}

func (s *FinanceSettlementService) GetSettlementRun(ctx context.Context, req *v1.GetSettlementRunRequest) (*v1.SettlementRun, error) {
	v, err := s.uc.Get(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	out := runProto(&v.Run)
	out.DurationSeconds = int64(v.Duration / time.Second)
	out.Summary = summaryProto(v.Summary)
	return out, nil
}

func (s *FinanceSettlementService) ListSettlementItems(ctx context.Context, req *v1.ListSettlementItemsRequest) (*v1.ListSettlementItemsReply, error) {
	items, err := s.uc.Items(ctx, req.GetRunId(), settlement.ItemState(req.GetState()), req.GetAfterId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListSettlementItemsReply{Items: make([]*v1.SettlementItem, len(items))}
	for i := range items {
		out.Items[i] = itemProto(&items[i])
	}
	return out, nil
}

func (s *FinanceSettlementService) RetrySettlementRun(ctx context.Context, req *v1.RetrySettlementRunRequest) (*v1.RetrySettlementRunReply, error) {
	n, err := s.uc.RetryFailed(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return &v1.RetrySettlementRunReply{Retried: int32(n)}, nil
}

func (s *FinanceSettlementService) ExportSettlementRun(ctx context.Context, req *v1.ExportSettlementRunRequest) (*httpbody.HttpBody, error) {
	var b bytes.Buffer
	if err := s.uc.ExportCSV(ctx, &b, req.GetId()); err != nil {
		return nil, toAPIError(err)
	}
	return csvFile(ctx, fmt.Sprintf("settlement-run-%d.csv", req.GetId()), b.Bytes()), nil
}

func (s *FinanceSettlementService) ListAtRiskTransactions(ctx context.Context, req *v1.ListAtRiskTransactionsRequest) (*v1.ListAtRiskTransactionsReply, error) {
	rs, err := s.uc.AtRisk(ctx, pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListAtRiskTransactionsReply{Transactions: make([]*v1.AtRiskTransaction, len(rs))}
	for i, r := range rs {
		out.Transactions[i] = &v1.AtRiskTransaction{OrderId: r.OrderID, TransactionId: r.TransactionID,
			PaidAt: stamp(r.PaidAt), Deadline: stamp(r.Deadline), OwedFen: r.Owed, ItemState: string(r.ItemState)}
	}
	return out, nil
}

func runProto(r *settlement.Run) *v1.SettlementRun {
	return &v1.SettlementRun{Id: r.ID, Key: r.Key, Cutoff: stamp(r.Cutoff), Trigger: string(r.Trigger),
		StartedBy: r.StartedBy, State: string(r.State), CreatedAt: stamp(r.CreatedAt), SelectedAt: stamp(r.SelectedAt),
		FinishedAt: stamp(r.FinishedAt)}
}

func summaryProto(s settlement.Summary) *v1.SettlementSummary {
	out := &v1.SettlementSummary{Items: int32(s.Items), Shared: int32(s.Shared), Unfrozen: int32(s.Unfrozen),
		Active: int32(s.Active), Failed: int32(s.Failed), Expired: int32(s.Expired), SharedFen: s.Amount,
		ClosedFen: s.ClosedAmount, DeferredFen: s.Deferred}
	for _, l := range slices.Sorted(maps.Keys(s.ByLevel)) {
		out.SharedByLevel = append(out.SharedByLevel, &v1.LevelAmount{Level: int32(l), AmountFen: s.ByLevel[l]})
	}
	for reason, n := range s.Failures {
		out.Failures = append(out.Failures, &v1.SettlementFailure{Reason: reason, Count: int32(n)})
	}
	slices.SortFunc(out.Failures, func(a, b *v1.SettlementFailure) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

func itemProto(it *settlement.Item) *v1.SettlementItem {
	out := &v1.SettlementItem{Id: it.ID, RunId: it.RunID, OrderId: it.OrderID, GridCell: it.GridCell,
		TransactionId: it.TransactionID, OutOrderNo: it.OutOrderNo, Kind: string(it.Kind), State: string(it.State),
		AmountFen: it.Amount, Deadline: stamp(it.Deadline), Retriable: it.Retriable, Attempts: int32(it.Attempts),
		WechatOrderId: it.WeChatOrderID, LastError: it.LastError, CreatedAt: stamp(it.CreatedAt),
		FinishedAt: stamp(it.FinishedAt), Shares: make([]*v1.SettlementShare, len(it.Shares))}
	if it.State.Active() {
		out.NextAttemptAt = stamp(it.NextAttemptAt)
	}
	for i, s := range it.Shares {
		out.Shares[i] = &v1.SettlementShare{Id: s.ID, LeaderId: s.LeaderID, Level: int32(s.Level),
			SourceOrderId: s.SourceOrderID, AmountFen: s.Amount, Result: string(s.Result), FailReason: s.FailReason,
			RetryOf: s.RetryOf, RetriedBy: s.RetriedBy, DetailId: s.DetailID, FinishedAt: stamp(s.FinishedAt)}
	}
	return out
}

func (s *FinanceSettlementService) GetSettledByDay(ctx context.Context, req *v1.GetSettledByDayRequest) (*v1.SettledByDay, error) {
	ds, err := s.uc.SettledByDay(ctx, req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.SettledByDay{Days: make([]*v1.SettledDayLevel, len(ds))}
	for i, d := range ds {
		out.Days[i] = &v1.SettledDayLevel{Day: d.Day, Level: int32(d.Level), AmountFen: d.Amount}
	}
	return out, nil
}
