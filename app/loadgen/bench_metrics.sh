#!/usr/bin/env bash
# `make bench-metrics`: the shopper metrics end to end, one step after another, each on a server
# and database of its own. Steps (BENCH_METRICS_STEPS, in this order): ingest — POST
# /v1/shop/events from many concurrent shoppers, each sending as soon as answered (`loadgen
# events`): the most events/s the server takes, and the request latency at that saturation;
# ingest_rate — the same requests offered on a fixed schedule at the target rate
# (BENCH_METRICS_RATE events/s), whatever the replies: the latency a shopper sees at that rate.
# Both check every acknowledged event in PostgreSQL. A step is a function step_<name>. The rollup
# of a day and the dashboard read are measured in-process after this script (BenchmarkMetrics in
# internal/data, run by the same make target on a database of its own).
#
# For each step: a fresh database on the test PostgreSQL (GROUPBUY_TEST_POSTGRES), `groupbuy
# migrate`, `groupbuy serve` with configs/postgres.yaml and GROUPBUY_* overrides on the test Redis,
# the step, then the server stopped and the database dropped, also on failure or Ctrl-C.
#
# Knobs (environment): BENCH_METRICS_SHOPPERS (2000), BENCH_METRICS_CLIENTS (8),
# BENCH_METRICS_PER (100 events a request), BENCH_METRICS_D (10s), BENCH_METRICS_WARMUP (2s),
# BENCH_METRICS_RATE (20000), BENCH_METRICS_RATE_CLIENTS (32),
# BENCH_METRICS_STEPS ("ingest ingest_rate"), BENCH_METRICS_HTTP_ADDR (127.0.0.1:18200),
# BENCH_METRICS_GRPC_ADDR (127.0.0.1:19200), BENCH_METRICS_METRICS_ADDR (127.0.0.1:19290),
# BENCH_METRICS_KEEP_LOG (set: keep the server log).
#
# It exits non-zero on a correctness failure (an acknowledged event not stored, or stored twice)
# or when the setup fails; the targets are reported as met or NOT met and do not fail the run.
set -euo pipefail

SHOPPERS=${BENCH_METRICS_SHOPPERS:-2000}
CLIENTS=${BENCH_METRICS_CLIENTS:-8}
PER=${BENCH_METRICS_PER:-100}
D=${BENCH_METRICS_D:-10s}
WARMUP=${BENCH_METRICS_WARMUP:-2s}
RATE=${BENCH_METRICS_RATE:-20000}
RATE_CLIENTS=${BENCH_METRICS_RATE_CLIENTS:-32}
STEPS=${BENCH_METRICS_STEPS:-ingest ingest_rate}
HTTP_ADDR=${BENCH_METRICS_HTTP_ADDR:-127.0.0.1:18200}
GRPC_ADDR=${BENCH_METRICS_GRPC_ADDR:-127.0.0.1:19200}
METRICS_ADDR=${BENCH_METRICS_METRICS_ADDR:-127.0.0.1:19290}
BENCH=bench-metrics KNOBS=BENCH_METRICS
# shellcheck source=app/loadgen/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_ports "$HTTP_ADDR" "$GRPC_ADDR" "$METRICS_ADDR"

WORK=$(mktemp -d -t groupbuy-bench-metrics.XXXXXX)
DSN=
SERVER=
cleanup() {
	local rc=$?
	stop_server
	if [[ $rc -ne 0 && -f $WORK/serve.log ]]; then
		echo "bench-metrics: last lines of the server log (successful requests left out):" >&2
		grep -v ' code=200 reason= ' "$WORK/serve.log" | tail -n 30 | sed 's/^/  /' >&2
	fi
	drop_database
	if [[ -n ${BENCH_METRICS_KEEP_LOG:-} && -f $WORK/serve.log ]]; then
		cp "$WORK/serve.log" "${TMPDIR:-/tmp}/bench-metrics-serve.log" && echo "server log: ${TMPDIR:-/tmp}/bench-metrics-serve.log"
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

drop_database() {
	if [[ -n $DSN ]]; then "$WORK/loadgen" db drop -dsn "$DSN" && echo "dropped the benchmark database"; fi
	DSN=
}

# fresh_server: a new database, migrated, and the server on it.
fresh_server() {
	say "fresh database on the test PostgreSQL"
	DSN=$("$WORK/loadgen" db create -admin "$PG" -purpose metrics)
	echo "${DSN%%\?*}"
	export GROUPBUY_DB_SOURCE="$DSN"
	export GROUPBUY_REDIS_KEY_PREFIX="gbbench-$(basename "$WORK" | tr -cd 'a-zA-Z0-9')-$1"
	"$WORK/groupbuy" migrate -conf "$CONF"
	say "serve"
	"$WORK/groupbuy" serve -conf "$CONF" >"$WORK/serve.log" 2>&1 &
	SERVER=$!
}

# end_server: the server stopped cleanly and its database dropped.
end_server() {
	say "stop the server"
	kill -TERM "$SERVER"
	if wait "$SERVER"; then echo "server stopped cleanly"; else echo "server exited with $?" >&2; exit 1; fi
	SERVER=
	drop_database
}

# step_ingest: the mini-program's events over HTTP as fast as the server answers, then the check
# of what was acknowledged.
step_ingest() {
	say "ingest: $SHOPPERS shoppers, $CLIENTS clients × $PER events a request for $D, each sent when the last is answered"
	"$WORK/loadgen" events -conf "$CONF" -api "http://$HTTP_ADDR" -shoppers "$SHOPPERS" -c "$CLIENTS" -per "$PER" \
		-d "$D" -warmup "$WARMUP" -server-pid "$SERVER" | tee "$WORK/ingest.txt"
}

# step_ingest_rate: the same requests at the target rate on a fixed schedule; a request's latency
# counts from when it was due, so a slow reply is charged to the requests it held up.
step_ingest_rate() {
	say "ingest at $RATE events/s: $SHOPPERS shoppers, $RATE_CLIENTS clients × $PER events a request for $D"
	"$WORK/loadgen" events -conf "$CONF" -api "http://$HTTP_ADDR" -shoppers "$SHOPPERS" -c "$RATE_CLIENTS" -per "$PER" \
		-rate "$RATE" -d "$D" -warmup "$WARMUP" -server-pid "$SERVER" | tee "$WORK/ingest_rate.txt"
}

build_and_configure wxbenchmetrics01 "$HTTP_ADDR" "$GRPC_ADDR"
export GROUPBUY_METRICS_ADDR="$METRICS_ADDR" # not the shipped 127.0.0.1:9090, which another server may hold

for step in $STEPS; do
	declare -F "step_$step" >/dev/null || { echo "bench-metrics: no step $step" >&2; exit 2; }
	fresh_server "$step"
	"step_$step"
	end_server
done

say "shopper metrics: results"
grep -h '^RESULT' "$WORK"/*.txt || true
machine
