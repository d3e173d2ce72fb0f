package service

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/audit"
)

// auditPageSize is the audit search's page when the client asks for none.
const auditPageSize = 50

// AuditLogService is the admins' search of the audit log.
type AuditLogService struct {
	v1.UnimplementedAuditLogServer
	uc *audit.Usecase
}

// NewAuditLogService serves the audit log of uc.
func NewAuditLogService(uc *audit.Usecase) *AuditLogService { return &AuditLogService{uc: uc} }

func (s *AuditLogService) SearchAuditEntries(ctx context.Context, req *v1.SearchAuditEntriesRequest) (*v1.SearchAuditEntriesReply, error) {
	f := audit.Filter{Who: req.GetWho(), Operation: req.GetOperation(), Outcome: req.GetOutcome(),
		BeforeID: req.GetBeforeId(), Limit: int(req.GetPageSize())}
	if f.Limit <= 0 {
		f.Limit = auditPageSize
	}
	if req.GetFrom() != nil {
		f.From = req.GetFrom().AsTime()
	}
	if req.GetTo() != nil {
		f.To = req.GetTo().AsTime()
	}
	entries, err := s.uc.Search(ctx, f)
	if err != nil {
		return nil, toAPIError(err)
	}
	out := &v1.SearchAuditEntriesReply{Entries: make([]*v1.AuditEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = auditProto(e)
	}
	return out, nil
}

func auditProto(e audit.Entry) *v1.AuditEntry {
	return &v1.AuditEntry{
		Id: e.ID, At: timestamppb.New(e.At), SubjectKind: string(e.SubjectKind), SubjectId: e.SubjectID,
		Username: e.Username, Role: e.Role, Operation: e.Operation, Target: e.Target,
		Outcome: e.Outcome, Status: int32(e.Status), Channel: string(e.Channel), //nolint:gosec // G115: an HTTP status
		RequestId: e.RequestID, ClientIp: e.ClientIP,
	}
}
