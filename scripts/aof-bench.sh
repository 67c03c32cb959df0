#!/usr/bin/env bash
# aof-bench.sh — SET throughput with the AOF on, kvd against redis-server,
# side by side on the same disk; and the time to load an AOF of many
# commands.
#
# For each appendfsync policy it starts a redis-server and a kvd (bin/kvd,
# built by `make build`) with appendonly yes in directories under WORKDIR
# (default: a temporary directory, so the disk is the one /tmp is on), runs
# redis-benchmark SET against each in turn (ROUNDS rounds, alternating),
# and prints requests per second and the ratio kvd/redis. Then it writes
# LOADN SET commands through each server, restarts it and reports the time
# its log gives for loading the AOF (DB loaded from append only file).
#
# Environment:
#   FSYNC=everysec,always  policies to measure
#   N=200000               requests per redis-benchmark run (always: N/10)
#   C=50                   clients
#   P=1                    pipeline depth
#   ROUNDS=3               rounds per policy
#   LOADN=1000000          commands in the AOF whose load is timed (0: skip)
#   WORKDIR=dir            where the AOF directories go
#   KVD=path               the kvd binary (default bin/kvd)
set -euo pipefail
cd "$(dirname "$0")/.."

FSYNC=${FSYNC:-everysec,always}
N=${N:-200000}
C=${C:-50}
P=${P:-1}
ROUNDS=${ROUNDS:-3}
LOADN=${LOADN:-1000000}
KVD=${KVD:-bin/kvd}

command -v redis-server >/dev/null || { echo "aof-bench.sh: redis-server not found (scripts/deps.sh)" >&2; exit 1; }
command -v redis-benchmark >/dev/null || { echo "aof-bench.sh: redis-benchmark not found" >&2; exit 1; }
[ -x "$KVD" ] || { echo "aof-bench.sh: $KVD not built (make build)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 600); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }

work=$(mktemp -d "${WORKDIR:-/tmp}/aof-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() { # name fsync dir port -> pid in $!
	local name=$1 fsync=$2 dir=$3 port=$4
	mkdir -p "$dir"
	if [ "$name" = redis ]; then
		redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$fsync" \
			--auto-aof-rewrite-percentage 0 --dir "$dir" --logfile "$dir/log" &
	else
		"$KVD" --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$fsync" \
			--auto-aof-rewrite-percentage 0 --dir "$dir" --logfile "$dir/log" &
	fi
	pids+=($!)
	wait_port "$port"
}

rps() { redis-benchmark -p "$1" -t set -n "$2" -c "$C" -P "$P" -r 1000000 --csv 2>/dev/null | awk -F'"' '$2 == "SET" {print $4}'; }

echo "# SET, $C clients, pipeline $P, appendonly yes ($(date -u +%F), $(nproc) CPUs, $(df -T "$work" | awk 'NR==2 {print $2}'))"
IFS=, read -ra policies <<<"$FSYNC"
for fsync in "${policies[@]}"; do
	n=$N
	[ "$fsync" = always ] && n=$((N / 10))
	rport=$(free_port); start redis "$fsync" "$work/redis-$fsync" "$rport"; rpid=$!
	kport=$(free_port); start kvd "$fsync" "$work/kvd-$fsync" "$kport"; kpid=$!
	ratios=()
	for r in $(seq "$ROUNDS"); do
		rr=$(rps "$rport" "$n"); kr=$(rps "$kport" "$n")
		ratio=$(python3 -c "print('%.2f' % ($kr/$rr))")
		ratios+=("$ratio")
		printf '%-9s round %d: redis %10s  kvd %10s  kvd/redis %s\n' "$fsync" "$r" "$rr" "$kr" "$ratio"
	done
	printf '%-9s median kvd/redis %s\n' "$fsync" "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
	kill "$rpid" "$kpid"; wait "$rpid" "$kpid" 2>/dev/null || true
done

[ "$LOADN" -gt 0 ] || exit 0
echo "# loading an AOF of $LOADN SET commands (appendfsync no while writing)"
for name in redis kvd; do
	dir="$work/$name-load"; port=$(free_port)
	start "$name" no "$dir" "$port"; pid=$!
	redis-benchmark -p "$port" -t set -n "$LOADN" -c 50 -P 64 -r 100000000 -q >/dev/null 2>&1
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	wait "$pid" 2>/dev/null || true
	port=$(free_port)
	start "$name" no "$dir" "$port"; pid=$!
	printf '%-6s %s, %s keys\n' "$name" "$(grep -o 'DB loaded from append only file: [0-9.]* seconds' "$dir/log" | tail -1)" "$(redis-cli -p "$port" dbsize)"
	kill "$pid"; wait "$pid" 2>/dev/null || true
done
