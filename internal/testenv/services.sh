#!/usr/bin/env bash
# Makes sure the PostgreSQL, Redis and Redis Cluster the tests use (GROUPBUY_TEST_POSTGRES,
# GROUPBUY_TEST_REDIS, GROUPBUY_TEST_REDIS_CLUSTER) answer, and that the headless Chromium of the
# console's browser tests is installed. `make test` runs it before `go test`;
# running it again changes nothing.
#
# The cluster is three masters without replicas on loopback ports (7001-7003 by default), their
# state under $GROUPBUY_TEST_REDIS_CLUSTER_DIR (/tmp/groupbuy-redis-cluster); tests that use
# Redis run against the single server and the cluster, so a script whose keys span hash slots
# fails them.
#
# A server on this machine (loopback address) that does not answer is started, and installed with
# apt first when missing; PostgreSQL is then made to accept the test DSN without a password and to
# have its database. A remote server is only checked. Prints one line per service, or says what
# to do and exits non-zero.
set -euo pipefail

PG_DSN=${GROUPBUY_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
REDIS_ADDRS=${GROUPBUY_TEST_REDIS:-127.0.0.1:6379}
CLUSTER_ADDRS=${GROUPBUY_TEST_REDIS_CLUSTER:-127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003}
CLUSTER_DIR=${GROUPBUY_TEST_REDIS_CLUSTER_DIR:-/tmp/groupbuy-redis-cluster}
WAIT_SECONDS=${GROUPBUY_SERVICES_WAIT:-30}
HBA_MARK="# groupbuy test services: passwordless loopback connections"

LOG=$(mktemp -t groupbuy-services.XXXXXX)
trap 'rm -f "$LOG"' EXIT

fail() {
	echo "services: $*" >&2
	if [[ -s $LOG ]]; then
		echo "services: last lines of the log:" >&2
		tail -n 20 "$LOG" | sed 's/^/  /' >&2
	fi
	exit 1
}

# as_root runs a command as root: directly when we are root, else through sudo.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		fail "need root (or sudo) to run: $*"
	fi
}

APT_UPDATED=
apt_install() {
	command -v apt-get >/dev/null || fail "$1 is not installed and there is no apt-get: install $* yourself"
	echo "services: installing $* with apt-get" >&2
	if [[ -z $APT_UPDATED ]]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$LOG" 2>&1 ||
			fail "apt-get update failed; fix apt (network, sources) or install $* yourself"
		APT_UPDATED=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$LOG" 2>&1 ||
		fail "apt-get install $* failed; install it yourself"
}

is_loopback() {
	case $1 in
	localhost | 127.* | ::1 | /*) return 0 ;; # /… is a Unix socket directory
	*) return 1 ;;
	esac
}

# tcp_open HOST PORT succeeds when something accepts TCP connections there.
tcp_open() {
	# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# wait_for NAME CHECK… retries CHECK for WAIT_SECONDS.
wait_for() {
	local name=$1
	shift
	for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
		"$@" && return 0
		sleep 0.5
	done
	fail "$name did not become ready within ${WAIT_SECONDS}s"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# parse_pg fills PG_HOST, PG_PORT, PG_DB and PG_ADMIN_DSN (the same server, database postgres)
# from a postgres:// URL or a keyword=value DSN.
parse_pg() {
	local user="" host="" port="" db=""
	if [[ $PG_DSN == postgres://* || $PG_DSN == postgresql://* ]]; then
		local scheme=${PG_DSN%%://*} rest=${PG_DSN#*://} query=""
		[[ $rest == *\?* ]] && query="?${rest#*\?}"
		rest=${rest%%\?*}
		local authority=${rest%%/*}
		[[ $rest == */* ]] && db=${rest#*/}
		[[ $authority == *@* ]] && user=${authority%@*} && user=${user%%:*}
		local hostport=${authority##*@}
		if [[ $hostport == \[* ]]; then # [::1]:5432
			host=${hostport#\[} && host=${host%%]*}
			port=${hostport##*]} && port=${port#:}
		else
			host=${hostport%%:*}
			[[ $hostport == *:* ]] && port=${hostport##*:}
		fi
		PG_ADMIN_DSN="$scheme://$authority/postgres$query"
	else
		local word
		for word in $PG_DSN; do
			case $word in
			host=*) host=${word#host=} ;;
			port=*) port=${word#port=} ;;
			dbname=*) db=${word#dbname=} ;;
			user=*) user=${word#user=} ;;
			esac
		done
		PG_ADMIN_DSN="$PG_DSN dbname=postgres"
	fi
	PG_HOST=${host:-localhost}
	PG_PORT=${port:-5432}
	PG_DB=${db:-${user:-postgres}}
}

pg_ready() {
	if command -v pg_isready >/dev/null; then
		pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
	else
		tcp_open "$PG_HOST" "$PG_PORT"
	fi
}

# pg_query DSN SQL runs SQL as the DSN's user; its errors go to the log.
pg_query() {
	PGCONNECT_TIMEOUT=5 psql "$1" -XAtq -v ON_ERROR_STOP=1 -c "$2" 2>>"$LOG"
}

# pg_cluster prints "VERSION NAME" of the local cluster on PG_PORT (else of the newest cluster).
pg_cluster() {
	command -v pg_lsclusters >/dev/null || return 1
	local clusters
	clusters=$(pg_lsclusters -h 2>/dev/null | sort -V) || return 1
	[[ -n $clusters ]] || return 1
	awk -v port="$PG_PORT" '$3 == port { print $1, $2; found = 1; exit } END { if (!found) exit 1 }' <<<"$clusters" ||
		tail -n 1 <<<"$clusters" | awk '{ print $1, $2 }'
}

start_postgres() {
	command -v pg_ctlcluster >/dev/null || apt_install postgresql
	local cluster
	cluster=$(pg_cluster) || fail "PostgreSQL is installed but has no cluster: create one with \`pg_createcluster --start 15 main\`"
	# shellcheck disable=SC2086 # "VERSION NAME" splits into two arguments
	as_root pg_ctlcluster --skip-systemctl-redirect $cluster start >>"$LOG" 2>&1 ||
		echo "services: pg_ctlcluster $cluster start failed; waiting in case it is starting anyway" >>"$LOG"
	wait_for "PostgreSQL on $PG_HOST:$PG_PORT" pg_ready
	PG_STARTED=1
}

# trust_loopback lets local TCP clients in without a password: the test DSN carries none.
trust_loopback() {
	local cluster hba
	cluster=$(pg_cluster) || return 1
	hba="/etc/postgresql/${cluster% *}/${cluster#* }/pg_hba.conf"
	as_root test -f "$hba" || return 1
	if ! as_root grep -qF "$HBA_MARK" "$hba"; then
		echo "services: adding trust rules for 127.0.0.1 and ::1 to $hba" >&2
		# First match wins in pg_hba.conf: the rules go on top.
		printf '%s\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust\n\n' "$HBA_MARK" |
			as_root sh -c "cat - '$hba' >'$hba.groupbuy' && cat '$hba.groupbuy' >'$hba' && rm '$hba.groupbuy'"
	fi
	# shellcheck disable=SC2086
	as_root pg_ctlcluster --skip-systemctl-redirect $cluster reload >>"$LOG" 2>&1
}

# pg_access makes the test DSN connect, creating its database when it is missing.
pg_access() {
	pg_query "$PG_DSN" "SELECT 1" >/dev/null && return 0
	if pg_query "$PG_ADMIN_DSN" "SELECT 1" >/dev/null; then
		if [[ -z $(pg_query "$PG_ADMIN_DSN" "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
			pg_query "$PG_ADMIN_DSN" "CREATE DATABASE \"$PG_DB\"" >/dev/null ||
				fail "could not create database $PG_DB on $PG_HOST:$PG_PORT"
		fi
		pg_query "$PG_DSN" "SELECT 1" >/dev/null && return 0
	fi
	return 1
}

check_postgres() {
	parse_pg
	local where="$PG_HOST:$PG_PORT"
	PG_STARTED=
	if ! pg_ready; then
		is_loopback "$PG_HOST" ||
			fail "PostgreSQL at $where (GROUPBUY_TEST_POSTGRES) does not answer; start it, or unset GROUPBUY_TEST_POSTGRES to use a local one"
		start_postgres
	fi
	if ! command -v psql >/dev/null; then
		echo "postgres: ready at $where (psql not installed: database $PG_DB not checked)"
		return
	fi
	if ! pg_access && ! { is_loopback "$PG_HOST" && trust_loopback && pg_access; }; then
		fail "cannot connect to database $PG_DB on $where as given by GROUPBUY_TEST_POSTGRES: the user must exist and log in without a password (pg_hba.conf 'trust' for 127.0.0.1/32), and the database must exist or be creatable"
	fi
	echo "postgres: ${PG_STARTED:+started, }ready at $where, database $PG_DB"
}

# ---------------------------------------------------------------------------------------------
# Redis

# split_addr HOST:PORT sets R_HOST and R_PORT ([::1]:6379 too).
split_addr() {
	R_PORT=${1##*:}
	R_HOST=${1%:*}
	R_HOST=${R_HOST#\[}
	R_HOST=${R_HOST%]}
	[[ $R_PORT != "$1" && -n $R_HOST ]] || fail "GROUPBUY_TEST_REDIS: want host:port, got $1"
}

redis_ready() {
	if command -v redis-cli >/dev/null; then
		[[ $(timeout 3 redis-cli -h "$R_HOST" -p "$R_PORT" ping 2>>"$LOG") == PONG ]]
	else
		# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
		timeout 3 bash -c '
			exec 3<>"/dev/tcp/$0/$1" || exit 1
			printf "PING\r\n" >&3
			read -r -t 2 reply <&3 && [[ $reply == +PONG* ]]' "$R_HOST" "$R_PORT" 2>/dev/null
	fi
}

start_redis() {
	command -v redis-server >/dev/null || apt_install redis-server
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$R_PORT" --save "" --appendonly no >>"$LOG" 2>&1 ||
		fail "redis-server failed to start on port $R_PORT"
	wait_for "Redis on $R_HOST:$R_PORT" redis_ready
}

check_redis() {
	local addrs addr started=""
	IFS=, read -r -a addrs <<<"$REDIS_ADDRS"
	for addr in "${addrs[@]}"; do
		split_addr "$addr"
		redis_ready && continue
		# Only a single local server is ours to start; a cluster is set up by whoever runs it.
		if [[ ${#addrs[@]} -eq 1 ]] && is_loopback "$R_HOST"; then
			start_redis
			started="started, "
		else
			fail "Redis at $addr (GROUPBUY_TEST_REDIS) does not answer PING; start it, or unset GROUPBUY_TEST_REDIS to use a local one"
		fi
	done
	echo "redis: ${started}ready at $REDIS_ADDRS"
}

# ---------------------------------------------------------------------------------------------
# Redis Cluster

# cluster_field ADDR FIELD prints FIELD of CLUSTER INFO at ADDR (cluster_state, …).
cluster_field() {
	split_addr "$1"
	timeout 3 redis-cli -h "$R_HOST" -p "$R_PORT" cluster info 2>>"$LOG" | tr -d '\r' | sed -n "s/^$2://p"
}

cluster_ok() {
	local addr
	for addr in "${CLUSTER_NODES[@]}"; do
		[[ $(cluster_field "$addr" cluster_state) == ok ]] || return 1
	done
}

# cluster_formed succeeds when every node knows all the nodes and sees every slot assigned.
cluster_formed() {
	local addr
	for addr in "${CLUSTER_NODES[@]}"; do
		[[ $(cluster_field "$addr" cluster_slots_assigned) == 16384 &&
			$(cluster_field "$addr" cluster_known_nodes) == "${#CLUSTER_NODES[@]}" ]] || return 1
	done
}

# start_cluster_node starts a cluster-mode server on R_PORT that keeps nothing but its node file.
start_cluster_node() {
	local dir="$CLUSTER_DIR/$R_PORT"
	mkdir -p "$dir"
	redis-server --daemonize yes --bind 127.0.0.1 --port "$R_PORT" --dir "$dir" \
		--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
		--save "" --appendonly no --logfile "$dir/redis.log" >>"$LOG" 2>&1 ||
		fail "redis-server failed to start in cluster mode on port $R_PORT (log: $dir/redis.log)"
	wait_for "Redis Cluster node on $R_HOST:$R_PORT" redis_ready
}

# create_cluster assigns the slots to the nodes. Nodes that half-remember an earlier cluster (a
# node restarted after the others lost their files) are reset first: they hold only test data.
create_cluster() {
	local addr
	for addr in "${CLUSTER_NODES[@]}"; do
		split_addr "$addr"
		timeout 5 redis-cli -h "$R_HOST" -p "$R_PORT" flushall >>"$LOG" 2>&1 || true
		timeout 5 redis-cli -h "$R_HOST" -p "$R_PORT" cluster reset hard >>"$LOG" 2>&1 ||
			fail "could not reset Redis Cluster node $addr"
	done
	timeout 60 redis-cli --cluster create "${CLUSTER_NODES[@]}" --cluster-replicas 0 --cluster-yes >>"$LOG" 2>&1 ||
		fail "redis-cli --cluster create ${CLUSTER_NODES[*]} failed"
}

check_redis_cluster() {
	local addr started="" all_local=1
	IFS=, read -r -a CLUSTER_NODES <<<"$CLUSTER_ADDRS"
	for addr in "${CLUSTER_NODES[@]}"; do
		split_addr "$addr"
		is_loopback "$R_HOST" || all_local=
	done
	if [[ -z $all_local ]]; then
		cluster_ok || fail "Redis Cluster at $CLUSTER_ADDRS (GROUPBUY_TEST_REDIS_CLUSTER) is not up (cluster_state is not ok)"
		echo "redis cluster: ready at $CLUSTER_ADDRS"
		return
	fi
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server redis-tools
	for addr in "${CLUSTER_NODES[@]}"; do
		split_addr "$addr"
		redis_ready && continue
		start_cluster_node
		started="started, "
	done
	if ! cluster_ok; then
		# Restarted nodes may still be finding each other; nodes that do not all know the whole
		# cluster (one lost its node file) are made into a new one.
		if ! cluster_formed; then
			create_cluster
			started="${started}created, "
		fi
		wait_for "Redis Cluster at $CLUSTER_ADDRS (cluster_state:ok)" cluster_ok
	fi
	echo "redis cluster: ${started}ready at $CLUSTER_ADDRS"
}

# check_chromium makes sure Debian's chromium is there: the console's browser tests
# (internal/e2e) drive it headless. A Chinese font makes their screenshots readable.
check_chromium() {
	command -v chromium >/dev/null || apt_install chromium
	command -v fc-list >/dev/null && fc-list :lang=zh | grep -q . || apt_install fonts-wqy-zenhei
	echo "chromium: $(chromium --version 2>/dev/null | head -n 1)"
}

check_postgres
check_redis
check_redis_cluster
check_chromium
