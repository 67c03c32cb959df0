#!/usr/bin/env bash
# bench-evict.sh — SET throughput with maxmemory reached, kvd against
# redis-server, side by side.
#
# Starts a redis-server and a kvd (bin/kvd, built by `make build`) on free
# ports with persistence off, both with maxmemory and an eviction policy,
# fills each past maxmemory, then runs redis-benchmark SET of random new
# keys (-r 100000000) against each in alternating rounds, so that every
# write evicts about one key. It prints each round's requests/s, the
# evicted_keys counts, used_memory against maxmemory, and the median ratio
# kvd/redis. Measure on a quiet machine: the ratio is what to compare.
#
# Environment:
#   MAXMEMORY=64mb   the limit
#   POLICY=allkeys-lru
#   N=500000         requests per round
#   P=16             pipeline depth (redis-benchmark -P)
#   C=50             connections
#   D=100            value size
#   ROUNDS=3
#   PIN=1            pin redis-benchmark to CPU 0 and both servers to CPU 1 (2+ CPUs)
#   KVD=path         the kvd binary (default bin/kvd)
set -euo pipefail
cd "$(dirname "$0")/.."

MAXMEMORY=${MAXMEMORY:-64mb}
POLICY=${POLICY:-allkeys-lru}
N=${N:-500000}
P=${P:-16}
C=${C:-50}
D=${D:-100}
ROUNDS=${ROUNDS:-3}
PIN=${PIN:-1}
KVD=${KVD:-bin/kvd}

for cmd in redis-server redis-benchmark redis-cli; do
  command -v "$cmd" >/dev/null || { echo "bench-evict.sh: $cmd not found (scripts/deps.sh)" >&2; exit 1; }
done
[ -x "$KVD" ] || { echo "bench-evict.sh: $KVD not built (make build)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || PIN=0
bench_pin=(); server_pin=()
if [ "$PIN" = 1 ]; then bench_pin=(taskset -c 0); server_pin=(taskset -c 1); fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }
info() { redis-cli -p "$1" info "$2" | tr -d '\r' | grep "^$3:" | cut -d: -f2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

args=(--bind 127.0.0.1 --save '' --maxmemory "$MAXMEMORY" --maxmemory-policy "$POLICY")
rport=$(free_port)
"${server_pin[@]}" redis-server --port "$rport" "${args[@]}" --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
kport=$(free_port)
"${server_pin[@]}" "$KVD" --port "$kport" "${args[@]}" --loglevel warning >"$work/kvd.log" 2>&1 &
pids+=($!)
wait_port "$rport"
wait_port "$kport"

bench() { # port -> requests/s
  "${bench_pin[@]}" redis-benchmark -p "$1" -t set -r 100000000 -d "$D" -n "$N" -P "$P" -c "$C" -q 2>/dev/null |
    tr '\r' '\n' | grep -o 'SET: [0-9.]* requests per second' | grep -o '[0-9.]*' | tail -1
}

echo "SET -d $D -P $P -c $C with maxmemory $MAXMEMORY $POLICY reached; base = redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), cand = kvd"
# Fill both past maxmemory first, so that every measured write evicts.
bench "$rport" >/dev/null
bench "$kport" >/dev/null
ratios=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then rb=$(bench "$rport"); kb=$(bench "$kport"); else kb=$(bench "$kport"); rb=$(bench "$rport"); fi
  ratio=$(python3 -c "print(f'{$kb/$rb:.2f}')")
  ratios+=("$ratio")
  echo "round $r: redis $rb req/s, kvd $kb req/s, ratio $ratio"
done
for p in "$rport" "$kport"; do
  echo "port $p: evicted_keys $(info "$p" stats evicted_keys), used_memory $(info "$p" memory used_memory) of maxmemory $(info "$p" memory maxmemory), rss $(info "$p" memory used_memory_rss)"
done
echo "median ratio kvd/redis: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (${#ratios[@]} + 1) / 2 ))p")"
