#!/usr/bin/env bash
# `make bench-coupons`: coupons end to end, in one run.
#
# 1. A claim burst, twice: 20,000 shoppers each claim once a template of 2,000 coupons with a
#    limit of 1, over HTTP — with claims counted in Redis (promotions.coupon_counter: redis, a Lua
#    script per claim) and, as the baseline, in PostgreSQL (database: a conditional UPDATE of the
#    template row and the shopper's unique (template, shopper, seq) row, in the claim's
#    transaction). Claims/s over the burst, latency, and over-issue checked in PostgreSQL.
# 2. The flash sale (as make bench-flash, Redis stock) on the Redis-counter server: 1,000 shoppers
#    ordering one unit at a time without a coupon, then with a coupon on every order.
# Both are run BENCH_COUPONS_ROUNDS times, the counters and the checkouts alternating, and the
# ratios are over all rounds: this machine's speed drifts by more than the differences measured,
# and a drift then weighs on both sides alike.
#
# For each counter: a fresh database on the test PostgreSQL, `groupbuy migrate`, `groupbuy
# serve` with configs/postgres.yaml and GROUPBUY_* overrides, `loadgen flash-seed` (one leader,
# its bound shoppers, the sale), the burst; then the server stops and the database is dropped,
# also on failure or Ctrl-C. Last, the tables and the targets (reported, not enforced: only a
# correctness failure fails the run).
#
# Knobs (environment): BENCH_COUPONS_SHOPPERS (20000), BENCH_COUPONS_BUDGET (2000),
# BENCH_COUPONS_CLIENTS (256), BENCH_COUPONS_FLASH_SHOPPERS (1000), BENCH_COUPONS_EACH (100, the
# coupons of each flash shopper), BENCH_COUPONS_D (10s), BENCH_COUPONS_COUNTERS ("redis database"),
# BENCH_COUPONS_ROUNDS (2),
# BENCH_COUPONS_HTTP_ADDR (127.0.0.1:18110), BENCH_COUPONS_GRPC_ADDR (127.0.0.1:19110).
set -euo pipefail

SHOPPERS=${BENCH_COUPONS_SHOPPERS:-20000}
BUDGET=${BENCH_COUPONS_BUDGET:-2000}
CLIENTS=${BENCH_COUPONS_CLIENTS:-256}
FLASH_SHOPPERS=${BENCH_COUPONS_FLASH_SHOPPERS:-1000}
EACH=${BENCH_COUPONS_EACH:-100}
D=${BENCH_COUPONS_D:-10s}
COUNTERS=${BENCH_COUPONS_COUNTERS:-redis database}
ROUNDS=${BENCH_COUPONS_ROUNDS:-2}
HTTP_ADDR=${BENCH_COUPONS_HTTP_ADDR:-127.0.0.1:18110}
GRPC_ADDR=${BENCH_COUPONS_GRPC_ADDR:-127.0.0.1:19110}
BENCH=bench-coupons KNOBS=BENCH_COUPONS
# shellcheck source=app/loadgen/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_ports "$HTTP_ADDR" "$GRPC_ADDR"

WORK=$(mktemp -d -t groupbuy-bench-coupons.XXXXXX)
DSN=
SERVER=
COUNTER=
drop_db() {
	if [[ -n $DSN ]]; then
		"$WORK/loadgen" db drop -dsn "$DSN" && echo "dropped the benchmark database"
	fi
	DSN=
}
cleanup() {
	local rc=$?
	stop_server
	if [[ $rc -ne 0 && -n $COUNTER && -f $WORK/serve-$COUNTER.log ]]; then
		echo "bench-coupons: last lines of the $COUNTER server log (successful requests and refusals left out):" >&2
		grep -v ' code=200 reason= \| reason=COUPON_BUDGET_SPENT ' "$WORK/serve-$COUNTER.log" | tail -n 30 | sed 's/^/  /' >&2
	fi
	drop_db
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_and_configure wxbenchcoupon001 "$HTTP_ADDR" "$GRPC_ADDR"

FAILED=()
declare -A RESULTS=() # flag of coupons-table → its files, comma-separated
result() { RESULTS[$1]="${RESULTS[$1]:+${RESULTS[$1]},}$2"; }
for ROUND in $(seq 1 "$ROUNDS"); do
	for COUNTER in $COUNTERS; do
		say "round $ROUND of $ROUNDS, $COUNTER: fresh database on the test PostgreSQL"
		DSN=$("$WORK/loadgen" db create -admin "$PG" -purpose coupons)
		echo "${DSN%%\?*}"
		export GROUPBUY_DB_SOURCE="$DSN"
		export GROUPBUY_COUPON_COUNTER="$COUNTER"
		export GROUPBUY_REDIS_KEY_PREFIX="gbbench-$(basename "$WORK" | tr -cd 'a-zA-Z0-9')-$COUNTER-$ROUND"
		"$WORK/groupbuy" migrate -conf "$CONF"

		say "$COUNTER: serve (promotions.coupon_counter: $COUNTER)"
		"$WORK/groupbuy" serve -conf "$CONF" >"$WORK/serve-$COUNTER.log" 2>&1 &
		SERVER=$!

		say "$COUNTER: seed $SHOPPERS shoppers and one leader, create and open the sale"
		"$WORK/loadgen" flash-seed -conf "$CONF" -api "http://$HTTP_ADDR" -shoppers "$SHOPPERS" | tee "$WORK/seed.txt"
		for kv in $(grep '^FLASH_BATCH=' "$WORK/seed.txt"); do declare "$kv"; done

		say "$COUNTER: $SHOPPERS shoppers claim once each, $BUDGET coupons"
		"$WORK/loadgen" claims -counter "$COUNTER" -api "http://$HTTP_ADDR" -timeout 15s -shoppers "$SHOPPERS" \
			-coupons "$BUDGET" -c "$CLIENTS" -out "$WORK/claims-$COUNTER-$ROUND.json" || FAILED+=("claims $COUNTER")
		[[ -f $WORK/claims-$COUNTER-$ROUND.json ]] && result "-claims-$COUNTER" "$WORK/claims-$COUNTER-$ROUND.json"

		if [[ $COUNTER == redis ]]; then
			say "checkout: $FLASH_SHOPPERS shoppers for $D without a coupon"
			"$WORK/loadgen" flash -mode "without coupon" -api "http://$HTTP_ADDR" -timeout 15s -batch "$FLASH_BATCH" \
				-item "$FLASH_ITEM" -price "$FLASH_PRICE" -shoppers "$FLASH_SHOPPERS" -d "$D" -server-pid "$SERVER" \
				-out "$WORK/plain-$ROUND.json" || FAILED+=("checkout without coupon")
			say "checkout: $EACH coupons to each of $FLASH_SHOPPERS shoppers"
			"$WORK/loadgen" coupon-seed -conf "$CONF" -api "http://$HTTP_ADDR" -shoppers "$FLASH_SHOPPERS" -each "$EACH" | tee "$WORK/coupons.txt"
			for kv in $(grep '^COUPON_TEMPLATE=' "$WORK/coupons.txt"); do declare "$kv"; done
			say "checkout: $FLASH_SHOPPERS shoppers for $D with a coupon on every order"
			"$WORK/loadgen" flash -mode "with coupon" -api "http://$HTTP_ADDR" -timeout 15s -batch "$FLASH_BATCH" \
				-item "$FLASH_ITEM" -price "$FLASH_PRICE" -shoppers "$FLASH_SHOPPERS" -d "$D" -server-pid "$SERVER" \
				-coupons-of "$COUPON_TEMPLATE" -out "$WORK/coupon-$ROUND.json" || FAILED+=("checkout with coupon")
			if [[ -f $WORK/plain-$ROUND.json && -f $WORK/coupon-$ROUND.json ]]; then
				result -plain "$WORK/plain-$ROUND.json"
				result -coupon "$WORK/coupon-$ROUND.json"
			fi
		fi

		say "$COUNTER: stop the server"
		kill -TERM "$SERVER"
		if wait "$SERVER"; then echo "server stopped cleanly"; else echo "server exited with $?" >&2; exit 1; fi
		SERVER=
		drop_db
	done
done

say "coupons: $SHOPPERS shoppers for $BUDGET coupons; checkout with and without a coupon"
COUNTER=
TABLE=()
for flag in "${!RESULTS[@]}"; do TABLE+=("$flag" "${RESULTS[$flag]}"); done
if [[ ${#TABLE[@]} -gt 0 ]]; then "$WORK/loadgen" coupons-table "${TABLE[@]}"; fi
echo
machine
if [[ ${#FAILED[@]} -gt 0 ]]; then
	echo "bench-coupons: correctness check failed: ${FAILED[*]} (see above)" >&2
	exit 1
fi
