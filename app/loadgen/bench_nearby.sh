#!/usr/bin/env bash
# The HTTP half of `make bench-nearby`: GET /v1/pickup-points:nearby under load, end to end.
#
# A fresh database on the test PostgreSQL (GROUPBUY_TEST_POSTGRES), `groupbuy migrate`,
# `loadgen seed` (the city of the in-process benchmarks), `groupbuy serve` with
# configs/postgres.yaml and GROUPBUY_* overrides (as the e2e harness does) on the test Redis,
# wait for /readyz and for the index to hold the whole city, `loadgen nearby`, then stop the
# server and drop the database, also on failure or Ctrl-C.
#
# Knobs (environment): BENCH_NEARBY_N (else GROUPBUY_NEARBY_N, else 100000), BENCH_NEARBY_C
# (64), BENCH_NEARBY_D (15s), BENCH_NEARBY_WARMUP (3s), BENCH_NEARBY_SPACING (1s, loadgen seed
# -spacing), BENCH_NEARBY_HTTP_ADDR (127.0.0.1:18000), BENCH_NEARBY_GRPC_ADDR (127.0.0.1:19000),
# BENCH_NEARBY_KEEP_LOG (set: keep the server log). The server writes one access-log line per
# request and has no log level setting, so its stdout goes to a file, not the terminal.
set -euo pipefail

N=${BENCH_NEARBY_N:-${GROUPBUY_NEARBY_N:-100000}}
C=${BENCH_NEARBY_C:-64}
D=${BENCH_NEARBY_D:-15s}
WARMUP=${BENCH_NEARBY_WARMUP:-3s}
HTTP_ADDR=${BENCH_NEARBY_HTTP_ADDR:-127.0.0.1:18000}
GRPC_ADDR=${BENCH_NEARBY_GRPC_ADDR:-127.0.0.1:19000}
BENCH=bench-nearby KNOBS=BENCH_NEARBY
# shellcheck source=app/loadgen/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_ports "$HTTP_ADDR" "$GRPC_ADDR"

WORK=$(mktemp -d -t groupbuy-bench-nearby.XXXXXX)
DSN=
SERVER=
cleanup() {
	local rc=$?
	stop_server
	if [[ $rc -ne 0 && -f $WORK/serve.log ]]; then
		echo "bench-nearby: last lines of the server log (successful requests left out):" >&2
		grep -v ' code=200 reason= ' "$WORK/serve.log" | tail -n 30 | sed 's/^/  /' >&2
	fi
	if [[ -n $DSN ]]; then
		"$WORK/loadgen" db drop -dsn "$DSN" && echo "dropped the benchmark database"
	fi
	if [[ -n ${BENCH_NEARBY_KEEP_LOG:-} && -f $WORK/serve.log ]]; then
		cp "$WORK/serve.log" "${TMPDIR:-/tmp}/bench-nearby-serve.log" && echo "server log: ${TMPDIR:-/tmp}/bench-nearby-serve.log"
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_and_configure wxbenchnearby001 "$HTTP_ADDR" "$GRPC_ADDR"

say "fresh database on the test PostgreSQL"
DSN=$("$WORK/loadgen" db create -admin "$PG" -purpose nearby)
echo "${DSN%%\?*}"

GROUPBUY_REDIS_KEY_PREFIX="gbbench-$(basename "$WORK" | tr -cd 'a-zA-Z0-9')"
export GROUPBUY_REDIS_KEY_PREFIX
export GROUPBUY_DB_SOURCE="$DSN"

say "migrate and seed $N pickup points"
"$WORK/groupbuy" migrate -conf "$CONF"
"$WORK/loadgen" seed -conf "$CONF" -n "$N" -spacing "${BENCH_NEARBY_SPACING:-1s}"

say "serve"
"$WORK/groupbuy" serve -conf "$CONF" >"$WORK/serve.log" 2>&1 &
SERVER=$!
"$WORK/loadgen" wait -api "http://$HTTP_ADDR" -n "$N" -wait 3m

say "load: $C clients for $D"
"$WORK/loadgen" nearby -api "http://$HTTP_ADDR" -c "$C" -d "$D" -warmup "$WARMUP" -server-pid "$SERVER"

say "stop the server"
kill -TERM "$SERVER"
if wait "$SERVER"; then echo "server stopped cleanly"; else echo "server exited with $?" >&2; exit 1; fi
SERVER=
machine
