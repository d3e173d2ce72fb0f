package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-kratos/kratos/v2/transport"
	"google.golang.org/genproto/googleapis/api/httpbody"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// LeaderCommissionService is a leader's own commission. No RPC takes a leader id: the caller's
// leader is resolved from its token.
type LeaderCommissionService struct {
	v1.UnimplementedLeaderCommissionServer
	views *commission.Views
}

// NewLeaderCommissionService wraps the views.
func NewLeaderCommissionService(views *commission.Views) *LeaderCommissionService {
	return &LeaderCommissionService{views: views}
}

// me is the caller's leader id.
func (s *LeaderCommissionService) me(ctx context.Context) (int64, error) {
	p, err := principal(ctx)
	if err != nil {
		return 0, err
	}
	id, err := s.views.Me(ctx, p)
	return id, commissionError(err)
}

func (s *LeaderCommissionService) GetMyBalance(ctx context.Context, _ *v1.GetMyBalanceRequest) (*v1.CommissionBalance, error) {
	id, err := s.me(ctx)
	if err != nil {
		return nil, err
	}
	b, err := s.views.Balance(ctx, id)
	if err != nil {
		return nil, commissionError(err)
	}
	return balanceProto(b), nil
}

func (s *LeaderCommissionService) ListMyCommissions(ctx context.Context, req *v1.ListMyCommissionsRequest) (*v1.ListCommissionsReply, error) {
	id, err := s.me(ctx)
	if err != nil {
		return nil, err
	}
	return listEntries(ctx, s.views, id, req.GetBeforeId(), req.GetPageSize())
}

func (s *LeaderCommissionService) GetMyStatement(ctx context.Context, req *v1.GetMyStatementRequest) (*v1.CommissionStatement, error) {
	id, err := s.me(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.views.Statement(ctx, id, req.GetMonth())
	if err != nil {
		return nil, commissionError(err)
	}
	return statementProto(st), nil
}

// FinanceLedgerService is finance's view of the ledger.
type FinanceLedgerService struct {
	v1.UnimplementedFinanceLedgerServer
	views *commission.Views
	book  *ledger.Ledger
}

// NewFinanceLedgerService wraps the views and the ledger.
func NewFinanceLedgerService(views *commission.Views, book *ledger.Ledger) *FinanceLedgerService {
	return &FinanceLedgerService{views: views, book: book}
}

func (s *FinanceLedgerService) GetLeaderBalance(ctx context.Context, req *v1.GetLeaderBalanceRequest) (*v1.CommissionBalance, error) {
	b, err := s.views.Balance(ctx, req.GetLeaderId())
	if err != nil {
		return nil, commissionError(err)
	}
	return balanceProto(b), nil
}

func (s *FinanceLedgerService) ListLeaderCommissions(ctx context.Context, req *v1.ListLeaderCommissionsRequest) (*v1.ListCommissionsReply, error) {
	return listEntries(ctx, s.views, req.GetLeaderId(), req.GetBeforeId(), req.GetPageSize())
}

func (s *FinanceLedgerService) GetLeaderStatement(ctx context.Context, req *v1.GetLeaderStatementRequest) (*v1.CommissionStatement, error) {
	st, err := s.views.Statement(ctx, req.GetLeaderId(), req.GetMonth())
	if err != nil {
		return nil, commissionError(err)
	}
	return statementProto(st), nil
}

func (s *FinanceLedgerService) GetTrialBalance(ctx context.Context, _ *v1.GetTrialBalanceRequest) (*v1.TrialBalance, error) {
	ts, total, err := s.views.TrialBalance(ctx)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.TrialBalance{TotalFen: total}
	for _, t := range ts {
		out.Accounts = append(out.Accounts, &v1.AccountTotal{OwnerKind: string(t.Owner), Purpose: string(t.Purpose),
			Accounts: int32(t.Accounts), BalanceFen: t.Balance})
	}
	return out, nil
}

func (s *FinanceLedgerService) GetGridTotals(ctx context.Context, req *v1.GetGridTotalsRequest) (*v1.GridTotals, error) {
	ts, err := s.views.GridTotals(ctx, req.GetFrom().AsTime(), req.GetTo().AsTime())
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.GridTotals{}
	for _, t := range ts {
		out.Grids = append(out.Grids, &v1.GridTotal{GridCell: t.GridCell, Orders: int32(t.Orders), BaseFen: t.Base,
			CommissionFen: t.Amount, ReversedFen: t.Reversed})
	}
	return out, nil
}

func (s *FinanceLedgerService) ExportLeaderStatement(ctx context.Context, req *v1.ExportLeaderStatementRequest) (*httpbody.HttpBody, error) {
	st, err := s.views.PeriodStatement(ctx, req.GetLeaderId(), req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, commissionError(err)
	}
	var b bytes.Buffer
	if err := report.Statement(&b, st); err != nil {
		return nil, toAPIError(err)
	}
	return csvFile(ctx, fmt.Sprintf("leader-%d-statement-%s-%s.csv", req.GetLeaderId(), req.GetFrom(), req.GetTo()), b.Bytes()), nil
}

func (s *FinanceLedgerService) ExportTrialBalance(ctx context.Context, _ *v1.ExportTrialBalanceRequest) (*httpbody.HttpBody, error) {
	accts, err := s.views.Accounts(ctx)
	if err != nil {
		return nil, toAPIError(err)
	}
	var b bytes.Buffer
	if err := report.TrialBalance(&b, accts); err != nil {
		return nil, toAPIError(err)
	}
	name := "trial-balance-" + time.Now().In(bjtime.Zone).Format("20060102-150405") + ".csv"
	return csvFile(ctx, name, b.Bytes()), nil
}

// csvFile is a CSV report as a raw HTTP body, offered as a download named name (ASCII only).
func csvFile(ctx context.Context, name string, data []byte) *httpbody.HttpBody {
	if tr, ok := transport.FromServerContext(ctx); ok {
		tr.ReplyHeader().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	}
	return &httpbody.HttpBody{ContentType: report.ContentType, Data: data}
}

func (s *FinanceLedgerService) CheckLedger(ctx context.Context, _ *v1.CheckLedgerRequest) (*v1.LedgerReport, error) {
	r, err := s.book.Check(ctx)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.LedgerReport{Ok: r.OK(), Transactions: r.Transactions, Postings: r.Postings, TrialBalanceFen: r.TrialBalance,
		Unbalanced: r.Unbalanced, DuplicateKeys: r.DuplicateKeys, OrphanPostings: r.OrphanPostings,
		TookMs: r.Took.Milliseconds()}
	for _, d := range r.BalanceDiffs {
		out.BalanceDiffs = append(out.BalanceDiffs, &v1.BalanceDiff{Account: d.Account.String(), CachedFen: d.Cached,
			RecomputedFen: d.Recomputed})
	}
	return out, nil
}

// CommissionOpsService is ops' commission plans.
type CommissionOpsService struct {
	v1.UnimplementedCommissionOpsServer
	plans *commission.Plans
}

// NewCommissionOpsService wraps the plans.
func NewCommissionOpsService(plans *commission.Plans) *CommissionOpsService {
	return &CommissionOpsService{plans: plans}
}

func (s *CommissionOpsService) CreatePlan(ctx context.Context, req *v1.CreatePlanRequest) (*v1.CommissionPlan, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in := commission.PlanInput{GridCell: req.GetGridCell()}
	for _, r := range req.GetRatesBp() {
		in.Rates = append(in.Rates, int(r))
	}
	if req.GetEffectiveFrom() != nil {
		in.EffectiveFrom = req.GetEffectiveFrom().AsTime()
	}
	plan, err := s.plans.Create(ctx, p, in)
	if err != nil {
		return nil, commissionError(err)
	}
	cur, err := s.plans.InForce(ctx, plan.GridCell)
	if err != nil {
		return nil, toAPIError(err)
	}
	return planProto(plan, cur), nil
}

func (s *CommissionOpsService) ListPlans(ctx context.Context, _ *v1.ListPlansRequest) (*v1.ListPlansReply, error) {
	plans, err := s.plans.List(ctx)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListPlansReply{}
	inForce := map[string]*commission.Plan{}
	for i := range plans {
		g := plans[i].GridCell
		if _, ok := inForce[g]; !ok {
			if inForce[g], err = s.plans.InForce(ctx, g); err != nil {
				return nil, toAPIError(err)
			}
		}
		out.Plans = append(out.Plans, planProto(&plans[i], inForce[g]))
	}
	return out, nil
}

func planProto(p, inForce *commission.Plan) *v1.CommissionPlan {
	m := &v1.CommissionPlan{Id: p.ID, GridCell: p.GridCell, Version: int32(p.Version), EffectiveFrom: stamp(p.EffectiveFrom),
		CreatedBy: p.CreatedBy, CreatedAt: stamp(p.CreatedAt), InForce: inForce != nil && inForce.ID == p.ID}
	for _, r := range p.Rates {
		m.RatesBp = append(m.RatesBp, int32(r))
	}
	return m
}

func listEntries(ctx context.Context, views *commission.Views, leaderID, beforeID int64, size int32) (*v1.ListCommissionsReply, error) {
	es, err := views.Entries(ctx, leaderID, beforeID, pageSize(size))
	if err != nil {
		return nil, commissionError(err)
	}
	out := &v1.ListCommissionsReply{Entries: make([]*v1.CommissionEntry, len(es))}
	for i, e := range es {
		out.Entries[i] = &v1.CommissionEntry{Id: e.ID, OrderId: e.OrderID, LineId: e.LineID, Level: int32(e.Level),
			BaseFen: e.Base, RateBp: int32(e.RateBP), AmountFen: e.Amount, ReversedFen: e.Reversed, State: string(e.State),
			GridCell: e.GridCell, PlanId: e.PlanID, PaidAt: stamp(e.PaidAt)}
	}
	return out, nil
}

func balanceProto(b *commission.Balance) *v1.CommissionBalance {
	return &v1.CommissionBalance{LeaderId: b.LeaderID, PendingFen: b.Pending, SettleableFen: b.Settleable,
		SettledFen: b.Settled, OwedFen: b.Owed}
}

func statementProto(s *commission.Statement) *v1.CommissionStatement {
	out := &v1.CommissionStatement{LeaderId: s.LeaderID, Month: s.Month, OpeningFen: s.Opening, EarnedFen: s.Earned,
		ReversedFen: s.Reversed, SettledFen: s.Settled, OwedFen: s.Owed, ClosingFen: s.Closing,
		Discounts: promotionsProto(s.Discounts)}
	levels := make([]int, 0, len(s.EarnedByLevel))
	for l := range s.EarnedByLevel {
		levels = append(levels, l)
	}
	slices.Sort(levels)
	for _, l := range levels {
		out.EarnedByLevel = append(out.EarnedByLevel, &v1.LevelAmount{Level: int32(l), AmountFen: s.EarnedByLevel[l]})
	}
	return out
}

// promotionsProto is what promotions took off a set of paid orders, and who funded it.
func promotionsProto(d commission.Discounts) *v1.PromotionTotals {
	return &v1.PromotionTotals{Orders: d.Orders, GoodsFen: d.Goods, PromoOffFen: d.PromoOff, CouponOffFen: d.CouponOff,
		LeaderFundedFen: d.LeaderFunded, PlatformFundedFen: d.PlatformFunded(), PaidFen: d.Paid, GiftsFen: d.Gifts}
}

// commissionError maps commission's refusals, then everything else as usual.
func commissionError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, commission.ErrNotALeader):
		return v1.ErrorNotALeader("the caller is not a leader")
	}
	return toAPIError(err)
}
