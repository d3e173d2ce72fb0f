package service

import (
	"context"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// BatchOpsService is the ops console's presale batches and pickup day.
type BatchOpsService struct {
	v1.UnimplementedBatchOpsServer
	uc     *presale.Usecase
	pickup *order.Pickup
	keeper *order.Keeper
}

// NewBatchOpsService wraps the use cases.
func NewBatchOpsService(uc *presale.Usecase, pickup *order.Pickup, keeper *order.Keeper) *BatchOpsService {
	return &BatchOpsService{uc: uc, pickup: pickup, keeper: keeper}
}

func (s *BatchOpsService) CreateBatch(ctx context.Context, req *v1.BatchInput) (*v1.Batch, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in, err := batchInput(req)
	if err != nil {
		return nil, toAPIError(err)
	}
	b, err := s.uc.Create(ctx, p, in)
	return batchReply(b, nil, err)
}

func (s *BatchOpsService) UpdateBatch(ctx context.Context, req *v1.UpdateBatchRequest) (*v1.Batch, error) {
	in, err := batchInput(req.GetBatch())
	if err != nil {
		return nil, toAPIError(err)
	}
	b, err := s.uc.Update(ctx, req.GetId(), in)
	return batchReply(b, nil, err)
}

func (s *BatchOpsService) ScheduleBatch(ctx context.Context, req *v1.BatchActionRequest) (*v1.Batch, error) {
	b, err := s.uc.Schedule(ctx, req.GetId())
	return batchReply(b, nil, err)
}

func (s *BatchOpsService) DispatchBatch(ctx context.Context, req *v1.BatchActionRequest) (*v1.Batch, error) {
	b, err := s.uc.Dispatch(ctx, req.GetId())
	return batchReply(b, nil, err)
}

func (s *BatchOpsService) CancelBatch(ctx context.Context, req *v1.CancelBatchRequest) (*v1.Batch, error) {
	b, err := s.uc.Cancel(ctx, req.GetId(), req.GetReason())
	return batchReply(b, nil, err)
}

// GetBatch shows the batch with the stock its counters have left, the figure the shop shows.
func (s *BatchOpsService) GetBatch(ctx context.Context, req *v1.GetBatchRequest) (*v1.Batch, error) {
	b, err := s.uc.Get(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	left, err := s.keeper.Remaining(ctx, b)
	return batchReply(b, left, err)
}

func (s *BatchOpsService) ListBatches(ctx context.Context, req *v1.ListBatchesRequest) (*v1.ListBatchesReply, error) {
	bs, err := s.uc.List(ctx, presale.ListFilter{Status: presale.Status(req.GetStatus()), BeforeID: req.GetBeforeId(),
		Limit: pageSize(req.GetPageSize())})
	if err != nil {
		return nil, toAPIError(err)
	}
	left := make(map[int64]map[int64]int64, len(bs))
	for _, b := range bs {
		if left[b.ID], err = s.keeper.Remaining(ctx, b); err != nil {
			return nil, toAPIError(err)
		}
	}
	return batchesReply(bs, left), nil
}

// GetBatchStock compares the batch's stock in the database with its counters, read-only.
func (s *BatchOpsService) GetBatchStock(ctx context.Context, req *v1.GetBatchRequest) (*v1.BatchStock, error) {
	b, checks, err := s.keeper.Inspect(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.BatchStock{BatchId: b.ID, Status: string(b.Status), Agrees: true}
	for _, c := range checks {
		reply.Items = append(reply.Items, &v1.BatchStockItem{ItemId: c.ItemID, Quota: c.Quota, Pending: c.Pending,
			Sold: c.Sold, Reserved: c.Reserved, Remaining: c.Remaining, Loaded: c.Loaded, Agrees: c.Agrees})
		reply.Agrees = reply.Agrees && c.Agrees
	}
	return reply, nil
}

func (s *BatchOpsService) GetDispatchList(ctx context.Context, req *v1.GetDispatchListRequest) (*v1.DispatchList, error) {
	dl, err := s.pickup.DispatchList(ctx, req.GetId(), req.GetGridCell())
	if err != nil {
		return nil, toAPIError(err)
	}
	return dispatchListProto(dl), nil
}

func (s *BatchOpsService) MarkArrived(ctx context.Context, req *v1.MarkArrivedRequest) (*v1.Arrival, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.pickup.Arrive(ctx, req.GetId(), req.GetLeaderId(), "ops:"+strconv.FormatInt(p.ID, 10))
	if err != nil {
		return nil, toAPIError(err)
	}
	return arrivalProto(a), nil
}

func (s *BatchOpsService) ListOverdueOrders(ctx context.Context, req *v1.ListOverdueOrdersRequest) (*v1.ListOrdersReply, error) {
	os, err := s.pickup.Overdue(ctx, req.GetAfterId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListOrdersReply{Orders: make([]*v1.Order, len(os))}
	for i, o := range os {
		reply.Orders[i] = orderProto(o, "")
	}
	return reply, nil
}

func (s *BatchOpsService) RebuildStock(ctx context.Context, req *v1.BatchActionRequest) (*v1.StockReport, error) {
	levels, err := s.keeper.RebuildReport(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.StockReport{BatchId: req.GetId()}
	for _, l := range levels {
		reply.Items = append(reply.Items, &v1.StockLine{ItemId: l.ItemID, Quota: l.Quota, Taken: l.Taken,
			Remaining: l.Remaining})
	}
	return reply, nil
}

func batchInput(req *v1.BatchInput) (presale.Input, error) {
	in := presale.Input{Title: req.GetTitle(), OpensAt: req.GetOpensAt().AsTime(), CutoffAt: req.GetCutoffAt().AsTime(),
		PickupDate: req.GetPickupDate()}
	for _, it := range req.GetItems() {
		in.Items = append(in.Items, presale.ItemInput{SKUID: it.GetSkuId(), Price: it.GetPriceFen(), Quota: it.GetQuota(),
			Limit: it.GetPerShopperLimit(), CommissionBP: int(it.GetCommissionBp()), ReferenceBasis: it.GetReferenceBasis()})
	}
	for _, c := range req.GetGridCells() {
		cell, err := geo.ParseCell(c)
		if err != nil {
			return presale.Input{}, bizerr.Invalid("grid_cells", "not an H3 cell: "+c)
		}
		in.Grids = append(in.Grids, cell)
	}
	return in, nil
}

func batchReply(b *presale.Batch, remaining map[int64]int64, err error) (*v1.Batch, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return batchProto(b, remaining), nil
}

// batchesReply lists bs with the stock left per batch and item (nil: none shown).
func batchesReply(bs []*presale.Batch, remaining map[int64]map[int64]int64) *v1.ListBatchesReply {
	reply := &v1.ListBatchesReply{Batches: make([]*v1.Batch, len(bs))}
	for i, b := range bs {
		reply.Batches[i] = batchProto(b, remaining[b.ID])
	}
	return reply
}

func batchProto(b *presale.Batch, remaining map[int64]int64) *v1.Batch {
	m := &v1.Batch{Id: b.ID, Title: b.Title, Status: string(b.Status), OpensAt: timestamppb.New(b.OpensAt),
		CutoffAt: timestamppb.New(b.CutoffAt), PickupDate: b.PickupDay(), CancelReason: b.CancelReason,
		CreatedAt: timestamppb.New(b.CreatedAt)}
	for _, it := range b.Items {
		m.Items = append(m.Items, &v1.BatchItem{Id: it.ID, SkuId: it.SKUID, ProductId: it.ProductID, Title: it.Title,
			Spec: it.Spec, Unit: it.Unit, Image: it.Image, ListPriceFen: it.ListPrice, PriceFen: it.Price,
			Quota: it.Quota, PerShopperLimit: it.Limit, CommissionBp: int32(it.CommissionBP),
			Remaining: remaining[it.ID], ReferenceBasis: it.ReferenceBasis, ListPriceShown: it.ListPriceShown})
	}
	for _, g := range b.Grids {
		m.GridCells = append(m.GridCells, g.String())
	}
	return m
}
