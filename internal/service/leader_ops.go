package service

import (
	"context"
	"time"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// LeaderOpsService is the ops console's review of leaders and grids.
type LeaderOpsService struct {
	v1.UnimplementedLeaderOpsServer
	uc *leader.Usecase
}

// NewLeaderOpsService wraps the use cases.
func NewLeaderOpsService(uc *leader.Usecase) *LeaderOpsService { return &LeaderOpsService{uc: uc} }

func (s *LeaderOpsService) ListLeaders(ctx context.Context, req *v1.ListLeadersRequest) (*v1.ListLeadersReply, error) {
	f := leader.ListFilter{Status: leader.Status(req.GetStatus()), PointName: req.GetPointName(),
		AfterID: req.GetAfterId(), Limit: pageSizeOr(req.GetPageSize(), 50)}
	if req.GetGridCell() != "" {
		c, err := geo.ParseCell(req.GetGridCell())
		if err != nil {
			return nil, v1.ErrorInvalidArgument("grid_cell: %v", err).WithMetadata(map[string]string{"field": "grid_cell"})
		}
		f.GridCell = c
	}
	ls, err := s.uc.List(ctx, f)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListLeadersReply{Leaders: make([]*v1.LeaderProfile, len(ls))}
	for i, l := range ls {
		reply.Leaders[i] = leaderProfile(l)
	}
	return reply, nil
}

func (s *LeaderOpsService) GetLeader(ctx context.Context, req *v1.GetLeaderRequest) (*v1.LeaderDetail, error) {
	l, events, err := s.uc.Get(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.LeaderDetail{Leader: leaderProfile(l), Events: make([]*v1.LeaderEvent, len(events))}
	for i, e := range events {
		reply.Events[i] = &v1.LeaderEvent{Action: e.Action, ActorKind: e.ActorKind, ActorId: e.ActorID,
			Reason: e.Reason, At: e.At.UTC().Format(time.RFC3339)}
	}
	return reply, nil
}

func (s *LeaderOpsService) ApproveLeader(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) { return s.uc.Approve(ctx, p, req.GetId()) })
}

func (s *LeaderOpsService) RejectLeader(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) {
		return s.uc.Reject(ctx, p, req.GetId(), req.GetReason())
	})
}

func (s *LeaderOpsService) SuspendLeader(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) {
		return s.uc.Suspend(ctx, p, req.GetId(), req.GetReason())
	})
}

func (s *LeaderOpsService) RemoveLeader(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) {
		return s.uc.Remove(ctx, p, req.GetId(), req.GetReason())
	})
}

func (s *LeaderOpsService) SetLeaderReceiver(ctx context.Context, req *v1.SetLeaderReceiverRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) {
		return s.uc.UseMerchantReceiver(ctx, p, req.GetId(), leader.MerchantReceiver{MchID: req.GetMchId(), Name: req.GetName()})
	})
}

func (s *LeaderOpsService) ReinstateLeader(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) { return s.uc.Reinstate(ctx, p, req.GetId()) })
}

func (s *LeaderOpsService) ApproveMove(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) { return s.uc.ApproveMove(ctx, p, req.GetId()) })
}

func (s *LeaderOpsService) RejectMove(ctx context.Context, req *v1.LeaderActionRequest) (*v1.LeaderProfile, error) {
	return s.act(ctx, func(p identity.Principal) (*leader.Leader, error) {
		return s.uc.RejectMove(ctx, p, req.GetId(), req.GetReason())
	})
}

// act runs one review action as the calling ops account.
func (s *LeaderOpsService) act(ctx context.Context, do func(identity.Principal) (*leader.Leader, error)) (*v1.LeaderProfile, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := do(p)
	if err != nil {
		return nil, toAPIError(err)
	}
	return leaderProfile(l), nil
}

func (s *LeaderOpsService) SaveGrid(ctx context.Context, req *v1.SaveGridRequest) (*v1.Grid, error) {
	g, err := s.uc.SaveGrid(ctx, req.GetCell(), leader.GridEdit{Name: req.GetName(), Serving: req.GetServing(),
		RouteLabel: req.GetRouteLabel(), StationLabel: req.GetStationLabel()})
	if err != nil {
		return nil, toAPIError(err)
	}
	return gridReply(g), nil
}

func (s *LeaderOpsService) ListGrids(ctx context.Context, _ *v1.ListGridsRequest) (*v1.ListGridsReply, error) {
	gs, err := s.uc.Grids(ctx)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListGridsReply{Grids: make([]*v1.Grid, len(gs))}
	for i, g := range gs {
		reply.Grids[i] = gridReply(g)
	}
	return reply, nil
}

func (s *LeaderOpsService) GetGridBoundary(ctx context.Context, req *v1.GetGridBoundaryRequest) (*v1.GridBoundary, error) {
	vs, err := s.uc.Boundary(req.GetCell())
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.GridBoundary{Cell: req.GetCell(), Vertices: make([]*v1.Location, len(vs))}
	for i, v := range vs {
		reply.Vertices[i] = &v1.Location{Lat: v.Lat, Lng: v.Lng}
	}
	return reply, nil
}
