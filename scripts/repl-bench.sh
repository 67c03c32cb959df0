#!/usr/bin/env bash
# repl-bench.sh: replication benchmarks, kvd master against redis-server
# master, the replica being a redis-server in both cases.
#
# 1. Full sync: the master holds N keys (DEBUG POPULATE N key 16); a
#    replica is started with --replicaof; the time until its link is up,
#    and the master's peak PSS during the sync (Redis: the master and its
#    forked child, PSS counting shared pages once) against its PSS before.
# 2. SET throughput with the replica attached: redis-benchmark -t set
#    (-c clients -P pipeline, random keys among N) on the master; then the
#    replication lag when it ends (master_repl_offset less the replica's
#    acknowledged offset) and the time the replica takes to catch up.
#
# Usage: scripts/repl-bench.sh [keys] [clients] [pipeline] [requests]
#   env: KVD_BIN (default: build ./cmd/kvd), REDIS_SERVER (default: redis-server)
set -euo pipefail

KEYS=${1:-1000000}
CLIENTS=${2:-50}
PIPELINE=${3:-16}
REQUESTS=${4:-2000000}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -z "${KVD_BIN:-}" ]]; then
	KVD_BIN=$WORK/kvd-bin
	go build -o "$KVD_BIN" ./cmd/kvd
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
info() { redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v k="$3" '$1==k {print $2}'; }
pss() {
	local sum=0 p v
	for p in "$@"; do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
wait_port() {
	for _ in $(seq 100); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "server on port $1 did not start" >&2
	exit 1
}

bench() { # name port pid
	local name=$1 port=$2 pid=$3
	[[ $(redis-cli -p "$port" debug populate "$KEYS" key 16) == OK ]] || { echo "DEBUG POPULATE failed" >&2; exit 1; }
	local base peak=0 cur kids
	base=$(pss "$pid")
	local rp rdir
	rp=$(free_port)
	rdir=$WORK/replica-$name
	mkdir -p "$rdir"
	local t0 t1
	t0=$(date +%s.%N)
	"$REDIS_SERVER" --port "$rp" --bind 127.0.0.1 --save "" --appendonly no --dir "$rdir" --logfile "$rdir/log" \
		--replicaof 127.0.0.1 "$port" &
	local rpid=$!
	PIDS+=("$rpid")
	while [[ $(info "$rp" replication master_link_status 2>/dev/null) != up ]]; do
		kids=$(pgrep -P "$pid" || true)
		# shellcheck disable=SC2086
		cur=$(pss "$pid" $kids)
		((cur > peak)) && peak=$cur
		sleep 0.05
	done
	t1=$(date +%s.%N)
	printf "%-6s full sync of %d keys: %5.2f s, master PSS %d MiB before, peak %d MiB (+%d)\n" \
		"$name" "$KEYS" "$(echo "$t1 - $t0" | bc)" $((base / 1024)) $((peak / 1024)) $(((peak - base) / 1024))
	local out rps
	out=$(redis-benchmark -p "$port" -t set -r "$KEYS" -d 16 -n "$REQUESTS" -c "$CLIENTS" -P "$PIPELINE" -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
	rps=$(echo "$out" | awk '{print $2}')
	local moff soff lag0
	moff=$(info "$port" replication master_repl_offset)
	soff=$(info "$port" replication slave0 | sed 's/.*offset=\([0-9]*\).*/\1/')
	lag0=$((moff - soff))
	t0=$(date +%s.%N)
	while [[ $(info "$rp" replication slave_repl_offset) -lt $moff ]]; do sleep 0.01; done
	t1=$(date +%s.%N)
	printf "%-6s SET -c %d -P %d with one replica: %s req/s; lag at the end %d bytes, caught up in %.2f s\n" \
		"$name" "$CLIENTS" "$PIPELINE" "$rps" "$lag0" "$(echo "$t1 - $t0" | bc)"
	redis-cli -p "$rp" shutdown nosave >/dev/null 2>&1 || true
}

KP=$(free_port)
mkdir -p "$WORK/kvd" "$WORK/redis"
"$KVD_BIN" --port "$KP" --bind 127.0.0.1 --save "" --enable-debug-command yes --repl-diskless-sync-delay 0 \
	--dir "$WORK/kvd" --logfile "$WORK/kvd/log" &
KPID=$!
PIDS+=("$KPID")
wait_port "$KP"
bench kvd "$KP" "$KPID"
redis-cli -p "$KP" shutdown nosave >/dev/null 2>&1 || true

RP=$(free_port)
"$REDIS_SERVER" --port "$RP" --bind 127.0.0.1 --save "" --enable-debug-command yes --appendonly no \
	--repl-diskless-sync-delay 0 --dir "$WORK/redis" --logfile "$WORK/redis/log" &
RPID=$!
PIDS+=("$RPID")
wait_port "$RP"
bench redis "$RP" "$RPID"
redis-cli -p "$RP" shutdown nosave >/dev/null 2>&1 || true
