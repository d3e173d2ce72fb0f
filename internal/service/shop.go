package service

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// ShopService is the shopper mini-program's shopping.
type ShopService struct {
	v1.UnimplementedShopServer
	checkout   *order.Checkout
	batches    *presale.Usecase
	afterSales *order.AfterSales
	pickup     *order.Pickup
}

// NewShopService wraps the use cases.
func NewShopService(checkout *order.Checkout, batches *presale.Usecase, afterSales *order.AfterSales,
	pickup *order.Pickup) *ShopService {
	return &ShopService{checkout: checkout, batches: batches, afterSales: afterSales, pickup: pickup}
}

func (s *ShopService) ListOpenBatches(ctx context.Context, _ *v1.ListOpenBatchesRequest) (*v1.ListShopBatchesReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	bs, remaining, err := s.checkout.OpenBatches(ctx, p.ID)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListShopBatchesReply{Batches: make([]*v1.ShopBatch, len(bs))}
	for i, b := range bs {
		reply.Batches[i] = shopBatchProto(b, remaining[b.ID])
	}
	return reply, nil
}

// shopBatchProto shows a batch to shoppers: never the leaders' terms (commission, quota).
func shopBatchProto(b *presale.Batch, remaining map[int64]int64) *v1.ShopBatch {
	m := &v1.ShopBatch{Id: b.ID, Title: b.Title, OpensAt: timestamppb.New(b.OpensAt),
		CutoffAt: timestamppb.New(b.CutoffAt), PickupDate: b.PickupDay()}
	for _, it := range b.Items {
		item := &v1.ShopBatchItem{Id: it.ID, SkuId: it.SKUID, ProductId: it.ProductID,
			Title: it.Title, Spec: it.Spec, Unit: it.Unit, Image: it.Image,
			PriceFen: it.Price, PerShopperLimit: it.Limit, Remaining: remaining[it.ID]}
		// The list price goes out only with the verdict stored when the batch was scheduled and
		// opened (presale.CheckReference), with the basis it stands on: this read judges nothing.
		if it.ListPriceShown {
			item.ListPriceFen, item.ReferenceBasis = it.ListPrice, it.ReferenceBasis
		}
		m.Items = append(m.Items, item)
	}
	return m
}

func (s *ShopService) PlaceOrder(ctx context.Context, req *v1.PlaceOrderRequest) (*v1.Order, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in := order.PlaceInput{Key: req.GetIdempotencyKey(), BatchID: req.GetBatchId(), Lines: lineInputs(req.GetLines()),
		CouponID: req.GetCouponId(), ExpectedAmount: req.GetExpectedAmountFen(), ShareKey: req.GetShareKey()}
	o, err := s.checkout.Place(ctx, p.ID, in)
	return s.orderReply(ctx, o, err)
}

func lineInputs(lines []*v1.OrderLineInput) []order.LineInput {
	out := make([]order.LineInput, 0, len(lines))
	for _, l := range lines {
		out = append(out, order.LineInput{ItemID: l.GetItemId(), Qty: l.GetQuantity(), Price: l.GetPriceFen()})
	}
	return out
}

// Quote prices a cart as checkout would place it now.
func (s *ShopService) Quote(ctx context.Context, req *v1.QuoteRequest) (*v1.QuoteReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.checkout.Quote(ctx, p.ID, order.QuoteInput{BatchID: req.GetBatchId(), Lines: lineInputs(req.GetLines()),
		CouponID: req.GetCouponId(), BestCoupon: req.GetBestCoupon()})
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.QuoteReply{GrossFen: q.Gross, PromoOffFen: q.PromoOff, CouponOffFen: q.CouponOff, AmountFen: q.Amount,
		ActivityId: q.ActivityID, CouponId: q.CouponID}
	if q.ActivityID > 0 {
		out.Tier = &v1.QuoteTier{ThresholdFen: q.Tier.Threshold, OffFen: q.Tier.Off, GiftItemId: q.Tier.GiftItemID,
			GiftQuantity: q.Tier.GiftQty}
	}
	for _, l := range q.Lines {
		out.Lines = append(out.Lines, &v1.QuoteLine{ItemId: l.ItemID, SkuId: l.SKUID, PriceFen: l.Price, Quantity: l.Qty,
			GrossFen: l.Gross, PromoOffFen: l.PromoOff, CouponOffFen: l.CouponOff, AmountFen: l.Amount(), Gift: l.Gift})
	}
	return out, nil
}

func (s *ShopService) PayOrder(ctx context.Context, req *v1.OrderRequest) (*v1.PaymentParams, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	rp, err := s.checkout.Pay(ctx, p.ID, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return &v1.PaymentParams{AppId: rp.AppID, TimeStamp: rp.TimeStamp, NonceStr: rp.NonceStr, Package: rp.Package,
		SignType: rp.SignType, PaySign: rp.PaySign}, nil
}

func (s *ShopService) GetOrder(ctx context.Context, req *v1.OrderRequest) (*v1.Order, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.checkout.Get(ctx, p.ID, req.GetId())
	return s.orderReply(ctx, o, err)
}

func (s *ShopService) ListOrders(ctx context.Context, req *v1.ListMyOrdersRequest) (*v1.ListOrdersReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	os, err := s.checkout.List(ctx, p.ID, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListOrdersReply{Orders: make([]*v1.Order, len(os))}
	for i, o := range os {
		reply.Orders[i] = orderProto(o, s.checkout.PickupQR(o))
		reply.Orders[i].PickupDate = s.checkout.PickupDay(ctx, o)
	}
	return reply, nil
}

func (s *ShopService) CancelOrder(ctx context.Context, req *v1.OrderRequest) (*v1.Order, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.checkout.Cancel(ctx, p.ID, req.GetId())
	return s.orderReply(ctx, o, err)
}

func (s *ShopService) RequestAfterSale(ctx context.Context, req *v1.AfterSaleRequest) (*v1.AfterSale, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var lines []order.AfterSaleLine
	for _, l := range req.GetLines() {
		lines = append(lines, order.AfterSaleLine{LineID: l.GetLineId(), Quantity: l.GetQuantity()})
	}
	a, err := s.afterSales.Request(ctx, p.ID, req.GetOrderId(), lines, req.GetReason())
	if err != nil {
		return nil, toAPIError(err)
	}
	return afterSaleProto(a), nil
}

func (s *ShopService) ListMyAfterSales(ctx context.Context, req *v1.ListMyAfterSalesRequest) (*v1.ListAfterSalesReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	as, err := s.afterSales.Mine(ctx, p.ID, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListAfterSalesReply{AfterSales: make([]*v1.AfterSale, len(as))}
	for i, a := range as {
		reply.AfterSales[i] = afterSaleProto(a)
	}
	return reply, nil
}

func (s *ShopService) ListNotices(ctx context.Context, req *v1.ListNoticesRequest) (*v1.ListNoticesReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := s.pickup.Notices(ctx, p.ID, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListNoticesReply{Notices: make([]*v1.Notice, len(ns))}
	for i, n := range ns {
		reply.Notices[i] = noticeProto(n)
	}
	return reply, nil
}

func (s *ShopService) orderReply(ctx context.Context, o *order.Order, err error) (*v1.Order, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	m := orderProto(o, s.checkout.PickupQR(o))
	m.PickupDate = s.checkout.PickupDay(ctx, o)
	return m, nil
}

// orderProto shows an order; the pickup code and QR only to its shopper (qr non-empty).
func orderProto(o *order.Order, qr string) *v1.Order {
	m := &v1.Order{Id: o.ID, BatchId: o.BatchID, LeaderId: o.LeaderID, UserId: o.UserID, Status: string(o.Status),
		AmountFen: o.Amount, RefundedFen: o.Refunded, CreatedAt: timestamppb.New(o.CreatedAt),
		ExpiresAt: timestamppb.New(o.ExpiresAt), CancelReason: o.CancelReason, PaidAt: stamp(o.PaidAt),
		ReadyAt: stamp(o.ReadyAt), PickedUpAt: stamp(o.PickedUpAt), OverdueAt: stamp(o.OverdueAt),
		PromoOffFen: o.PromoOff, CouponOffFen: o.CouponOff, CouponId: o.CouponID, ActivityId: o.ActivityID}
	if qr != "" {
		m.PickupCode, m.PickupQr = o.PickupCode, qr
	}
	for _, l := range o.Lines {
		m.Lines = append(m.Lines, &v1.OrderLine{Id: l.ID, ItemId: l.ItemID, SkuId: l.SKUID, Title: l.Title,
			PriceFen: l.Price, Quantity: l.Quantity, AmountFen: l.Amount, RefundedQuantity: l.RefundedQty,
			RefundedFen: l.RefundedAmount, PromoOffFen: l.PromoOff, CouponOffFen: l.CouponOff, Gift: l.Gift})
	}
	return m
}

// stamp is t, or nothing for the zero time (a step not taken yet).
func stamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
