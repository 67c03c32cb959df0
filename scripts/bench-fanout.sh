#!/usr/bin/env bash
# bench-fanout.sh — Pub/Sub fan-out on kvd against redis-server, side by side.
#
# Starts a redis-server and a kvd (bin/kvd, built by `make build`) on free
# ports with persistence off, then runs internal/fanoutbench: N subscribers
# on one channel (SUBSCRIBE) or on a pattern matching it (PSUBSCRIBE), one
# publisher pipelining PUBLISH, at most a window of messages per subscriber
# in flight, servers alternating in each round. It prints the messages
# delivered per second (all subscribers together) on each and the median
# ratio kvd/redis. Measure on a quiet machine: the ratio is what to compare.
#
# Environment:
#   N=1,100,1000          numbers of subscribers to measure
#   MODE=channel,pattern  what they subscribe to
#   SIZE=32               message size in bytes
#   P=32                  PUBLISH commands pipelined by the publisher
#   SECS=3                measured seconds per round and server
#   ROUNDS=3              rounds per case
#   PIN=1                 pin the benchmark to CPU 0 and both servers to CPU 1 (2+ CPUs)
#   KVD_ARGS=...          extra kvd options, e.g. "--io-model reactor"
#   KVD=path              the kvd binary (default bin/kvd)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1,100,1000}
MODE=${MODE:-channel,pattern}
SIZE=${SIZE:-32}
P=${P:-32}
SECS=${SECS:-3}
ROUNDS=${ROUNDS:-3}
PIN=${PIN:-1}
KVD=${KVD:-bin/kvd}
KVD_ARGS=${KVD_ARGS:-}

command -v redis-server >/dev/null || { echo "bench-fanout.sh: redis-server not found (scripts/deps.sh)" >&2; exit 1; }
[ -x "$KVD" ] || { echo "bench-fanout.sh: $KVD not built (make build)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || PIN=0
bench_pin=(); server_pin=()
if [ "$PIN" = 1 ]; then bench_pin=(taskset -c 0); server_pin=(taskset -c 1); fi
# 1,000 subscribers need more descriptors than a default 1,024 limit leaves.
ulimit -n 16384 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/fanoutbench" ./internal/fanoutbench
bport=$(free_port)
"${server_pin[@]}" redis-server --port "$bport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
cport=$(free_port)
# shellcheck disable=SC2086
"${server_pin[@]}" "$KVD" --port "$cport" --bind 127.0.0.1 --loglevel warning $KVD_ARGS >"$work/kvd.log" 2>&1 &
pids+=($!)
wait_port "$bport"
wait_port "$cport"

echo "fan-out: N subscribers, one publisher (-P $P, ${SIZE}-byte messages); base = redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), cand = kvd $KVD_ARGS"
"${bench_pin[@]}" "$work/fanoutbench" -base "127.0.0.1:$bport" -cand "127.0.0.1:$cport" \
  -n "$N" -mode "$MODE" -size "$SIZE" -P "$P" -d "${SECS}s" -rounds "$ROUNDS"
