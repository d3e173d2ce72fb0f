package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
)

// ShopEventsService receives the signed-in shopper's events from the mini-program.
type ShopEventsService struct {
	v1.UnimplementedShopEventsServer
	uc *tracking.Usecase
}

// NewShopEventsService wraps the use case.
func NewShopEventsService(uc *tracking.Usecase) *ShopEventsService { return &ShopEventsService{uc: uc} }

// PostEvents records the events as the caller's: the shopper is the token's, never the body's.
func (s *ShopEventsService) PostEvents(ctx context.Context, req *v1.PostEventsRequest) (*v1.PostEventsReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in := make([]tracking.Input, len(req.GetEvents()))
	for i, e := range req.GetEvents() {
		in[i] = tracking.Input{ClientEventID: e.GetClientEventId(), Kind: tracking.Kind(e.GetKind()),
			Session: e.GetSession(), LeaderID: e.GetLeaderId(), BatchID: e.GetBatchId(), ItemID: e.GetItemId(),
			ShareKey: e.GetShareKey()}
		if e.GetClientAt() != nil {
			in[i].ClientAt = e.GetClientAt().AsTime()
		}
	}
	r, err := s.uc.Record(ctx, p.ID, in)
	if err != nil {
		return nil, toAPIError(err)
	}
	return &v1.PostEventsReply{Accepted: int32(r.Accepted), Duplicates: int32(r.Duplicates)}, nil
}
