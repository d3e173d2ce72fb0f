package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
)

// LeaderSelfService is the leader's management of its own pickup point.
type LeaderSelfService struct {
	v1.UnimplementedLeaderSelfServer
	uc *leader.Usecase
}

// NewLeaderSelfService wraps the use cases.
func NewLeaderSelfService(uc *leader.Usecase) *LeaderSelfService { return &LeaderSelfService{uc: uc} }

func (s *LeaderSelfService) GetMyProfile(ctx context.Context, _ *v1.GetMyProfileRequest) (*v1.LeaderProfile, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.uc.Mine(ctx, p)
	if err != nil {
		return nil, toAPIError(err)
	}
	return leaderProfile(l), nil
}

func (s *LeaderSelfService) UpdatePickupPoint(ctx context.Context, req *v1.UpdatePickupPointRequest) (*v1.LeaderProfile, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.uc.UpdatePoint(ctx, p, leader.PointEdit{
		Name: req.GetName(), Address: req.GetAddress(), Location: location(req.GetLocation()),
		OpeningHours: req.GetOpeningHours(),
	})
	if err != nil {
		return nil, toAPIError(err)
	}
	return leaderProfile(l), nil
}

func (s *LeaderSelfService) SetPaused(ctx context.Context, req *v1.SetPausedRequest) (*v1.LeaderProfile, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.uc.SetPaused(ctx, p, req.GetPaused(), req.GetReason())
	if err != nil {
		return nil, toAPIError(err)
	}
	return leaderProfile(l), nil
}

func (s *LeaderSelfService) GetInvite(ctx context.Context, _ *v1.GetInviteRequest) (*v1.Invite, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	inv, err := s.uc.MyInvite(ctx, p)
	if err != nil {
		return nil, toAPIError(err)
	}
	return &v1.Invite{Code: inv.Code, Page: inv.Page, Scene: inv.Scene}, nil
}
