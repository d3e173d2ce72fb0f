package data_test

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/auditstore"
)

// BenchmarkAuditRecord is what recording adds to a state-changing request: one insert on
// PostgreSQL, written synchronously in the request.
func BenchmarkAuditRecord(b *testing.B) {
	db := openPostgresTB(b)
	uc := audit.NewUsecase(auditstore.NewAuditStore(db), func() time.Time { return time.Now().UTC() })
	e := audit.Entry{SubjectKind: identity.SubjectConsole, SubjectID: 7, Username: "mei.finance", Role: "finance",
		Operation: startRunOp, Outcome: audit.OutcomeOK, Status: 200, Channel: audit.ChannelAPI,
		RequestID: "0c7066ad674d28eb83525d01", ClientIP: "203.0.113.77:4431"}
	b.ResetTimer()
	for b.Loop() {
		if err := uc.Record(b.Context(), e); err != nil {
			b.Fatal(err)
		}
	}
}
