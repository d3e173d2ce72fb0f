package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
)

// OpsMetricsService is the operations figures for ops.
type OpsMetricsService struct {
	v1.UnimplementedOpsMetricsServer
	dashboard *metrics.Dashboard
}

// NewOpsMetricsService wraps the dashboard.
func NewOpsMetricsService(d *metrics.Dashboard) *OpsMetricsService {
	return &OpsMetricsService{dashboard: d}
}

// defaultRankingSize is the leader ranking's length when the request names none.
const defaultRankingSize = 20

func (s *OpsMetricsService) GetMetrics(ctx context.Context, req *v1.GetMetricsRequest) (*v1.MetricsSeries, error) {
	k := metrics.Key{Level: metrics.Level(req.GetLevel()), GridCell: req.GetGridCell(),
		LeaderID: req.GetLeaderId(), BatchID: req.GetBatchId()}
	series, err := s.dashboard.Series(ctx, k, int(req.GetDays()))
	if err != nil {
		return nil, toAPIError(err)
	}
	return seriesProto(series), nil
}

func (s *OpsMetricsService) ListLeaderRanking(ctx context.Context, req *v1.ListLeaderRankingRequest) (*v1.LeaderRanking, error) {
	limit := int(req.GetLimit())
	if limit == 0 {
		limit = defaultRankingSize
	}
	from, to, ranked, err := s.dashboard.LeaderRanking(ctx, int(req.GetDays()), limit)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.LeaderRanking{From: from, To: to, Leaders: make([]*v1.RankedLeader, len(ranked))}
	for i, r := range ranked {
		reply.Leaders[i] = &v1.RankedLeader{LeaderId: r.LeaderID, Counts: countsProto(r.Counts), Rates: ratesProto(r.Counts)}
	}
	return reply, nil
}

// LeaderMetricsService is a leader's own figures: the leader is found from the caller.
type LeaderMetricsService struct {
	v1.UnimplementedLeaderMetricsServer
	dashboard *metrics.Dashboard
	leaders   *commission.Views
}

// NewLeaderMetricsService wraps the dashboard; views tell which leader the caller is.
func NewLeaderMetricsService(d *metrics.Dashboard, views *commission.Views) *LeaderMetricsService {
	return &LeaderMetricsService{dashboard: d, leaders: views}
}

func (s *LeaderMetricsService) GetMyMetrics(ctx context.Context, req *v1.GetMyMetricsRequest) (*v1.MetricsSeries, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.leaders.Me(ctx, p)
	if err != nil {
		return nil, commissionError(err)
	}
	series, err := s.dashboard.Series(ctx, metrics.LeaderKey(id), int(req.GetDays()))
	if err != nil {
		return nil, toAPIError(err)
	}
	return seriesProto(series), nil
}

func seriesProto(s metrics.Series) *v1.MetricsSeries {
	reply := &v1.MetricsSeries{Level: string(s.Key.Level), GridCell: s.Key.GridCell, LeaderId: s.Key.LeaderID,
		BatchId: s.Key.BatchID, From: s.From, To: s.To, Total: countsProto(s.Total), Rates: ratesProto(s.Total),
		Funnel: &v1.MetricsFunnel{Visitors: s.Funnel.Visitors, Buyers: s.Funnel.Buyers, Payers: s.Funnel.Payers,
			ToBuyersBp: bp(s.Funnel.ToBuyers), ToPayersBp: bp(s.Funnel.ToPayers)},
		IncompleteDays: s.Incomplete, Days: make([]*v1.MetricsDay, len(s.Days))}
	for i, d := range s.Days {
		reply.Days[i] = &v1.MetricsDay{Day: d.Day, Counts: countsProto(d.Counts), Rates: ratesProto(d.Counts)}
	}
	return reply
}

func countsProto(c metrics.Counts) *v1.MetricsCounts {
	return &v1.MetricsCounts{Visitors: c.Visitors, PageViews: c.PageViews, Sessions: c.Sessions,
		Bounces: c.Bounces, Carters: c.Carters, Sharers: c.Sharers, Shares: c.Shares, ShareOpens: c.ShareOpens,
		Buyers: c.Buyers, Payers: c.Payers, Orders: c.Orders, Items: c.Items, PaidFen: c.Paid,
		RefundedByOrderDayFen: c.RefundedByOrderDay, RefundedOnDayFen: c.RefundedOnDay,
		NewPayers: c.NewPayers, RepeatPayers: c.RepeatPayers, ShareOrders: c.ShareOrders,
		Invitees: c.Invitees, Inviters: c.Inviters}
}

func ratesProto(c metrics.Counts) *v1.MetricsRates {
	return &v1.MetricsRates{UvPerPvBp: bp(c.UVPerPV()), BounceRateBp: bp(c.BounceRate()),
		AddToCartRateBp: bp(c.AddToCartRate()), PaymentConversionBp: bp(c.PaymentConversion()),
		PerOrderFen: scaled(c.PerOrder(), 1), PerBuyerFen: scaled(c.PerBuyer(), 1),
		ItemsPerOrderCenti: scaled(c.ItemsPerOrder(), 100), RepurchaseRateBp: bp(c.RepurchaseRate()),
		ShareRateBp: bp(c.ShareRate()), ShareOrderRateBp: bp(c.ShareOrderRate()),
		InvitationCoefficientCenti: scaled(c.InvitationCoefficient(), 100)}
}

// bp is r in basis points, nil when r is undefined.
func bp(r metrics.Ratio) *int64 { return scaled(r, 10_000) }

func scaled(r metrics.Ratio, scale int64) *int64 {
	if !r.Defined() {
		return nil
	}
	v := r.Scaled(scale)
	return &v
}
