package service

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
)

// InvitationService is 邀请有礼 for the signed-in shopper.
type InvitationService struct {
	v1.UnimplementedInvitationsServer
	uc *invite.Usecase
}

// NewInvitationService wraps the use case.
func NewInvitationService(uc *invite.Usecase) *InvitationService { return &InvitationService{uc: uc} }

func (s *InvitationService) GetMyInvitations(ctx context.Context, _ *v1.GetMyInvitationsRequest) (*v1.InvitationStatus, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.uc.Status(ctx, p.ID)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.InvitationStatus{Code: st.Code, Cap: int32(st.Cap), Counts: map[string]int32{}}
	for state, n := range st.Tally {
		out.Counts[string(state)] = int32(n)
	}
	if st.InvitedBy != nil {
		out.InvitedBy = invitationProto(st.InvitedBy)
	}
	return out, nil
}

func (s *InvitationService) ListMyInvitations(ctx context.Context, req *v1.ListMyInvitationsRequest) (*v1.ListInvitationsReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	invs, err := s.uc.List(ctx, p.ID, req.GetBeforeId(), pageSize(req.GetPageSize()))
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListInvitationsReply{}
	for _, inv := range invs {
		out.Invitations = append(out.Invitations, invitationProto(inv))
	}
	return out, nil
}

func (s *InvitationService) AcceptInvitation(ctx context.Context, req *v1.AcceptInvitationRequest) (*v1.AcceptInvitationReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	inv, accepted, err := s.uc.Accept(ctx, p.ID, req.GetCode())
	if err != nil {
		return nil, toAPIError(err)
	}
	// An earlier invitation stands; whose it is stays the caller's business only.
	return &v1.AcceptInvitationReply{Invitation: invitationProto(inv), Accepted: accepted}, nil
}

// invitationProto shows an invitation without naming either shopper.
func invitationProto(inv *invite.Invitation) *v1.Invitation {
	out := &v1.Invitation{Id: inv.ID, State: string(inv.State), CreatedAt: timestamppb.New(inv.CreatedAt),
		Reason: inv.Reason}
	if !inv.RewardedAt.IsZero() {
		out.RewardedAt = timestamppb.New(inv.RewardedAt)
	}
	return out
}

// InvitationOpsService is the programme for ops.
type InvitationOpsService struct {
	v1.UnimplementedInvitationOpsServer
	uc *invite.Usecase
}

// NewInvitationOpsService wraps the use case.
func NewInvitationOpsService(uc *invite.Usecase) *InvitationOpsService {
	return &InvitationOpsService{uc: uc}
}

func (s *InvitationOpsService) ListInvitations(ctx context.Context, req *v1.ListInvitationsRequest) (*v1.ListInvitationsOpsReply, error) {
	o, err := s.uc.Overview(ctx, invite.Filter{State: invite.InvitationState(req.GetState()),
		InviterID: req.GetInviterId(), BeforeID: req.GetBeforeId(), Limit: pageSize(req.GetPageSize())})
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListInvitationsOpsReply{Counts: map[string]int32{}, Cap: int32(o.Cap)}
	for state, n := range o.Counts {
		out.Counts[string(state)] = int32(n)
	}
	for _, inv := range o.Invitations {
		oi := &v1.OpsInvitation{Invitation: invitationProto(inv), InviterId: inv.InviterID,
			InviteeId: inv.InviteeID, OrderId: inv.OrderID}
		if !inv.QualifiedAt.IsZero() {
			oi.QualifiedAt = timestamppb.New(inv.QualifiedAt)
		}
		out.Invitations = append(out.Invitations, oi)
	}
	return out, nil
}
