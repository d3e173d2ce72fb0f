package service

import (
	"context"
	"errors"
	"strconv"
	"time"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// nearbyPageSize is the nearby page size when the client asks for none.
const nearbyPageSize = 10

// NeighbourhoodService is the shopper's side of leaders.
type NeighbourhoodService struct {
	v1.UnimplementedNeighbourhoodServer
	uc     *leader.Usecase
	finder *leader.Finder
}

// NewNeighbourhoodService wraps the use cases.
func NewNeighbourhoodService(uc *leader.Usecase, finder *leader.Finder) *NeighbourhoodService {
	return &NeighbourhoodService{uc: uc, finder: finder}
}

func (s *NeighbourhoodService) LocateGrid(ctx context.Context, req *v1.LocateGridRequest) (*v1.Grid, error) {
	g, err := s.uc.Locate(ctx, geo.LatLng{Lat: req.GetLat(), Lng: req.GetLng()})
	if err != nil {
		return nil, toAPIError(err)
	}
	return gridReply(g), nil
}

func (s *NeighbourhoodService) NearbyPickupPoints(ctx context.Context, req *v1.NearbyPickupPointsRequest) (*v1.NearbyPickupPointsReply, error) {
	offset, err := pageOffset(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = nearbyPageSize
	}
	found, more, err := s.finder.Nearby(ctx, geo.LatLng{Lat: req.GetLat(), Lng: req.GetLng()}, req.GetRadiusM(), offset, size)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.NearbyPickupPointsReply{Points: make([]*v1.PickupPoint, len(found))}
	for i, n := range found {
		reply.Points[i] = pickupPoint(n.Leader.ID, &n.Leader.Point, n.Meters)
	}
	if more && offset+size <= leader.MaxOffset {
		reply.NextPageToken = strconv.Itoa(offset + size)
	}
	return reply, nil
}

// pageOffset reads a page token: the offset of the page, as this service wrote it.
func pageOffset(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(token)
	if err != nil || n < 0 || n > leader.MaxOffset {
		return 0, v1.ErrorInvalidArgument("page_token: not a token this service issued").
			WithMetadata(map[string]string{"field": "page_token"})
	}
	return n, nil
}

func (s *NeighbourhoodService) BindLeader(ctx context.Context, req *v1.BindLeaderRequest) (*v1.MyLeader, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	b, l, err := s.uc.Bind(ctx, p, req.GetLeaderId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return myLeader(b, l, false), nil
}

func (s *NeighbourhoodService) GetMyLeader(ctx context.Context, _ *v1.GetMyLeaderRequest) (*v1.MyLeader, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	b, l, err := s.uc.MyLeader(ctx, p)
	if errors.Is(err, leader.ErrLeaderNotServing) {
		return myLeader(b, l, true), nil
	}
	if err != nil {
		return nil, toAPIError(err)
	}
	return myLeader(b, l, false), nil
}

func (s *NeighbourhoodService) ApplyLeader(ctx context.Context, req *v1.ApplyLeaderRequest) (*v1.LeaderProfile, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.uc.Apply(ctx, p, leader.Application{
		RealName: req.GetRealName(), Phone: req.GetPhone(), PointName: req.GetPointName(),
		Address: req.GetAddress(), Location: location(req.GetLocation()),
		OpeningHours: req.GetOpeningHours(), InviteCode: req.GetInviteCode(),
	})
	if err != nil {
		return nil, toAPIError(err)
	}
	return leaderProfile(l), nil
}

func myLeader(b *leader.Binding, l *leader.Leader, needsRebind bool) *v1.MyLeader {
	return &v1.MyLeader{
		Point:       pickupPoint(l.ID, &l.Point, 0),
		BoundAt:     b.BoundAt.UTC().Format(time.RFC3339),
		NeedsRebind: needsRebind,
	}
}

func location(l *v1.Location) geo.LatLng { return geo.LatLng{Lat: l.GetLat(), Lng: l.GetLng()} }

func pickupPoint(leaderID int64, p *leader.PickupPoint, meters float64) *v1.PickupPoint {
	return &v1.PickupPoint{
		LeaderId: leaderID, Name: p.Name, Address: p.Address,
		Location:     &v1.Location{Lat: p.Location.Lat, Lng: p.Location.Lng},
		OpeningHours: p.OpeningHours, DistanceM: meters,
	}
}

func gridReply(g *leader.Grid) *v1.Grid {
	return &v1.Grid{Cell: g.Cell.String(), Name: g.Name, Serving: g.Serving, RouteLabel: g.RouteLabel,
		StationLabel: g.StationLabel, LeaderCount: int32(g.LeaderCount)}
}

func leaderProfile(l *leader.Leader) *v1.LeaderProfile {
	out := &v1.LeaderProfile{
		Id: l.ID, UserId: l.UserID, Status: string(l.Status), Paused: l.Paused, StatusReason: l.StatusReason,
		RealName: l.RealName, PhoneMasked: identity.MaskPhone(l.Phone),
		Point:    pickupPoint(l.ID, &l.Point, 0),
		GridCell: l.Point.GridCell.String(), PickupCell: l.Point.PickupCell.String(),
		InviteCode: l.InviteCode, Upline: l.Upline,
	}
	if l.RecruiterID != nil {
		out.RecruiterId = *l.RecruiterID
	}
	if l.PendingMove != nil {
		out.PendingMove = pickupPoint(l.ID, l.PendingMove, 0)
	}
	if l.ApprovedAt != nil {
		out.ApprovedAt = l.ApprovedAt.UTC().Format(time.RFC3339)
	}
	return out
}
