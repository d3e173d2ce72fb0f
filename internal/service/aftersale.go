package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

// AfterSalesOpsService is the ops console's review of after-sales requests (售后).
type AfterSalesOpsService struct {
	v1.UnimplementedAfterSalesOpsServer
	afterSales *order.AfterSales
}

// NewAfterSalesOpsService wraps the use cases.
func NewAfterSalesOpsService(afterSales *order.AfterSales) *AfterSalesOpsService {
	return &AfterSalesOpsService{afterSales: afterSales}
}

func (s *AfterSalesOpsService) ListAfterSales(ctx context.Context, req *v1.ListAfterSalesRequest) (*v1.ListAfterSalesReply, error) {
	as, err := s.afterSales.List(ctx, order.AfterSaleStatus(req.GetStatus()), req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListAfterSalesReply{AfterSales: make([]*v1.AfterSale, len(as))}
	for i, a := range as {
		reply.AfterSales[i] = afterSaleProto(a)
	}
	return reply, nil
}

// ReviewAfterSale approves (and refunds through WeChat Pay) or rejects a request as the calling
// ops account. An approved request whose refund could not be asked for yet stays approved and
// is asked for again by the after-sales loop.
func (s *AfterSalesOpsService) ReviewAfterSale(ctx context.Context, req *v1.ReviewAfterSaleRequest) (*v1.AfterSale, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.afterSales.Review(ctx, p.ID, req.GetId(), req.GetApprove(), req.GetNote())
	if err != nil {
		return nil, toAPIError(err)
	}
	return afterSaleProto(a), nil
}

// afterSaleProto shows an after-sales request.
func afterSaleProto(a *order.AfterSale) *v1.AfterSale {
	m := &v1.AfterSale{Id: a.ID, OrderId: a.OrderID, UserId: a.UserID, LeaderId: a.LeaderID, Status: string(a.Status),
		Reason: a.Reason, AmountFen: a.Amount, ReviewNote: a.ReviewNote, CreatedAt: stamp(a.CreatedAt),
		ReviewedAt: stamp(a.ReviewedAt), Lines: make([]*v1.AfterSaleLine, len(a.Lines))}
	for i, l := range a.Lines {
		m.Lines[i] = &v1.AfterSaleLine{LineId: l.LineID, Quantity: l.Quantity}
	}
	return m
}
