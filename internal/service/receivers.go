package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// ReceiverOpsService shows the profit-sharing receiver registrations and retries refused ones.
type ReceiverOpsService struct {
	v1.UnimplementedReceiverOpsServer
	ops *payment.ReceiverOps
}

// NewReceiverOpsService wraps the use cases.
func NewReceiverOpsService(ops *payment.ReceiverOps) *ReceiverOpsService {
	return &ReceiverOpsService{ops: ops}
}

func (s *ReceiverOpsService) ListReceiverRegistrations(ctx context.Context, req *v1.ListReceiverRegistrationsRequest) (*v1.ListReceiverRegistrationsReply, error) {
	regs, err := s.ops.List(ctx, payment.RegistrationFilter{State: payment.RegistrationState(req.GetState()),
		LeaderID: req.GetLeaderId(), BeforeID: req.GetBeforeId(), Limit: pageSize(req.GetPageSize())})
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.ListReceiverRegistrationsReply{Registrations: make([]*v1.ReceiverRegistration, len(regs))}
	for i := range regs {
		out.Registrations[i] = registrationProto(&regs[i])
	}
	return out, nil
}

func (s *ReceiverOpsService) RetryReceiverRegistration(ctx context.Context, req *v1.RetryReceiverRegistrationRequest) (*v1.ReceiverRegistration, error) {
	reg, err := s.ops.Retry(ctx, req.GetId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return registrationProto(reg), nil
}

func registrationProto(r *payment.RegistrationRecord) *v1.ReceiverRegistration {
	op := "add"
	if r.Delete {
		op = "delete"
	}
	out := &v1.ReceiverRegistration{Id: r.ID, LeaderId: r.LeaderID, Op: op, State: string(r.State),
		Attempts: int32(r.Attempts), LastError: r.LastError, CreatedAt: stamp(r.CreatedAt), UpdatedAt: stamp(r.UpdatedAt)}
	if r.State == payment.RegistrationPending {
		out.NextAttemptAt = stamp(r.NextAttemptAt)
	}
	return out
}
