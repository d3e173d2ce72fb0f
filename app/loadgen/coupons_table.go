package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

// couponsTableCmd prints the tables of make bench-coupons: the claim bursts (-claims files of
// "claims -out", by counter) and the flash sale with and without a coupon (-plain and -coupon,
// "flash -out" files), with the ratios and the issue's targets, met or NOT met.
func couponsTableCmd(args []string) error {
	fs := flag.NewFlagSet("coupons-table", flag.ContinueOnError)
	redisFile := fs.String("claims-redis", "", "claims -out of the Redis counter")
	dbFile := fs.String("claims-database", "", "claims -out of the database counter (the baseline)")
	plainFile := fs.String("plain", "", "flash -out without coupons")
	couponFile := fs.String("coupon", "", "flash -out with a coupon on every order")
	target := fs.Float64("target", 5000, "claims/s the Redis counter should reach")
	ratioTarget := fs.Float64("ratio", 3, "how many times the database counter the Redis counter should reach")
	keepTarget := fs.Float64("keep", 0.8, "the share of orders/s checkout with a coupon should keep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var claims []claimResult
	for _, f := range []string{*redisFile, *dbFile} {
		var r claimResult
		if ok, err := readResult(f, &r); err != nil {
			return err
		} else if ok {
			claims = append(claims, r)
		}
	}
	if len(claims) > 0 {
		fmt.Println("| coupon counter | shoppers | budget | clients | claims/s | p50 ms | p99 ms | issued | COUPON_BUDGET_SPENT | errors (unknown) | coupons in PostgreSQL | over-issue | held twice |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range claims {
			fmt.Printf("| %s | %d | %d | %d | %.0f | %.1f | %.1f | %d | %d | %d (%d) | %d | %d | %d |\n", r.Counter, r.Shoppers, r.Budget,
				r.Clients, r.ClaimsPS, r.P50ms, r.P99ms, r.Issued, r.Spent, r.Errors, r.Unknown, r.Coupons, r.OverIssue, r.DoubleHeld)
		}
	}
	if len(claims) == 2 && claims[1].ClaimsPS > 0 {
		rd, db := claims[0], claims[1]
		ratio := rd.ClaimsPS / db.ClaimsPS
		fmt.Printf("\nratio redis/database: %.2f×\ntarget ≥ %.0f claims/s: %s (%.0f); target ≥ %.0f× the SQL baseline: %s (%.2f×); over-issue 0: %s\n",
			ratio, *target, verdict(rd.ClaimsPS >= *target), rd.ClaimsPS, *ratioTarget, verdict(ratio >= *ratioTarget), ratio,
			verdict(rd.OverIssue == 0 && db.OverIssue == 0))
	}
	var plain, coupon flashResult
	okP, err := readResult(*plainFile, &plain)
	if err != nil {
		return err
	}
	okC, err := readResult(*couponFile, &coupon)
	if err != nil {
		return err
	}
	if okP && okC && plain.OrdersPS > 0 {
		fmt.Println("\n| checkout | shoppers | orders/s | p50 ms | p99 ms | created | errors (unknown) | oversell |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range []flashResult{plain, coupon} {
			fmt.Printf("| %s | %d | %.0f | %.1f | %.1f | %d | %d (%d) | %d |\n", r.Mode, r.Shoppers, r.OrdersPS, r.P50ms, r.P99ms,
				r.Created, r.Errors, r.Unknown, r.Oversell)
		}
		keep := coupon.OrdersPS / plain.OrdersPS
		fmt.Printf("\nwith a coupon / without: %.2f; target ≥ %.2f: %s\n", keep, *keepTarget, verdict(keep >= *keepTarget))
	}
	fmt.Println("(targets are reported, not enforced: only correctness checks fail the run)")
	return nil
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
