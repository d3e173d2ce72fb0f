package data_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/auditstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

const startRunOp = "/groupbuy.v1.FinanceSettlement/StartSettlementRun"

// auditFixture records six entries an hour apart through the use case: fin (id 7) starts runs
// (ok, ok, refused), ops (id 8) confirms an arrival, admin (id 9) unlocks an account, and a
// failed sign-in of nobody known.
func auditFixture(t *testing.T, db *sqldb.DB) (*audit.Usecase, time.Time, []audit.Entry) {
	t.Helper()
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	now := start
	uc := audit.NewUsecase(auditstore.NewAuditStore(db), func() time.Time { return now })
	in := []audit.Entry{
		{SubjectKind: identity.SubjectConsole, SubjectID: 7, Username: "fin", Role: "finance", Operation: startRunOp,
			Outcome: audit.OutcomeOK, Status: 200, Channel: audit.ChannelConsole, RequestID: "r1", ClientIP: "203.0.113.77:4431"},
		{SubjectKind: identity.SubjectConsole, SubjectID: 7, Username: "fin", Role: "finance", Operation: startRunOp,
			Outcome: audit.OutcomeOK, Status: 200, Channel: audit.ChannelAPI, RequestID: "r2", ClientIP: "2001:db8:1:2::9"},
		{SubjectKind: identity.SubjectConsole, SubjectID: 7, Username: "fin", Role: "finance", Operation: startRunOp,
			Outcome: "INVALID_ARGUMENT", Status: 400, Channel: audit.ChannelAPI, RequestID: "r3"},
		{SubjectKind: identity.SubjectConsole, SubjectID: 8, Role: "ops", Operation: "/groupbuy.v1.ShippingOps/ConfirmArrival",
			Target: "42", Outcome: audit.OutcomeOK, Status: 200, Channel: audit.ChannelAPI, RequestID: "r4"},
		{SubjectKind: identity.SubjectConsole, SubjectID: 9, Username: "root", Role: "admin", Operation: "/groupbuy.v1.Console/UnlockConsoleAccount",
			Target: "fin", Outcome: audit.OutcomeOK, Status: 200, Channel: audit.ChannelAPI, RequestID: "r5"},
		{SubjectKind: identity.SubjectConsole, Username: "mallory", Operation: "/groupbuy.v1.Console/ConsoleLogin",
			Outcome: "CREDENTIALS_INVALID", Status: 401, Channel: audit.ChannelConsole, RequestID: "r6"},
	}
	for _, e := range in {
		if err := uc.Record(t.Context(), e); err != nil {
			t.Fatalf("record %s: %v", e.RequestID, err)
		}
		now = now.Add(time.Hour)
	}
	return uc, start, in
}

func requestIDs(es []audit.Entry) string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.RequestID
	}
	return strings.Join(ids, ",")
}

// Entries come back as recorded (time, masked address), newest first, filtered by who (username
// or id), operation, outcome and time range, and page by id without gaps or repeats.
func TestAuditSearch(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) { t.Parallel(); testAuditSearch(t, openPostgres(t)) })
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); testAuditSearch(t, openSQLite(t)) })
}

func testAuditSearch(t *testing.T, db *sqldb.DB) {
	uc, start, _ := auditFixture(t, db)
	ctx := t.Context()
	all, err := uc.Search(ctx, audit.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if got := requestIDs(all); got != "r6,r5,r4,r3,r2,r1" {
		t.Fatalf("all entries = %s, want newest first", got)
	}
	first := all[5]
	if !first.At.Equal(start) || first.ClientIP != "203.0.113.0" || first.Username != "fin" || first.SubjectID != 7 ||
		first.Operation != startRunOp || first.Outcome != "ok" || first.Status != 200 || first.Channel != audit.ChannelConsole {
		t.Errorf("first entry = %+v", first)
	}
	if all[4].ClientIP != "2001:db8:1::" {
		t.Errorf("IPv6 address stored as %q, want its /48", all[4].ClientIP)
	}
	cases := []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"who by username", audit.Filter{Who: "fin"}, "r3,r2,r1"},
		{"who by id", audit.Filter{Who: "8"}, "r4"},
		{"operation", audit.Filter{Operation: startRunOp}, "r3,r2,r1"},
		{"outcome refused", audit.Filter{Outcome: "INVALID_ARGUMENT"}, "r3"},
		{"operation and outcome ok", audit.Filter{Operation: startRunOp, Outcome: "ok"}, "r2,r1"},
		{"from inclusive", audit.Filter{From: start.Add(4 * time.Hour)}, "r6,r5"},
		{"to exclusive", audit.Filter{To: start.Add(2 * time.Hour)}, "r2,r1"},
		{"range", audit.Filter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}, "r3,r2"},
		{"nobody", audit.Filter{Who: "nobody"}, ""},
	}
	for _, c := range cases {
		c.f.Limit = 50
		got, err := uc.Search(ctx, c.f)
		if err != nil || requestIDs(got) != c.want {
			t.Errorf("%s: %s, %v; want %s", c.name, requestIDs(got), err, c.want)
		}
	}
	var paged []audit.Entry
	f := audit.Filter{Limit: 4}
	for {
		page, err := uc.Search(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	if requestIDs(paged) != requestIDs(all) {
		t.Errorf("paged = %s, want %s", requestIDs(paged), requestIDs(all))
	}
}

// The database itself refuses to change or remove an entry, whatever asks: plain SQL, ent (whose
// schema has no setter for any field), a TRUNCATE; the entries stay as they were.
func TestAuditEntriesCannotBeEdited(t *testing.T) {
	t.Parallel()
	s := newStack(t, openPostgres(t))
	uc, _, _ := auditFixture(t, s.db)
	ctx := t.Context()
	before, err := uc.Search(ctx, audit.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit_entries SET outcome = 'ok' WHERE request_id = 'r3'",
		"UPDATE audit_entries SET username = 'someone'",
		"DELETE FROM audit_entries WHERE request_id = 'r1'",
		"DELETE FROM audit_entries",
		"TRUNCATE audit_entries",
	} {
		_, err := s.db.SQL.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refused as append-only", stmt, err)
		}
	}
	if _, err := s.db.Ent.AuditEntry.Delete().Exec(ctx); err == nil {
		t.Error("ent delete of every entry: no error")
	}
	after, err := uc.Search(ctx, audit.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Errorf("entries changed:\nbefore %+v\nafter  %+v", before, after)
	}
}
