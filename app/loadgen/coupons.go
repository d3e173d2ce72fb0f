package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// claimResult is one claim burst, written by "claims -out" and tabled by "coupons-table".
type claimResult struct {
	Counter  string  `json:"counter"`
	Shoppers int     `json:"shoppers"`
	Budget   int64   `json:"budget"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	ClaimsPS float64 `json:"claims_per_s"` // answers a second over the whole burst
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Issued   int64   `json:"issued"`  // 200s
	Spent    int64   `json:"spent"`   // COUPON_BUDGET_SPENT
	Errors   int64   `json:"errors"`  // any other answer
	Unknown  int64   `json:"unknown"` // of Errors: 5xx, timeouts, no answer
	// What PostgreSQL holds of the template afterwards.
	Coupons    int64 `json:"coupons"`
	Holders    int64 `json:"holders"`
	OverIssue  int64 `json:"over_issue"`  // coupons beyond the budget
	DoubleHeld int64 `json:"double_held"` // shoppers holding more than one (the limit is 1)
}

// claimsCmd is a claim burst: a claim template of -coupons coupons, limit 1 a shopper, created
// through the ops API; then every one of -shoppers shoppers claims it once, from -c clients
// released together. It reports answers/s over the burst and the latency of each claim, then
// checks PostgreSQL: no more coupons than the budget, none twice to one shopper, and exactly
// the acknowledged ones (up to the unknown outcomes).
func claimsCmd(args []string) error {
	fs, a := apiFlagSet("claims")
	counter := fs.String("counter", "redis", "label of the server's coupon counter (promotions.coupon_counter), for the report")
	shoppers := fs.Int("shoppers", 20_000, "shoppers, users -first-user.., each claiming once")
	firstUser := fs.Int64("first-user", 2, "user id of the first shopper")
	coupons := fs.Int64("coupons", 2_000, "the template's count budget")
	clients := fs.Int("c", 256, "concurrent clients")
	dsn := fs.String("dsn", os.Getenv("GROUPBUY_DB_SOURCE"), "the server's PostgreSQL, for the over-issue check")
	out := fs.String("out", "", "write the result as JSON to this file (for coupons-table)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *shoppers < 1 || *shoppers > 1_000_000:
		return fmt.Errorf("-shoppers %d: want 1 to 1,000,000", *shoppers)
	case *clients < 1 || *clients > maxClients:
		return fmt.Errorf("-c %d: want 1 to %d", *clients, maxClients)
	case *coupons < 1 || *coupons > 10_000_000:
		return fmt.Errorf("-coupons %d: want 1 to 10,000,000", *coupons)
	case *dsn == "":
		return errors.New("give -dsn (or GROUPBUY_DB_SOURCE): over-issue is checked in PostgreSQL")
	}
	if err := checkSeedTarget(*dsn); err != nil {
		return err
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	ctx := context.Background()
	var dials atomic.Int64
	client := newClient(*clients, a.timeout, &dials)
	ops, err := a.mint(identity.SubjectConsole, 1, identity.RoleOps)
	if err != nil {
		return err
	}
	oc := &opsClient{http: client, base: base, token: ops}
	tpl, err := createTemplate(ctx, oc, "领券压测 满20减1", "claim", *coupons, 1)
	if err != nil {
		return err
	}
	tokens, err := shopperTokens(a, *firstUser, *shoppers)
	if err != nil {
		return err
	}
	fmt.Printf("claims (%s): %d shoppers once each for %d coupons of template %d, %d clients, %s\n",
		*counter, *shoppers, *coupons, tpl, *clients, base)

	url := base.String() + "/v1/shop/coupon-templates/" + strconv.FormatInt(tpl, 10) + "/claim"
	b := runBurst(ctx, client, url, tokens, *clients)
	res := claimResult{Counter: *counter, Shoppers: *shoppers, Budget: *coupons, Clients: *clients,
		Seconds: b.took.Seconds(), ClaimsPS: float64(len(tokens)) / b.took.Seconds(),
		Issued: b.n[claimIssued], Spent: b.n[claimSpent], Errors: b.n[claimUnknown] + b.n[claimError],
		Unknown: b.n[claimUnknown]}
	res.P50ms, res.P99ms = msf(b.lat.pct(0.50)), msf(b.lat.pct(0.99))
	fmt.Printf("  burst        %d claims in %v: %.0f claims/s; %d issued, %d COUPON_BUDGET_SPENT, %d errors (%d of unknown outcome); connections %d\n",
		len(tokens), b.took.Round(time.Millisecond), res.ClaimsPS, res.Issued, res.Spent, res.Errors, res.Unknown, dials.Load())
	b.lat.print()
	for _, k := range slices.Sorted(maps.Keys(b.kinds)) {
		fmt.Printf("    error: %d× %.200s\n", b.kinds[k], k)
	}
	problems, err := checkClaims(ctx, *dsn, tpl, &res)
	if err != nil {
		return err
	}
	fmt.Printf("RESULT counter=%s claims_per_s=%.0f p50_ms=%.2f p99_ms=%.2f issued=%d coupons=%d over_issue=%d double_held=%d errors=%d\n",
		res.Counter, res.ClaimsPS, res.P50ms, res.P99ms, res.Issued, res.Coupons, res.OverIssue, res.DoubleHeld, res.Errors)
	if err := writeJSON(*out, res); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("claims (%s): %s", *counter, strings.Join(problems, "; "))
	}
	return nil
}

// createTemplate creates a coupon template of 1 yuan off 20 yuan, for every item, valid 7 days
// after the claim, of count coupons and perShopper a shopper, issuing from a minute ago for a day.
func createTemplate(ctx context.Context, oc *opsClient, name, channel string, count int64, perShopper int) (int64, error) {
	now := time.Now().UTC()
	t, err := oc.do(ctx, http.MethodPost, "/v1/ops/coupon-templates", map[string]any{
		"name": name, "discount": map[string]any{"kind": "fixed", "amountOffFen": 100, "thresholdFen": 2000},
		"scope": map[string]any{"kind": "all"}, "validDays": 7,
		"budgetCount": count, "budgetAmountFen": count * 100, "perShopper": perShopper,
		"fundedBy": "platform", "channel": channel,
		"claimFrom": now.Add(-time.Minute).Format(time.RFC3339Nano), "claimUntil": now.Add(24 * time.Hour).Format(time.RFC3339Nano),
	})
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(str(t["id"]), 10, 64)
}

// shopperTokens mints the access tokens of users first .. first+n-1.
func shopperTokens(a *apiFlags, first int64, n int) ([]string, error) {
	iss, err := a.issuer()
	if err != nil {
		return nil, err
	}
	tokens := make([]string, n)
	for i := range tokens {
		if tokens[i], err = iss.IssueAccessToken(identity.Principal{Kind: identity.SubjectUser, ID: first + int64(i),
			Roles: []identity.Role{identity.RoleShopper}}, time.Now().Add(time.Hour)); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// claimOutcome is what a client can tell of one claim from its answer.
type claimOutcome int

const (
	claimIssued  claimOutcome = iota // 200
	claimSpent                       // 409 COUPON_BUDGET_SPENT
	claimUnknown                     // 5xx or no answer: the coupon may or may not exist
	claimError                       // any other answer
	claimOutcomes
)

func classifyClaim(code int, reply []byte, err error) claimOutcome {
	switch {
	case err != nil || code >= http.StatusInternalServerError:
		return claimUnknown
	case code == http.StatusOK:
		return claimIssued
	case strings.Contains(string(reply), `"COUPON_BUDGET_SPENT"`):
		return claimSpent
	}
	return claimError
}

// burst is the outcome of every token's one POST.
type burst struct {
	took  time.Duration
	lat   latencies
	n     [claimOutcomes]int64
	kinds map[string]int64
}

// runBurst POSTs url once for each token from clients workers, all released at once, and waits
// for every answer.
func runBurst(ctx context.Context, c *http.Client, url string, tokens []string, clients int) burst {
	var (
		mu   sync.Mutex
		out  = burst{lat: make(latencies, 0, len(tokens)), kinds: map[string]int64{}}
		next atomic.Int64
		gate = make(chan struct{})
		wg   sync.WaitGroup
	)
	for range clients {
		wg.Go(func() {
			<-gate
			for {
				i := next.Add(1) - 1
				if i >= int64(len(tokens)) {
					return
				}
				t0 := time.Now()
				code, reply, err := call(ctx, c, http.MethodPost, url, tokens[i], []byte("{}"), 1<<14)
				d := time.Since(t0)
				o := classifyClaim(code, reply, err)
				mu.Lock()
				out.lat = append(out.lat, d)
				out.n[o]++
				if o == claimUnknown || o == claimError {
					out.kinds[errorKind(code, reply, err)]++
				}
				mu.Unlock()
			}
		})
	}
	t0 := time.Now()
	close(gate)
	wg.Wait()
	out.took = time.Since(t0)
	slices.Sort(out.lat)
	return out
}

// checkClaims reads what PostgreSQL holds of the template: never more than its budget, never two
// coupons to one shopper, and between the acknowledged claims and those plus the unknown outcomes.
func checkClaims(ctx context.Context, dsn string, tpl int64, res *claimResult) ([]string, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT user_id),
			count(*) - count(DISTINCT user_id) FROM coupons WHERE template_id = $1`, tpl).
		Scan(&res.Coupons, &res.Holders, &res.DoubleHeld)
	if err != nil {
		return nil, fmt.Errorf("count the coupons of template %d: %w", tpl, err)
	}
	res.OverIssue = max(0, res.Coupons-res.Budget)
	fmt.Printf("  check        PostgreSQL holds %d coupons of template %d for %d shoppers (budget %d): over-issue %d, held twice %d; %d acknowledged, %d of unknown outcome\n",
		res.Coupons, tpl, res.Holders, res.Budget, res.OverIssue, res.DoubleHeld, res.Issued, res.Unknown)
	var problems []string
	if res.OverIssue > 0 {
		problems = append(problems, "OVER-ISSUED")
	}
	if res.DoubleHeld > 0 {
		problems = append(problems, "a shopper holds two coupons of a limit of 1")
	}
	if res.Coupons < res.Issued || res.Coupons > res.Issued+res.Unknown {
		problems = append(problems, fmt.Sprintf("%d coupons for %d acknowledged claims and %d unknown outcomes",
			res.Coupons, res.Issued, res.Unknown))
	}
	if res.Errors > res.Unknown {
		problems = append(problems, fmt.Sprintf("%d answers were errors other than 5xx or timeouts", res.Errors-res.Unknown))
	}
	return problems, nil
}

// writeJSON writes v to path ("" writes nothing).
func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	j, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, j, 0o644) //nolint:gosec // a report, not a secret
}
