package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/order"
)

// LeaderPickupService is the leader's pickup day: its batches, their pick lists, the arrival of
// the goods and pickup verification (核销). The caller is always the signed-in leader user; the
// use cases scope everything to its own pickup point.
type LeaderPickupService struct {
	v1.UnimplementedLeaderPickupServer
	pickup *order.Pickup
}

// NewLeaderPickupService wraps the use cases.
func NewLeaderPickupService(pickup *order.Pickup) *LeaderPickupService {
	return &LeaderPickupService{pickup: pickup}
}

// ListMyBatches lists the batches with orders at the caller's point, newest first; the
// request's status filter is not applied.
func (s *LeaderPickupService) ListMyBatches(ctx context.Context, req *v1.ListBatchesRequest) (*v1.ListBatchesReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := s.pickup.MyBatches(ctx, p.ID, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	return batchesReply(bs, nil), nil
}

func (s *LeaderPickupService) GetPickList(ctx context.Context, req *v1.GetBatchRequest) (*v1.PickList, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	pl, err := s.pickup.PickList(ctx, p.ID, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return pickListProto(pl), nil
}

func (s *LeaderPickupService) ConfirmArrival(ctx context.Context, req *v1.BatchActionRequest) (*v1.Arrival, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.pickup.ConfirmArrival(ctx, p.ID, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return arrivalProto(a), nil
}

// VerifyPickup hands an order out. The reply shows the order without its pickup code.
func (s *LeaderPickupService) VerifyPickup(ctx context.Context, req *v1.VerifyPickupRequest) (*v1.Order, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.pickup.Verify(ctx, p.ID, req.GetCode(), req.GetQr())
	if err != nil {
		return nil, toAPIError(err)
	}
	return orderProto(o, ""), nil
}

func dispatchLines(qs []order.ItemQty) []*v1.DispatchLine {
	out := make([]*v1.DispatchLine, len(qs))
	for i, q := range qs {
		out[i] = &v1.DispatchLine{ItemId: q.ItemID, Title: q.Title, Spec: q.Spec, Quantity: q.Qty}
	}
	return out
}

// pickListProto shows a pick list; each total's quantity counts every unit at the point
// (waiting, ready and handed out).
func pickListProto(pl *order.PickList) *v1.PickList {
	m := &v1.PickList{BatchId: pl.BatchID, PickupDate: pl.PickupDate, Arrived: pl.Arrived,
		Totals: make([]*v1.DispatchLine, len(pl.Totals)), Bags: make([]*v1.PickBag, len(pl.Bags))}
	for i, t := range pl.Totals {
		m.Totals[i] = &v1.DispatchLine{ItemId: t.ItemID, Title: t.Title, Spec: t.Spec, Quantity: t.Qty}
	}
	for i, b := range pl.Bags {
		m.Bags[i] = &v1.PickBag{OrderId: b.OrderID, Shopper: b.Shopper, Status: string(b.Status),
			Lines: dispatchLines(b.Lines)}
	}
	return m
}

// dispatchListProto shows a batch's dispatch list.
func dispatchListProto(dl *order.DispatchList) *v1.DispatchList {
	m := &v1.DispatchList{BatchId: dl.BatchID, Grids: make([]*v1.DispatchGrid, len(dl.Grids))}
	for i, g := range dl.Grids {
		mg := &v1.DispatchGrid{GridCell: g.Cell, GridName: g.Name, RouteLabel: g.RouteLabel,
			StationLabel: g.StationLabel, Totals: dispatchLines(g.Totals), Stops: make([]*v1.DispatchStop, len(g.Stops))}
		for j, st := range g.Stops {
			mg.Stops[j] = &v1.DispatchStop{LeaderId: st.LeaderID, PointName: st.PointName, Address: st.Address,
				Orders: st.Orders, Lines: dispatchLines(st.Lines), Arrived: st.Arrived}
		}
		m.Grids[i] = mg
	}
	return m
}

// arrivalProto shows an arrival; orders_ready is 0 when it was marked before.
func arrivalProto(a *order.Arrival) *v1.Arrival {
	return &v1.Arrival{BatchId: a.BatchID, LeaderId: a.LeaderID, ArrivedAt: stamp(a.ArrivedAt),
		OrdersReady: int64(a.OrdersReady)}
}

// noticeProto shows a shopper's notice.
func noticeProto(n *order.Notice) *v1.Notice {
	return &v1.Notice{Id: n.ID, OrderId: n.OrderID, Kind: n.Kind, Title: n.Title, Body: n.Body,
		CreatedAt: stamp(n.CreatedAt)}
}
