// Command loadgen measures groupbuy from outside: it seeds a benchmark database with the
// synthetic city (internal/data/seedcity, the rows the in-process benchmarks use) and drives the
// HTTP API with concurrent keep-alive clients, reporting throughput and latency percentiles.
// `make bench-nearby` runs it end to end (app/loadgen/bench_nearby.sh), `make bench-flash` the
// flash presale (app/loadgen/bench_flash.sh), `make bench-coupons` claim bursts and checkout with
// coupons (app/loadgen/bench_coupons.sh).
//
// It only ever talks to this machine (the -api host must be a loopback address) and only seeds
// a database on this machine or a test database, so it cannot load or fill a real deployment.
package main

import (
	"fmt"
	"os"
)

const usage = `loadgen — seed a benchmark database and load-test groupbuy on this machine

Usage:
  loadgen seed   -conf FILE [-n 100000] [-seed 1]
        seed the configured (empty, migrated) PostgreSQL database with n approved leaders of the
        synthetic city and their served grids
  loadgen wait   -api URL (-token T | -jwt-secret S) [-n 100000] [-seed 1] [-timeout 2m]
        wait until /readyz answers and the nearby index holds the seeded city
  loadgen nearby -api URL (-token T | -jwt-secret S) [-c 64] [-d 10s] [-warmup 2s] [-seed 1]
        GET /v1/pickup-points:nearby from c concurrent clients and report requests/s and latency
  loadgen flash-seed -conf FILE -api URL (-jwt-secret S) [-shoppers 1000] [-quota 1000000] [-sellout-quota 500]
        seed one leader and its bound shoppers (users 2..n+1) in the server's fresh database, create
        and schedule the flash sale and the sell-out sale through the ops API, print their ids
  loadgen flash  -api URL (-jwt-secret S) -batch ID -item ID -price P [-shoppers 1000] [-d 10s]
                 [-warmup 2s] [-sellout-batch ID -sellout-item ID] [-mode redis|database] [-out FILE]
        a flash presale of one hot item from one client per shopper, orders/s and latency, then
        oversell checked in PostgreSQL, then the sell-out phase (every shopper tries once)
  loadgen flash-table FILE...         the markdown table of flash -out files and the ratio
  loadgen claims -api URL (-jwt-secret S) [-shoppers 20000] [-coupons 2000] [-c 256] [-counter redis|database] [-out FILE]
        a claim template of -coupons coupons (limit 1) through the ops API, then a burst: every
        shopper claims once; claims/s and latency, then over-issue checked in PostgreSQL
  loadgen coupon-seed -conf FILE -api URL (-jwt-secret S) [-shoppers 1000] [-each 60]
        a send template and -each of its coupons to every shopper, for flash -coupons-of
  loadgen coupons-table -claims-redis F -claims-database F -plain F -coupon F
        the tables of make bench-coupons, with the ratios and targets
  loadgen events -conf FILE -api URL (-jwt-secret S) [-shoppers 2000] [-c 8] [-per 100] [-d 10s]
                 [-warmup 2s] [-resend-every 20]
        seed one leader and its bound shoppers in the server's fresh database, POST /v1/shop/events
        from c clients, events/s and latency, then every acknowledged event checked in PostgreSQL
  loadgen db create -admin DSN        create a fresh benchmark database, print its DSN
  loadgen db drop   -dsn DSN          drop a database made by "db create"

-jwt-secret defaults to $GROUPBUY_JWT_SECRET; it mints shopper (and ops) tokens (auth.NewIssuer).
Run "loadgen COMMAND -h" for every flag.
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "seed":
		return seedCmd(rest)
	case "wait":
		return waitCmd(rest)
	case "nearby":
		return nearbyCmd(rest)
	case "flash-seed":
		return flashSeedCmd(rest)
	case "flash":
		return flashCmd(rest)
	case "flash-table":
		return flashTableCmd(rest)
	case "claims":
		return claimsCmd(rest)
	case "coupon-seed":
		return couponSeedCmd(rest)
	case "coupons-table":
		return couponsTableCmd(rest)
	case "events":
		return eventsCmd(rest)
	case "db":
		return dbCmd(rest)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
