package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/auditstore"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/seedconsole"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// benchFixture is the console on a seeded PostgreSQL and a real Redis, with a signed-in session
// of each role.
type benchFixture struct {
	db      *sqldb.DB
	console *Console
	cookies map[identity.Role][]*http.Cookie
	seeded  *seedconsole.Result
}

const benchPassword = "bench-password-0123"

// envInt is the positive integer in the environment variable key, or def.
func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// newBenchFixture seeds a new database (GROUPBUY_CONSOLE_ORDERS orders, GROUPBUY_CONSOLE_LEADERS
// leaders), builds the console as the program does and signs in an account of every role.
func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	ctx := context.Background()
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: "postgres",
		Source: testenv.PostgresDSN(b), MaxOpenConns: 8}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cleanup)
	keys := benchKeyring(b)
	seeded, err := seedconsole.Seed(ctx, db, keys, seedconsole.Options{
		Orders: envInt("GROUPBUY_CONSOLE_ORDERS", seedconsole.DefaultOrders), Leaders: envInt("GROUPBUY_CONSOLE_LEADERS", seedconsole.DefaultLeaders)})
	if err != nil {
		b.Fatal(err)
	}
	f := &benchFixture{db: db, seeded: seeded, cookies: map[identity.Role][]*http.Cookie{}}
	f.console = benchConsole(b, db, keys)
	// The seed has no catalogue: one product gives its page an id.
	if _, err := f.console.deps.Catalog.CreateProduct(ctx, catalog.ProductInput{Title: "赣南脐橙", Category: "水果"}); err != nil {
		b.Fatal(err)
	}
	// Nor any promotion: one coupon template gives its page an id.
	if _, err := f.console.deps.Promotions.CreateTemplate(ctx, benchTemplate(), 1); err != nil {
		b.Fatal(err)
	}
	for _, role := range []identity.Role{identity.RoleOps, identity.RoleFinance, identity.RoleAdmin} {
		name := "bench." + string(role)
		if _, err := f.console.deps.Accounts.CreateAccount(ctx, name, role, benchPassword); err != nil {
			b.Fatal(err)
		}
		f.cookies[role] = f.signIn(b, name)
	}
	return f
}

// benchTemplate is a coupon template claimable for a week: ¥5 off ¥50, 1,000 of them.
func benchTemplate() *promo.Template {
	now := time.Now()
	return &promo.Template{Name: "满50减5", Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: 500, Threshold: 5000},
		Scope: promo.Scope{Kind: promo.ScopeAll}, Validity: promo.Validity{Days: 7},
		Budget: promo.Budget{Count: 1000, Amount: 500_000, PerShopper: 1}, FundedBy: promo.FundedByPlatform,
		Channel: promo.ChannelClaim, ClaimWindow: promo.Window{From: now, Until: now.Add(7 * 24 * time.Hour)}}
}

func benchKeyring(b *testing.B) *seal.Keyring {
	key, err := seal.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	kr, err := data.NewKeyring(&conf.Security{PersonalData: &conf.Security_PersonalData{ActiveKeyId: "k1",
		Keys: map[string]string{"k1": key}}})
	if err != nil {
		b.Fatal(err)
	}
	return kr
}

// benchConsole is the console on the program's stores and use cases (datatest.Build), with the
// Deps app/groupbuy's wiring gives it.
func benchConsole(b *testing.B, db *sqldb.DB, keys *seal.Keyring) *Console {
	rdb, prefix := testenv.Redis(b)
	logger := log.NewFilter(log.NewStdLogger(os.Stderr), log.FilterLevel(log.LevelError))
	st, stop, err := datatest.Build(db, rdb, redisdb.KeyPrefix(prefix), keys, time.Now, datatest.NoWechat(), datatest.Config{
		Identity: identity.Config{AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, MaxFailedAttempts: 5, Lockout: time.Minute,
			PasswordParams: passhash.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		Leader: leader.Config{GridRes: geo.DefaultGridRes, PickupRes: geo.DefaultPickupRes, MaxRadiusMeters: 3000,
			IndexRefresh: time.Minute, UplineDepth: 1},
		// As configs/postgres.yaml settles: the at-risk page lists what is due within five days.
		Settlement: settlement.Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour, MaxRatioBP: 3000,
			FeeBP: 60, Concurrency: 8, ClaimBatch: 32, PollAfter: 2 * time.Second, RetryAfter: time.Second,
			RetryMax: 300 * time.Second, Lease: time.Minute, SelectBatch: 500, FinishBatch: 64},
		Auth: &conf.Auth{JwtSecret: "console-bench-secret-0123456789abcdef", Issuer: "groupbuy"},
	}, logger)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	policy, err := auth.LoadPolicy()
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Deps{Accounts: st.Console, Sessions: st.Auth, Issuer: st.Issuer, Marks: st.Marks, Policy: policy,
		Views: st.Views, Ledger: st.Ledger, Settlement: st.Settlement, Clock: time.Now, Logger: logger,
		Audit: audit.NewUsecase(auditstore.NewAuditStore(db), time.Now), Leaders: st.Leader, Batches: st.Presale, Catalog: st.Catalog, Dashboard: st.Dashboard,
		Stock: st.Keeper, Pickup: st.Pickup, AfterSales: st.AfterSales, Shipping: st.Shipping, Reconciler: st.Reconciler,
		Plans: st.Plans, Receivers: payment.NewReceiverOps(paymentstore.NewRegistrationQueue(db), db, time.Now),
		Promotions: st.PromoAdmin, Invitations: st.Invitations, Layers: st.LayerSnapshots, Targeting: st.Targeting})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

var csrfInput = regexp.MustCompile(`name="` + csrfField + `" value="([^"]+)"`)

// signIn signs username in through the login form, as a browser does, and returns the cookies.
func (f *benchFixture) signIn(b *testing.B, username string) []*http.Cookie {
	page := f.serve(httptest.NewRequest(http.MethodGet, Prefix+"login", nil))
	m := csrfInput.FindStringSubmatch(page.Body.String())
	if m == nil {
		b.Fatalf("the login page has no CSRF field: %d", page.Code)
	}
	form := url.Values{"username": {username}, "password": {benchPassword}, csrfField: {m[1]}}
	req := httptest.NewRequest(http.MethodPost, Prefix+"login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range page.Result().Cookies() {
		req.AddCookie(c)
	}
	res := f.serve(req)
	if res.Code != http.StatusSeeOther {
		b.Fatalf("sign in %s: %d %s", username, res.Code, res.Body.String())
	}
	var session []*http.Cookie
	for _, c := range res.Result().Cookies() {
		if c.Name == sessionCookie {
			session = append(session, c)
		}
	}
	if len(session) == 0 {
		b.Fatalf("sign in %s set no session cookie", username)
	}
	return session
}

func (f *benchFixture) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.console.ServeHTTP(rec, r)
	return rec
}

// id is the first column of the first row of query: a sample id for a page.
func (f *benchFixture) id(b *testing.B, query string) int64 {
	var id int64
	f.sample(b, query, &id)
	return id
}

// sample scans the first row of query into dest: what a page is asked about.
func (f *benchFixture) sample(b *testing.B, query string, dest ...any) {
	if err := f.db.SQL.QueryRowContext(context.Background(), query).Scan(dest...); err != nil {
		b.Fatalf("sample %q: %v", query, err)
	}
}
