#!/usr/bin/env bash
# latency-tracking.sh — what latency-tracking (Redis's per-command latency
# histograms, on by default) costs kvd and redis-server, in one run.
#
# Starts a redis-server and a kvd (bin/kvd, `make build`) on free ports and
# runs redis-benchmark SET and GET against each with latency-tracking yes and
# no (switched by CONFIG SET), in alternating rounds. On a shared machine
# throughput swings from run to run, so the figure compared is the server's
# CPU time per request (utime + stime of /proc/<pid>/stat around each run),
# which contention moves far less. It prints, per server and workload, the
# median ns of server CPU per request with tracking on and off, and on/off.
#
# Environment: ROUNDS=5, N=400000 (requests per run), KVD=bin/kvd, KVD_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
N=${N:-400000}
KVD=${KVD:-bin/kvd}
KVD_ARGS=${KVD_ARGS:-}
for cmd in redis-server redis-benchmark redis-cli; do
  command -v "$cmd" >/dev/null || { echo "latency-tracking.sh: $cmd not found" >&2; exit 1; }
done
[ -x "$KVD" ] || { echo "latency-tracking.sh: $KVD not built (make build)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rport=$(free_port); kport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
rpid=$!; pids+=($rpid)
# shellcheck disable=SC2086
"$KVD" --port "$kport" --bind 127.0.0.1 --loglevel warning $KVD_ARGS >"$work/kvd.log" 2>&1 &
kpid=$!; pids+=($kpid)
wait_port "$rport"; wait_port "$kport"
hz=$(getconf CLK_TCK)

# measure PID PORT TRACKING TEST -> ns of server CPU per request
measure() {
  local pid=$1 port=$2 tracking=$3 test=$4
  redis-cli -p "$port" config set latency-tracking "$tracking" >/dev/null
  local before after
  before=$(cpu_ticks "$pid")
  redis-benchmark -p "$port" -t "$test" -n "$N" -P 16 -c 20 -r 100000 -q >/dev/null
  after=$(cpu_ticks "$pid")
  awk -v b="$before" -v a="$after" -v hz="$hz" -v n="$N" 'BEGIN { printf "%.0f\n", (a-b)/hz*1e9/n }'
}

printf "# latency-tracking.sh %s  redis=%s  kvd=%s %s  rounds=%d n=%d -P 16 -c 20\n" "$(date -u +%FT%TZ)" \
  "$(redis-server --version | awk '{print $3}')" "$KVD" "$KVD_ARGS" "$ROUNDS" "$N"
printf "%-6s %-4s %8s %8s %7s\n" server test on_ns off_ns on/off
for test in set get; do
  redis-benchmark -p "$rport" -t set -n 100000 -r 100000 -q >/dev/null
  redis-benchmark -p "$kport" -t set -n 100000 -r 100000 -q >/dev/null
  : >"$work/rows"
  for r in $(seq "$ROUNDS"); do
    for srv in redis kvd; do
      if [ $srv = redis ]; then pid=$rpid; port=$rport; else pid=$kpid; port=$kport; fi
      if [ $((r % 2)) = 1 ]; then
        on=$(measure $pid $port yes $test); off=$(measure $pid $port no $test)
      else
        off=$(measure $pid $port no $test); on=$(measure $pid $port yes $test)
      fi
      echo "$srv $on $off" >>"$work/rows"
    done
  done
  for srv in redis kvd; do
    on=$(awk -v s=$srv '$1==s {print $2}' "$work/rows" | median)
    off=$(awk -v s=$srv '$1==s {print $3}' "$work/rows" | median)
    printf "%-6s %-4s %8.0f %8.0f %7.3f\n" $srv $test "$on" "$off" "$(awk -v a="$on" -v b="$off" 'BEGIN { print (b>0) ? a/b : 0 }')"
  done
done
