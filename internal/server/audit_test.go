package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	khttp "github.com/go-kratos/kratos/v2/transport/http"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/auditstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// panickingRun is the run whose retry panics after it may have changed state.
const panickingRun = 666

const (
	startRunOp = "/groupbuy.v1.FinanceSettlement/StartSettlementRun"
	retryRunOp = "/groupbuy.v1.FinanceSettlement/RetrySettlementRun"
)

// settlementAPI answers the settlement operations the audit tests call: a start with key
// "reused-key" is refused as the real use case refuses a reused key.
type settlementAPI struct {
	v1.UnimplementedFinanceSettlementServer
}

func (settlementAPI) StartSettlementRun(_ context.Context, req *v1.StartSettlementRunRequest) (*v1.SettlementRun, error) {
	if req.GetIdempotencyKey() == "reused-key" {
		return nil, v1.ErrorIdempotencyKeyReused("the key started a run with another cut-off")
	}
	return &v1.SettlementRun{Id: 31}, nil
}

func (settlementAPI) RetrySettlementRun(_ context.Context, req *v1.RetrySettlementRunRequest) (*v1.RetrySettlementRunReply, error) {
	if req.GetId() == panickingRun {
		panic("retry of run 666 broke half-way")
	}
	return &v1.RetrySettlementRunReply{}, nil
}

func (settlementAPI) ListSettlementRuns(context.Context, *v1.ListSettlementRunsRequest) (*v1.ListSettlementRunsReply, error) {
	return &v1.ListSettlementRunsReply{}, nil
}

// asFinance stands in for the authentication middleware: the caller is finance account 7.
func asFinance(next middleware.Handler) middleware.Handler {
	return func(ctx context.Context, req any) (any, error) {
		p := identity.Principal{Kind: identity.SubjectConsole, ID: 7, Roles: []identity.Role{identity.RoleFinance}}
		return next(identity.WithPrincipal(ctx, p), req)
	}
}

// logSink keeps what the server logs.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Log(level log.Level, kv ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return log.NewStdLogger(&s.buf).Log(level, kv...)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// auditServer is the API's HTTP transport with the production codec and the chain around the
// audit middleware, on a fresh PostgreSQL database.
func auditServer(t *testing.T) (*httptest.Server, *audit.Usecase, *sqldb.DB, *logSink) {
	t.Helper()
	return auditServerBehind(t, nil)
}

// auditServerBehind is auditServer with proxies as its trusted load balancers.
func auditServerBehind(t *testing.T, proxies mw.Proxies) (*httptest.Server, *audit.Usecase, *sqldb.DB, *logSink) {
	t.Helper()
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: dialect.Postgres, Source: testenv.PostgresDSN(t)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	uc := audit.NewUsecase(auditstore.NewAuditStore(db), func() time.Time { return time.Now().UTC() })
	policy, err := auth.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := AuditedOperations(policy)
	if err != nil {
		t.Fatal(err)
	}
	sink := &logSink{}
	srv := khttp.NewServer(
		khttp.Middleware(mw.RequestLog(sink, proxies), asFinance,
			Audit(sink, uc, Recording{Ops: ops, Proxies: proxies}), mw.Recover(sink), mw.Validate()),
		khttp.RequestDecoder(decodeBody), khttp.ResponseEncoder(encodeResponse), khttp.ErrorEncoder(encodeError),
	)
	v1.RegisterFinanceSettlementHTTPServer(srv, settlementAPI{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, uc, db, sink
}

func call(t *testing.T, ts *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(mw.RequestIDHeader)
}

func entries(t *testing.T, uc *audit.Usecase) []audit.Entry {
	t.Helper()
	es, err := uc.Search(t.Context(), audit.Filter{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Each state-changing call leaves exactly one entry with who, what, on what, how it ended and
// from where, whether it succeeded, failed validation or was refused by the use case; a read
// leaves none.
func TestAuditRecordsStateChangingCalls(t *testing.T) {
	t.Parallel()
	ts, uc, _, _ := auditServer(t)
	cases := []struct {
		method, path, body  string
		status              int
		op, target, outcome string
	}{
		{"POST", "/v1/finance/settlement/runs", `{"idempotency_key":"first-run-key"}`, 200, startRunOp, "", "ok"},
		{"POST", "/v1/finance/settlement/runs", `{"idempotency_key":"bad key!"}`, 400, startRunOp, "", "INVALID_ARGUMENT"},
		{"POST", "/v1/finance/settlement/runs", `{"idempotency_key":"reused-key"}`, 422, startRunOp, "", "IDEMPOTENCY_KEY_REUSED"},
		{"POST", "/v1/finance/settlement/runs/12/retry", `{}`, 200, retryRunOp, "12", "ok"},
	}
	for i, c := range cases {
		status, requestID := call(t, ts, c.method, c.path, c.body)
		if status != c.status {
			t.Fatalf("%s %s %s: status %d, want %d", c.method, c.path, c.body, status, c.status)
		}
		if n, _ := call(t, ts, "GET", "/v1/finance/settlement/runs", ""); n != 200 {
			t.Fatalf("list runs: status %d", n)
		}
		es := entries(t, uc)
		if len(es) != i+1 {
			t.Fatalf("after %s %s: %d entries, want %d (one per state-changing call, none per read)", c.method, c.body, len(es), i+1)
		}
		e := es[0]
		if e.Operation != c.op || e.Target != c.target || e.Outcome != c.outcome || e.Status != c.status ||
			e.SubjectKind != identity.SubjectConsole || e.SubjectID != 7 || e.Role != "finance" ||
			e.Channel != audit.ChannelAPI || e.RequestID != requestID || requestID == "" || e.ClientIP != "127.0.0.0" ||
			time.Since(e.At) > time.Minute {
			t.Errorf("%s %s: entry = %+v (request id %q)", c.path, c.body, e, requestID)
		}
	}
}

// When the entry cannot be written the action's reply still goes out as it was, and the log says
// loudly what was not recorded.
func TestAuditFailureKeepsTheOutcome(t *testing.T) {
	t.Parallel()
	ts, _, db, sink := auditServer(t)
	if _, err := db.SQL.ExecContext(t.Context(), "ALTER TABLE audit_entries RENAME TO audit_entries_gone"); err != nil {
		t.Fatal(err)
	}
	if status, _ := call(t, ts, "POST", "/v1/finance/settlement/runs", `{"idempotency_key":"first-run-key"}`); status != 200 {
		t.Fatalf("status %d, want the action's own 200", status)
	}
	if status, _ := call(t, ts, "POST", "/v1/finance/settlement/runs", `{"idempotency_key":"reused-key"}`); status != 422 {
		t.Fatalf("status %d, want the action's own 422", status)
	}
	logged := sink.String()
	if strings.Count(logged, "audit: entry NOT recorded") != 2 || !strings.Contains(logged, startRunOp) ||
		!strings.Contains(logged, "ERROR") {
		t.Errorf("log does not report the two lost entries as errors:\n%s", logged)
	}
}

// The audited operations are the staff's non-GET operations and the console sign-in; no read,
// and no shopper's or leader's operation.
func TestAuditedOperations(t *testing.T) {
	policy, err := auth.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := AuditedOperations(policy)
	if err != nil {
		t.Fatal(err)
	}
	for op, want := range map[string]bool{
		startRunOp: true, retryRunOp: true,
		"/groupbuy.v1.Console/ConsoleLogin":                 true,
		"/groupbuy.v1.Console/UnlockConsoleAccount":         true,
		"/groupbuy.v1.FinanceLedger/CheckLedger":            true,
		"/groupbuy.v1.FinanceSettlement/ListSettlementRuns": false,
		"/groupbuy.v1.AuditLog/SearchAuditEntries":          false,
		"/groupbuy.v1.Console/GetConsoleMe":                 false,
		"/groupbuy.v1.Auth/Logout":                          false,
	} {
		if _, known := policy[op]; !known {
			t.Errorf("%s is not an operation", op)
		}
		if ops[op] != want {
			t.Errorf("%s audited = %v, want %v", op, ops[op], want)
		}
	}
	for op := range ops {
		if a := policy[op]; op != consoleLoginOp && !staff(a) {
			t.Errorf("%s is audited but not a staff operation: %+v", op, a)
		}
	}
}

// An action that panics (after it may have changed something) is recorded as failed: the
// inner recovery turns the panic into the error the audit middleware sees.
func TestAuditRecordsAPanickingAction(t *testing.T) {
	t.Parallel()
	ts, uc, _, sink := auditServer(t)
	status, requestID := call(t, ts, "POST", "/v1/finance/settlement/runs/666/retry", `{}`)
	if status != 500 {
		t.Fatalf("status %d, want 500", status)
	}
	es := entries(t, uc)
	if len(es) != 1 || es[0].Operation != retryRunOp || es[0].Target != "666" || es[0].Outcome != "INTERNAL" ||
		es[0].Status != 500 || es[0].RequestID != requestID {
		t.Fatalf("entries = %+v, want one INTERNAL retry of run 666 (request %s)", es, requestID)
	}
	if !strings.Contains(sink.String(), "broke half-way") {
		t.Errorf("the panic is not in the log:\n%s", sink.String())
	}
}

// Behind a trusted load balancer the entry names the client the balancer saw and keeps the
// balancer's request id; a client elsewhere can set neither.
func TestAuditBelievesOnlyTrustedProxies(t *testing.T) {
	t.Parallel()
	balancer, err := mw.ParseProxies([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		proxies mw.Proxies
		wantIP  string
		adopted bool
	}{
		{"behind the balancer", balancer, "203.0.113.0", true},
		{"no balancer", nil, "127.0.0.0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts, uc, _, _ := auditServerBehind(t, c.proxies)
			req, err := http.NewRequestWithContext(t.Context(), "POST", ts.URL+"/v1/finance/settlement/runs",
				strings.NewReader(`{"idempotency_key":"first-run-key"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
			req.Header.Set(mw.RequestIDHeader, "lb-chosen-id-1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			es := entries(t, uc)
			if len(es) != 1 || es[0].ClientIP != c.wantIP {
				t.Fatalf("entries = %+v, want one from %s", es, c.wantIP)
			}
			if adopted := es[0].RequestID == "lb-chosen-id-1"; adopted != c.adopted ||
				resp.Header.Get(mw.RequestIDHeader) != es[0].RequestID {
				t.Errorf("request id %q (reply %q): adopted = %v, want %v", es[0].RequestID,
					resp.Header.Get(mw.RequestIDHeader), adopted, c.adopted)
			}
		})
	}
}
