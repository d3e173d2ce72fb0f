package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
)

// OpsDashboardService is the operations dashboard.
type OpsDashboardService struct {
	v1.UnimplementedOpsDashboardServer
	dashboard *dashboard.Usecase
}

// NewOpsDashboardService wraps the use case.
func NewOpsDashboardService(uc *dashboard.Usecase) *OpsDashboardService {
	return &OpsDashboardService{dashboard: uc}
}

func (s *OpsDashboardService) GetDashboard(ctx context.Context, req *v1.GetDashboardRequest) (*v1.Dashboard, error) {
	d, err := s.dashboard.Get(ctx, req.GetDay())
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.Dashboard{Day: d.Day, PreviousDay: d.PreviousDay, Sales: salesProto(d.Sales),
		PreviousSales: salesProto(d.Previous), ReadAt: stamp(d.ReadAt),
		Batches: &v1.BatchCounts{Open: d.Batches.Open, Closing: d.Batches.Closing, Arriving: d.Batches.Arriving},
		Alerts: &v1.DashboardAlerts{FailedDeclarations: d.Alerts.FailedDeclarations,
			OverduePickups: d.Alerts.OverduePickups, FailedRegistrations: d.Alerts.FailedRegistrations,
			AfterSalesWaiting: d.Alerts.AfterSalesWaiting},
		Grids: make([]*v1.GridSales, len(d.Grids))}
	for i, g := range d.Grids {
		reply.Grids[i] = &v1.GridSales{GridCell: g.Cell, Sales: salesProto(g.Sales), PreviousSales: salesProto(g.Previous)}
	}
	return reply, nil
}

func salesProto(s dashboard.Sales) *v1.DaySales {
	return &v1.DaySales{Orders: s.Orders, PaidFen: s.Paid, RefundedFen: s.Refunded, Buyers: s.Buyers,
		PromoOffFen: s.PromoOff, CouponOffFen: s.CouponOff, LeaderFundedFen: s.LeaderFunded,
		PlatformFundedFen: s.PlatformFunded()}
}
