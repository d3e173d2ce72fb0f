# shellcheck shell=bash
# Sourced by bench_nearby.sh and bench_flash.sh: the test services, the server's configuration
# and the helpers both use. BENCH is the benchmark's name (bench-nearby), KNOBS its prefix of
# environment variables (BENCH_NEARBY).
PG=${GROUPBUY_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
REDIS=${GROUPBUY_TEST_REDIS:-127.0.0.1:6379}
CONF=configs/postgres.yaml

say() { printf '\n== %s\n' "$*"; }

# shellcheck disable=SC2016 # expanded by the inner bash, from its argument
port_busy() { timeout 1 bash -c 'exec 3<>"/dev/tcp/${0%:*}/${0##*:}"' "$1" 2>/dev/null; }

# check_ports ADDR...: fail when one is in use.
check_ports() {
	for addr in "$@"; do
		if port_busy "$addr"; then
			echo "$BENCH: $addr is in use; set ${KNOBS}_HTTP_ADDR / ${KNOBS}_GRPC_ADDR" >&2
			exit 1
		fi
	done
}

# stop_server: TERM the server $SERVER if it runs, KILL it after 10 s.
stop_server() {
	if [[ -n $SERVER ]] && kill -0 "$SERVER" 2>/dev/null; then
		kill -TERM "$SERVER" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER" 2>/dev/null || true
	fi
	SERVER=
}

# build_and_configure WECHAT_APP_ID HTTP_ADDR GRPC_ADDR: build both binaries into $WORK and export
# the deployment configuration, every address and secret from the environment. Secrets are fresh
# per run; WeChat points at a closed local port (the benchmarks never call it).
build_and_configure() {
	say "build (no -race)"
	go build -o "$WORK/groupbuy" ./app/groupbuy
	go build -o "$WORK/loadgen" ./app/loadgen
	GROUPBUY_JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
	GROUPBUY_PII_KEY_K1=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
	GROUPBUY_PICKUP_QR_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
	export GROUPBUY_JWT_SECRET GROUPBUY_PII_KEY_K1 GROUPBUY_PICKUP_QR_KEY
	export GROUPBUY_REDIS_ADDR="${REDIS%%,*}"
	export GROUPBUY_WECHAT_API_BASE=http://127.0.0.1:9
	export GROUPBUY_WECHAT_APP_ID="$1"
	export GROUPBUY_WECHAT_APP_SECRET="$BENCH"
	export GROUPBUY_HTTP_ADDR="$2"
	export GROUPBUY_GRPC_ADDR="$3"
}

machine() { echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"; }
