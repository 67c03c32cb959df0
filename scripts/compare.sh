#!/usr/bin/env bash
# compare.sh — kvd against redis-server, side by side, in one run.
#
# Starts a redis-server and a kvd (bin/kvd, built by `make build`) on free
# ports, both with persistence off, and runs redis-benchmark against each in
# interleaved rounds (A B, B A, ...). For every workload it prints both
# servers' median requests/s, the median of the per-round ratios kvd/redis,
# and median p50/p99 latencies; then the geometric mean of the ratios.
# Workloads redis-benchmark cannot express (transactions) are sent by
# bin/loadgen (internal/loadgen, built by `make compare`), which reports
# the same way.
# Absolute numbers on shared machines drift; the paired ratios do not.
#
# Environment:
#   ROUNDS=5        measured rounds per workload
#   QUICK=1         SET/GET at -c 50 -P 1 and -P 16 only
#   ONLY=regex      only workloads whose label matches
#   PIN=1           pin redis-benchmark to CPU 0 and both servers to CPU 1
#                   (needs 2+ CPUs; kvd then runs with GOMAXPROCS=1)
#   KVD_ARGS=...    extra kvd options, e.g. "--io-threads 2" or "--io-model reactor"
#   KVD=path        the kvd binary (default bin/kvd)
#   CANDIDATE_PORT  benchmark an already-running server instead of starting kvd
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
PIN=${PIN:-1}
KVD=${KVD:-bin/kvd}
KVD_ARGS=${KVD_ARGS:-}
ONLY=${ONLY:-}

for cmd in redis-server redis-benchmark redis-cli; do
  command -v "$cmd" >/dev/null || { echo "compare.sh: $cmd not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
[ -n "${CANDIDATE_PORT:-}" ] || [ -x "$KVD" ] || { echo "compare.sh: $KVD not built (make build)" >&2; exit 1; }

ulimit -n 20000 2>/dev/null || true
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || PIN=0
bench_pin=(); server_pin=()
if [ "$PIN" = 1 ]; then bench_pin=(taskset -c 0); server_pin=(taskset -c 1); fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bport=$(free_port)
"${server_pin[@]}" redis-server --port "$bport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
if [ -n "${CANDIDATE_PORT:-}" ]; then
  cport=$CANDIDATE_PORT
else
  cport=$(free_port)
  # shellcheck disable=SC2086
  "${server_pin[@]}" "$KVD" --port "$cport" --bind 127.0.0.1 --loglevel warning $KVD_ARGS >"$work/kvd.log" 2>&1 &
  pids+=($!)
fi
wait_port "$bport"; wait_port "$cport"

# label | redis-benchmark options
workloads=(
  "SET c50 P1|-t set -c 50 -P 1 -d 16 -r 100000 -n 100000"
  "GET c50 P1|-t get -c 50 -P 1 -d 16 -r 100000 -n 100000"
  "SET c50 P16|-t set -c 50 -P 16 -d 16 -r 100000 -n 1000000"
  "GET c50 P16|-t get -c 50 -P 16 -d 16 -r 100000 -n 1000000"
)
if [ -z "${QUICK:-}" ]; then
  workloads+=(
    "SET c1000 P1|-t set -c 1000 -P 1 -d 16 -r 100000 -n 100000"
    "GET c1000 P1|-t get -c 1000 -P 1 -d 16 -r 100000 -n 100000"
    "INCR c50 P1|-t incr -c 50 -P 1 -r 100000 -n 100000"
    "LPUSH c50 P1|-t lpush -c 50 -P 1 -d 16 -n 100000"
    "HSET c50 P1|-t hset -c 50 -P 1 -d 16 -r 100000 -n 100000"
    "SADD c50 P1|-t sadd -c 50 -P 1 -r 100000 -n 100000"
    "ZADD c50 P1|-t zadd -c 50 -P 1 -r 100000 -n 100000"
    "MSET c50 P1|-t mset -c 50 -P 1 -d 16 -r 100000 -n 100000"
    "INCR c50 P16|-t incr -c 50 -P 16 -r 100000 -n 1000000"
    "LPUSH c50 P16|-t lpush -c 50 -P 16 -d 16 -n 1000000"
    "HSET c50 P16|-t hset -c 50 -P 16 -d 16 -r 100000 -n 1000000"
    "SADD c50 P16|-t sadd -c 50 -P 16 -r 100000 -n 1000000"
    "ZADD c50 P16|-t zadd -c 50 -P 16 -r 100000 -n 500000"
    "GEOADD c50 P1|-c 50 -P 1 -r 100000 -n 100000 GEOADD geo 13.361389 38.115556 __rand_int__"
    "GEOADD c50 P16|-c 50 -P 16 -r 100000 -n 500000 GEOADD geo 13.361389 38.115556 __rand_int__"
    "MSET c50 P16|-t mset -c 50 -P 16 -d 16 -r 100000 -n 200000"
    "SET d1024 P1|-t set -c 50 -P 1 -d 1024 -r 100000 -n 100000"
    "GET d1024 P16|-t get -c 50 -P 16 -d 1024 -r 100000 -n 1000000"
    "MULTI c50 P1|@-t tx -c 50 -P 1 -r 100000 -n 50000"
    "MULTI c50 P16|@-t tx -c 50 -P 16 -r 100000 -n 200000"
  )
fi

# run PORT OPTS -> "rps p50 p99"
run() {
  local port=$1; shift
  local tool=(redis-benchmark)
  if [[ $1 == @* ]]; then tool=(bin/loadgen); set -- "${1#@}" "${@:2}"; fi
  # shellcheck disable=SC2068
  timeout 120 "${bench_pin[@]}" "${tool[@]}" -p "$port" --csv $@ 2>/dev/null |
    awk -F, 'NR==2 { for (i = 1; i <= NF; i++) gsub(/"/, "", $i); print $2, $5, $7 }'
}

median() { sort -g | awk '{a[NR]=$1} END { if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }

printf "# compare.sh %s  kvd=%s %s  redis=%s  rounds=%d pin=%s cpus=%d\n" "$(date -u +%FT%TZ)" "${CANDIDATE_PORT:+port $cport}${CANDIDATE_PORT:-$KVD}" "$KVD_ARGS" "$(redis-server --version | awk '{print $3}')" "$ROUNDS" "$PIN" "$ncpu"
printf "%-16s %10s %10s %6s %12s %8s %8s %8s %8s\n" workload kvd_rps redis_rps ratio spread k_p50ms r_p50ms k_p99ms r_p99ms
logsum=0; rows=0
for w in "${workloads[@]}"; do
  label=${w%%|*}; opts=${w#*|}
  if [ -n "$ONLY" ] && ! [[ $label =~ $ONLY ]]; then continue; fi
  redis-cli -p "$cport" flushall >/dev/null; redis-cli -p "$bport" flushall >/dev/null
  # Warm-up (also fills the keyspace that GET reads).
  run "$cport" "${opts/-t get/-t set}" >/dev/null; run "$bport" "${opts/-t get/-t set}" >/dev/null
  : >"$work/rows"
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then
      c=$(run "$cport" "$opts"); b=$(run "$bport" "$opts")
    else
      b=$(run "$bport" "$opts"); c=$(run "$cport" "$opts")
    fi
    echo "$c $b" >>"$work/rows"
  done
  read -r crps < <(awk '{print $1}' "$work/rows" | median)
  read -r brps < <(awk '{print $4}' "$work/rows" | median)
  read -r ratio < <(awk '$4>0 {print $1/$4}' "$work/rows" | median)
  spread=$(awk '$4>0 {r=$1/$4; if (min==""||r<min) min=r; if (r>max) max=r} END {printf "%.2f..%.2f", min, max}' "$work/rows")
  read -r cp50 < <(awk '{print $2}' "$work/rows" | median)
  read -r bp50 < <(awk '{print $5}' "$work/rows" | median)
  read -r cp99 < <(awk '{print $3}' "$work/rows" | median)
  read -r bp99 < <(awk '{print $6}' "$work/rows" | median)
  printf "%-16s %10.0f %10.0f %6.2f %12s %8.3f %8.3f %8.3f %8.3f\n" "$label" "$crps" "$brps" "$ratio" "$spread" "$cp50" "$bp50" "$cp99" "$bp99"
  logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN { print s + log(r) }'); rows=$((rows + 1))
done
[ "$rows" -gt 0 ] && awk -v s="$logsum" -v n="$rows" 'BEGIN { printf "geomean_ratio=%.2f\n", exp(s/n) }'
