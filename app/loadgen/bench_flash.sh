#!/usr/bin/env bash
# `make bench-flash`: a flash presale of one hot item, end to end, twice in one run — stock counted
# in Redis (checkout.stock_counter: redis, a Lua script per order) and, as the baseline, in
# PostgreSQL (database: a conditional UPDATE of batch_items in the order's transaction).
#
# For each mode: a fresh database on the test PostgreSQL (GROUPBUY_TEST_POSTGRES), `groupbuy
# migrate`, `groupbuy serve` with configs/postgres.yaml and GROUPBUY_* overrides (as the e2e
# harness does) on the test Redis with GROUPBUY_STOCK_COUNTER=<mode>, `loadgen flash-seed` (one
# leader and its bound shoppers in the database; product, SKU and two batches through the ops
# API), `loadgen flash` (the throughput sale, the oversell check, the sell-out sale), then stop
# the server and drop the database, also on failure or Ctrl-C. Last, the table of both modes.
#
# Knobs (environment): BENCH_FLASH_SHOPPERS (1000), BENCH_FLASH_D (10s), BENCH_FLASH_WARMUP (2s),
# BENCH_FLASH_SELLOUT (500, the sell-out quota), BENCH_FLASH_MODES ("redis database"),
# BENCH_FLASH_HTTP_ADDR (127.0.0.1:18100), BENCH_FLASH_GRPC_ADDR (127.0.0.1:19100),
# BENCH_FLASH_KEEP_LOG (set: keep the server logs). The server writes one access-log line per
# request and has no log level setting, so its stdout goes to a file, not the terminal.
#
# It exits non-zero on a correctness failure only (`loadgen flash` fails a mode on oversell, on
# units ordered outside acknowledged … acknowledged + unknown outcomes, on a counter mismatch, on
# a wrong sell-out, on server errors other than 5xx/timeouts) or when the setup fails. The
# throughput targets are reported under the table, met or NOT met, and do not fail the run.
set -euo pipefail

SHOPPERS=${BENCH_FLASH_SHOPPERS:-1000}
D=${BENCH_FLASH_D:-10s}
WARMUP=${BENCH_FLASH_WARMUP:-2s}
SELLOUT=${BENCH_FLASH_SELLOUT:-500}
MODES=${BENCH_FLASH_MODES:-redis database}
HTTP_ADDR=${BENCH_FLASH_HTTP_ADDR:-127.0.0.1:18100}
GRPC_ADDR=${BENCH_FLASH_GRPC_ADDR:-127.0.0.1:19100}
BENCH=bench-flash KNOBS=BENCH_FLASH
# shellcheck source=app/loadgen/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_ports "$HTTP_ADDR" "$GRPC_ADDR"

WORK=$(mktemp -d -t groupbuy-bench-flash.XXXXXX)
DSN=
SERVER=
MODE=
drop_db() {
	if [[ -n $DSN ]]; then
		"$WORK/loadgen" db drop -dsn "$DSN" && echo "dropped the benchmark database"
	fi
	DSN=
}
cleanup() {
	local rc=$?
	stop_server
	if [[ $rc -ne 0 && -n $MODE && -f $WORK/serve-$MODE.log ]]; then
		echo "bench-flash: last lines of the $MODE server log (successful requests and refusals left out):" >&2
		grep -v ' code=200 reason= \| reason=SOLD_OUT ' "$WORK/serve-$MODE.log" | tail -n 30 | sed 's/^/  /' >&2
	fi
	drop_db
	if [[ -n ${BENCH_FLASH_KEEP_LOG:-} ]]; then
		for f in "$WORK"/serve-*.log; do
			[[ -f $f ]] && cp "$f" "${TMPDIR:-/tmp}/bench-flash-$(basename "$f")" && echo "server log: ${TMPDIR:-/tmp}/bench-flash-$(basename "$f")"
		done
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_and_configure wxbenchflash0001 "$HTTP_ADDR" "$GRPC_ADDR"

RESULTS=()
FAILED=()
for MODE in $MODES; do
	say "$MODE: fresh database on the test PostgreSQL"
	DSN=$("$WORK/loadgen" db create -admin "$PG" -purpose flash)
	echo "${DSN%%\?*}"
	export GROUPBUY_DB_SOURCE="$DSN"
	export GROUPBUY_STOCK_COUNTER="$MODE"
	export GROUPBUY_REDIS_KEY_PREFIX="gbbench-$(basename "$WORK" | tr -cd 'a-zA-Z0-9')-$MODE"
	"$WORK/groupbuy" migrate -conf "$CONF"

	say "$MODE: serve (checkout.stock_counter: $MODE)"
	"$WORK/groupbuy" serve -conf "$CONF" >"$WORK/serve-$MODE.log" 2>&1 &
	SERVER=$!

	say "$MODE: seed $SHOPPERS shoppers and one leader, create and open the sales"
	"$WORK/loadgen" flash-seed -conf "$CONF" -api "http://$HTTP_ADDR" -shoppers "$SHOPPERS" -sellout-quota "$SELLOUT" | tee "$WORK/seed-$MODE.txt"
	ids=$(grep '^FLASH_BATCH=' "$WORK/seed-$MODE.txt")
	for kv in $ids; do declare "$kv"; done

	say "$MODE: $SHOPPERS shoppers for $D, then the sell-out of $SELLOUT"
	"$WORK/loadgen" flash -mode "$MODE" -api "http://$HTTP_ADDR" -timeout 15s -batch "$FLASH_BATCH" -item "$FLASH_ITEM" \
		-price "$FLASH_PRICE" -shoppers "$SHOPPERS" -d "$D" -warmup "$WARMUP" \
		-sellout-batch "$SELLOUT_BATCH" -sellout-item "$SELLOUT_ITEM" -server-pid "$SERVER" -out "$WORK/result-$MODE.json" ||
		FAILED+=("$MODE")
	[[ -f $WORK/result-$MODE.json ]] && RESULTS+=("$WORK/result-$MODE.json")

	say "$MODE: stop the server"
	kill -TERM "$SERVER"
	if wait "$SERVER"; then echo "server stopped cleanly"; else echo "server exited with $?" >&2; exit 1; fi
	SERVER=
	if [[ ${FAILED[*]:-} == *"$MODE"* ]]; then # the log is complete once the server stopped
		echo "bench-flash: $MODE failed; its server log without successful requests and refusals:" >&2
		grep -v ' code=200 reason= \| reason=SOLD_OUT ' "$WORK/serve-$MODE.log" | grep -v '^ \|^$' | tail -n 10 | sed 's/^/  /' >&2
	fi
	drop_db
done

say "flash presale: $SHOPPERS shoppers, one hot item, $D measured"
MODE=
if [[ ${#RESULTS[@]} -gt 0 ]]; then "$WORK/loadgen" flash-table "${RESULTS[@]}"; fi
echo
machine
if [[ ${#FAILED[@]} -gt 0 ]]; then
	echo "bench-flash: correctness check failed: ${FAILED[*]} (see above)" >&2
	exit 1
fi
