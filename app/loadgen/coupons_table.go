package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

// couponsTableCmd prints the tables of make bench-coupons: the claim bursts (-claims files of
// "claims -out", by counter) and the flash sale with and without a coupon (-plain and -coupon,
// "flash -out" files), with the ratios and the issue's targets, met or NOT met. Each flag takes
// the files of every round, comma-separated and in round order: a row per file, and the ratios
// over the rounds' means, so that a drift of the machine's speed between rounds weighs on both
// sides.
func couponsTableCmd(args []string) error {
	fs := flag.NewFlagSet("coupons-table", flag.ContinueOnError)
	redisFiles := fs.String("claims-redis", "", "claims -out of the Redis counter, a file a round")
	dbFiles := fs.String("claims-database", "", "claims -out of the database counter (the baseline), a file a round")
	plainFiles := fs.String("plain", "", "flash -out without coupons, a file a round")
	couponFiles := fs.String("coupon", "", "flash -out with a coupon on every order, a file a round")
	target := fs.Float64("target", 5000, "claims/s the Redis counter should reach")
	ratioTarget := fs.Float64("ratio", 3, "how many times the database counter the Redis counter should reach")
	keepTarget := fs.Float64("keep", 0.8, "the share of orders/s checkout with a coupon should keep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	redis, err := readResults[claimResult](*redisFiles)
	if err != nil {
		return err
	}
	db, err := readResults[claimResult](*dbFiles)
	if err != nil {
		return err
	}
	if len(redis)+len(db) > 0 {
		fmt.Println("| coupon counter | round | shoppers | budget | clients | claims/s | p50 ms | p99 ms | issued | COUPON_BUDGET_SPENT | errors (unknown) | coupons in PostgreSQL | over-issue | held twice |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, runs := range [][]claimResult{redis, db} {
			for i, r := range runs {
				fmt.Printf("| %s | %d | %d | %d | %d | %.0f | %.1f | %.1f | %d | %d | %d (%d) | %d | %d | %d |\n", r.Counter, i+1, r.Shoppers,
					r.Budget, r.Clients, r.ClaimsPS, r.P50ms, r.P99ms, r.Issued, r.Spent, r.Errors, r.Unknown, r.Coupons,
					r.OverIssue, r.DoubleHeld)
			}
		}
	}
	if rd, base := mean(redis, claimsPS), mean(db, claimsPS); rd > 0 && base > 0 {
		ratio := rd / base
		var overIssue int64
		for _, r := range append(append([]claimResult(nil), redis...), db...) {
			overIssue += r.OverIssue
		}
		fmt.Printf("\nmean claims/s over %d rounds: redis %.0f, database %.0f; ratio %.2f×\n", len(redis), rd, base, ratio)
		fmt.Printf("target ≥ %.0f claims/s: %s (%.0f); target ≥ %.0f× the SQL baseline: %s (%.2f×); over-issue 0: %s\n",
			*target, verdict(rd >= *target), rd, *ratioTarget, verdict(ratio >= *ratioTarget), ratio, verdict(overIssue == 0))
	}
	plain, err := readResults[flashResult](*plainFiles)
	if err != nil {
		return err
	}
	coupon, err := readResults[flashResult](*couponFiles)
	if err != nil {
		return err
	}
	if len(plain) > 0 && len(plain) == len(coupon) {
		fmt.Println("\n| checkout | round | shoppers | orders/s | p50 ms | p99 ms | created | errors (unknown) | oversell |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for i := range plain {
			for _, r := range []flashResult{plain[i], coupon[i]} {
				fmt.Printf("| %s | %d | %d | %.0f | %.1f | %.1f | %d | %d (%d) | %d |\n", r.Mode, i+1, r.Shoppers, r.OrdersPS,
					r.P50ms, r.P99ms, r.Created, r.Errors, r.Unknown, r.Oversell)
			}
		}
		if without := mean(plain, ordersPS); without > 0 {
			keep := mean(coupon, ordersPS) / without
			fmt.Printf("\nwith a coupon / without, mean orders/s over %d rounds: %.2f; target ≥ %.2f: %s\n", len(plain), keep,
				*keepTarget, verdict(keep >= *keepTarget))
		}
	}
	fmt.Println("(targets are reported, not enforced: only correctness checks fail the run)")
	return nil
}

func claimsPS(r claimResult) float64 { return r.ClaimsPS }
func ordersPS(r flashResult) float64 { return r.OrdersPS }

// mean is the mean of of over rs; 0 when there are none.
func mean[R any](rs []R, of func(R) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	sum := 0.0
	for _, r := range rs {
		sum += of(r)
	}
	return sum / float64(len(rs))
}

// readResults decodes each of the comma-separated JSON files; none when paths is "".
func readResults[R any](paths string) ([]R, error) {
	if paths == "" {
		return nil, nil
	}
	var out []R
	for _, path := range strings.Split(paths, ",") {
		var r R
		if _, err := readResult(path, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// readResult decodes the JSON file into v; false when path is "".
func readResult(path string, v any) (bool, error) {
	if path == "" {
		return false, nil
	}
	raw, err := os.ReadFile(path) //nolint:gosec // the result files named on the command line
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
