package service

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
)

// LayerOpsService is the ops console's shopper layers and targeted sends.
type LayerOpsService struct {
	v1.UnimplementedLayerOpsServer
	snapshots *layer.Snapshots
	targeting *layer.Targeting
}

// NewLayerOpsService wraps the use cases.
func NewLayerOpsService(snapshots *layer.Snapshots, targeting *layer.Targeting) *LayerOpsService {
	return &LayerOpsService{snapshots: snapshots, targeting: targeting}
}

func (s *LayerOpsService) ListLayerSnapshots(ctx context.Context, req *v1.ListLayerSnapshotsRequest) (*v1.ListLayerSnapshotsReply, error) {
	size := int(req.GetPageSize())
	if size == 0 {
		size = 30
	}
	days, err := s.snapshots.Days(ctx, size)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListLayerSnapshotsReply{}
	for _, d := range days {
		out.Snapshots = append(out.Snapshots, snapshotMsg(&d))
	}
	return out, nil
}

func snapshotMsg(d *layer.SnapshotInfo) *v1.LayerSnapshot {
	return &v1.LayerSnapshot{Day: d.Day, Rules: d.Rules, Shoppers: int32(d.Shoppers), TakenAt: timestamppb.New(d.TakenAt)}
}

func (s *LayerOpsService) GetLayerCounts(ctx context.Context, req *v1.GetLayerCountsRequest) (*v1.LayerCounts, error) {
	info, counts, err := s.snapshots.Counts(ctx, req.GetDay(), req.GetGridCell())
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.LayerCounts{Snapshot: snapshotMsg(info)}
	for _, c := range counts {
		out.Counts = append(out.Counts, &v1.LayerCount{GridCell: c.Grid, LeaderId: c.LeaderID, Layer: string(c.Layer),
			Shoppers: int32(c.Shoppers)})
	}
	return out, nil
}

func (s *LayerOpsService) CreateTargetedSend(ctx context.Context, req *v1.CreateTargetedSendRequest) (*v1.TargetedSend, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a := layer.Audience{Day: req.GetDay(), Layer: layer.Layer(req.GetLayer()), Grid: req.GetGridCell()}
	switch coupon, msg := req.GetCouponTemplateId(), req.GetMessage(); {
	case coupon > 0 && msg == nil:
		return targetedReply(s.targeting.SendCoupon(ctx, a, coupon, req.GetNote(), p.ID))
	case coupon == 0 && msg != nil:
		m := layer.Message{TemplateID: msg.GetTemplateId(), Page: msg.GetPage(), Data: msg.GetData()}
		return targetedReply(s.targeting.SendMessage(ctx, a, m, req.GetNote(), p.ID))
	}
	return nil, toAPIError(bizerr.Invalid("coupon_template_id", "exactly one of coupon_template_id and message"))
}

func (s *LayerOpsService) GetTargetedSend(ctx context.Context, req *v1.GetTargetedSendRequest) (*v1.TargetedSend, error) {
	return targetedReply(s.targeting.Get(ctx, req.GetId()))
}

func (s *LayerOpsService) ListTargetedSends(ctx context.Context, req *v1.ListTargetedSendsRequest) (*v1.ListTargetedSendsReply, error) {
	size := int(req.GetPageSize())
	if size == 0 {
		size = 20
	}
	sends, err := s.targeting.List(ctx, req.GetBeforeId(), size)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListTargetedSendsReply{}
	for _, send := range sends {
		out.Sends = append(out.Sends, targetedMsg(send))
	}
	return out, nil
}

func targetedReply(send *layer.Send, err error) (*v1.TargetedSend, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return targetedMsg(send), nil
}

func targetedMsg(s *layer.Send) *v1.TargetedSend {
	out := &v1.TargetedSend{Id: s.ID, Day: s.Day, Layer: string(s.Layer), GridCell: s.Grid, Kind: string(s.Kind),
		CouponTemplateId: s.CouponTemplateID, CouponSendId: s.CouponSendID, Note: s.Note, Status: string(s.Status),
		Total: int32(s.Total), CreatedAt: optionalTime(s.CreatedAt), FinishedAt: optionalTime(s.FinishedAt),
		Progress: &v1.TargetedSendProgress{Pending: int32(s.Progress.Pending), Sent: int32(s.Progress.Sent),
			Skipped: int32(s.Progress.Skipped), NoConsent: int32(s.Progress.NoConsent),
			Refused: int32(s.Progress.Refused), Unknown: int32(s.Progress.Unknown)}}
	if s.Kind == layer.KindMessage {
		out.Message = &v1.TargetedMessage{TemplateId: s.Message.TemplateID, Page: s.Message.Page, Data: s.Message.Data}
	}
	return out
}

// LayerShopService is the shopper's acceptances of one-time subscription messages.
type LayerShopService struct {
	v1.UnimplementedLayerShopServer
	consents  *layer.Consents
	targeting *layer.Targeting
}

// NewLayerShopService wraps the use cases.
func NewLayerShopService(consents *layer.Consents, targeting *layer.Targeting) *LayerShopService {
	return &LayerShopService{consents: consents, targeting: targeting}
}

func (s *LayerShopService) ListSubscriptionTemplates(ctx context.Context, _ *v1.ListSubscriptionTemplatesRequest) (*v1.SubscriptionTemplates, error) {
	return s.templates(ctx, 0)
}

func (s *LayerShopService) ReportSubscriptions(ctx context.Context, req *v1.ReportSubscriptionsRequest) (*v1.SubscriptionTemplates, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := s.consents.Report(ctx, p.ID, req.GetRequestId(), req.GetTemplateIds())
	if err != nil {
		return nil, toAPIError(err)
	}
	return s.templates(ctx, stored)
}

// templates lists the configured templates with the caller's unused acceptances.
func (s *LayerShopService) templates(ctx context.Context, stored int) (*v1.SubscriptionTemplates, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	unused, err := s.consents.Unused(ctx, p.ID)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.SubscriptionTemplates{Stored: int32(stored)}
	for _, id := range slices.Sorted(slices.Values(s.targeting.Templates())) {
		out.Templates = append(out.Templates, &v1.SubscriptionTemplate{TemplateId: id, Unused: int32(unused[id])})
	}
	return out, nil
}
