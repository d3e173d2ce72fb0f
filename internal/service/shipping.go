package service

import (
	"context"
	"time"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
)

// ShippingOpsService is the ops console's view of the declarations of paid orders to WeChat's
// shipping information management service.
type ShippingOpsService struct {
	v1.UnimplementedShippingOpsServer
	shipping *shipping.Usecase
}

// NewShippingOpsService wraps the use case.
func NewShippingOpsService(uc *shipping.Usecase) *ShippingOpsService {
	return &ShippingOpsService{shipping: uc}
}

func (s *ShippingOpsService) ListDeclarations(ctx context.Context, req *v1.ListDeclarationsRequest) (*v1.ListDeclarationsReply, error) {
	f := shipping.Filter{State: shipping.State(req.GetState()), WithError: req.GetWithError(),
		BeforeID: req.GetBeforeId(), Limit: pageSize(req.GetPageSize())}
	if h := req.GetOlderThanHours(); h > 0 {
		f.CreatedBefore = time.Now().Add(-time.Duration(h) * time.Hour)
	}
	ds, err := s.shipping.List(ctx, f)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListDeclarationsReply{Declarations: make([]*v1.ShippingDeclaration, len(ds))}
	for i := range ds {
		reply.Declarations[i] = declarationProto(&ds[i])
	}
	return reply, nil
}

func (s *ShippingOpsService) ListUndeclaredOrders(ctx context.Context, req *v1.ListUndeclaredOrdersRequest) (*v1.ListUndeclaredOrdersReply, error) {
	os, err := s.shipping.Undeclared(ctx, time.Duration(req.GetOlderThanHours())*time.Hour, req.GetAfterId(),
		pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListUndeclaredOrdersReply{Orders: make([]*v1.UndeclaredOrder, len(os))}
	for i, o := range os {
		m := &v1.UndeclaredOrder{OrderId: o.OrderID, Status: string(o.Status), AmountFen: o.Amount, BatchId: o.BatchID,
			PaidAt: stamp(o.PaidAt)}
		for j := range o.Pending {
			m.Declarations = append(m.Declarations, declarationProto(&o.Pending[j]))
		}
		reply.Orders[i] = m
	}
	return reply, nil
}

func (s *ShippingOpsService) RetryDeclaration(ctx context.Context, req *v1.RetryDeclarationRequest) (*v1.ShippingDeclaration, error) {
	d, err := s.shipping.Retry(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return declarationProto(d), nil
}

func declarationProto(d *shipping.Declaration) *v1.ShippingDeclaration {
	return &v1.ShippingDeclaration{Id: d.ID, OrderId: d.OrderID, Kind: string(d.Kind), State: string(d.State),
		TransactionId: d.TransactionID, OutTradeNo: d.OutTradeNo, ItemDesc: d.ItemDesc, PromisedAt: stamp(d.PromisedAt),
		Attempts: int32(d.Attempts), NextAttemptAt: stamp(d.NextAttemptAt), LastError: d.LastError,
		UploadedAt: stamp(d.UploadedAt), CreatedAt: stamp(d.CreatedAt), UpdatedAt: stamp(d.UpdatedAt)}
}
