#!/usr/bin/env bash
# bench-save.sh: BGSAVE of N keys under a concurrent redis-benchmark SET
# load, kvd (snapshot without fork) against redis-server (fork).
#
# For each server it fills N keys (DEBUG POPULATE N key 16), starts
# redis-benchmark SET on random keys (-r N: mostly new keys, as its key
# names differ from POPULATE's), and measures the server's own throughput
# (total_commands_processed per second) over the save and over 3-second
# windows without one just before and after it. During the save it samples
# the memory used: the PSS (proportional set size, so pages a fork shares
# are counted once) of the server and, for Redis, its saving child. It
# prints one line per server.
#
# Usage: scripts/bench-save.sh [keys] [clients] [pipeline]
#   env: KVD_BIN (default: build ./cmd/kvd), REDIS_SERVER (default: redis-server)
set -euo pipefail

KEYS=${1:-1000000}
CLIENTS=${2:-50}
PIPELINE=${3:-16}
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

# pss PID...: the summed PSS of the processes, in KiB.
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
	redis-benchmark -p "$port" -t set -r "$KEYS" -d 16 -n 2000000000 -c "$CLIENTS" -P "$PIPELINE" -q >/dev/null 2>&1 &
	local bpid=$!
	PIDS+=("$bpid")
	sleep 2
	local c0 t0 c1 t1
	c0=$(info "$port" stats total_commands_processed)
	t0=$(date +%s.%N)
	sleep 3
	c1=$(info "$port" stats total_commands_processed)
	t1=$(date +%s.%N)
	local base_rps base_pss
	base_rps=$(echo "($c1 - $c0) / ($t1 - $t0)" | bc)
	base_pss=$(pss "$pid")
	redis-cli -p "$port" bgsave >/dev/null
	c0=$(info "$port" stats total_commands_processed)
	t0=$(date +%s.%N)
	local peak=0 cur kids
	while [[ $(info "$port" persistence rdb_bgsave_in_progress) == 1 ]]; do
		kids=$(pgrep -P "$pid" || true)
		# shellcheck disable=SC2086
		cur=$(pss "$pid" $kids)
		((cur > peak)) && peak=$cur
		sleep 0.05
	done
	c1=$(info "$port" stats total_commands_processed)
	t1=$(date +%s.%N)
	local save_rps secs
	save_rps=$(echo "($c1 - $c0) / ($t1 - $t0)" | bc)
	secs=$(echo "$t1 - $t0" | bc)
	# A second window without a save, after it: the baseline is the mean
	# of the two, which evens out some of a shared machine's drift.
	c0=$c1
	t0=$t1
	sleep 3
	c1=$(info "$port" stats total_commands_processed)
	t1=$(date +%s.%N)
	base_rps=$(echo "($base_rps + ($c1 - $c0) / ($t1 - $t0)) / 2" | bc)
	kill "$bpid" 2>/dev/null || true
	wait "$bpid" 2>/dev/null || true
	printf "%-6s keys=%d  no save: %8d req/s  PSS %6d MiB | BGSAVE %5.2f s: %8d req/s (%.2fx)  peak PSS %6d MiB (+%d)  status=%s\n" \
		"$name" "$KEYS" "$base_rps" $((base_pss / 1024)) "$secs" "$save_rps" \
		"$(echo "scale=2; $save_rps / $base_rps" | bc)" $((peak / 1024)) $(((peak - base_pss) / 1024)) \
		"$(info "$port" persistence rdb_last_bgsave_status)"
}

KP=$(free_port)
mkdir -p "$WORK/kvd" "$WORK/redis"
"$KVD_BIN" --port "$KP" --bind 127.0.0.1 --save "" --enable-debug-command yes --dir "$WORK/kvd" --logfile "$WORK/kvd/log" &
KPID=$!
PIDS+=("$KPID")
wait_port "$KP"
bench kvd "$KP" "$KPID"
redis-cli -p "$KP" shutdown nosave >/dev/null 2>&1 || true

RP=$(free_port)
"$REDIS_SERVER" --port "$RP" --bind 127.0.0.1 --save "" --enable-debug-command yes --appendonly no --dir "$WORK/redis" --logfile "$WORK/redis/log" &
RPID=$!
PIDS+=("$RPID")
wait_port "$RP"
bench redis "$RP" "$RPID"
redis-cli -p "$RP" shutdown nosave >/dev/null 2>&1 || true
