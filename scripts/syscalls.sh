#!/usr/bin/env bash
# syscalls.sh — system calls per request, kvd (each I/O model) and redis-server.
#
# Runs each server under `strace -f -c` (counting every thread's calls),
# drives it with a fixed redis-benchmark run, and prints the calls per
# request, in total and for the calls that matter (read/recv, write/send,
# epoll_wait, io_uring_enter, and futex/nanosleep: the Go runtime's own). strace slows the servers down a lot; only the
# counts are meaningful, not the speed.
#
# Environment: N (requests per run, 100000), C (clients, 50), P (pipeline
# depths, "1 16"), KVD (binary, bin/kvd), MODELS ("reactor proactor").
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
C=${C:-50}
P=${P:-"1 16"}
KVD=${KVD:-bin/kvd}
MODELS=${MODELS:-"reactor proactor"}
command -v strace >/dev/null || { echo "syscalls.sh: strace not found (apt-get install strace)" >&2; exit 1; }
[ -x "$KVD" ] || { echo "syscalls.sh: $KVD not built (make build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no server on $1" >&2; exit 1; }

# count LABEL -- server command...: run the benchmarks against it under strace.
count() {
  local label=$1; shift; shift
  for p in $P; do
    local port out
    port=$(free_port)
    out="$work/$label.$p"
    strace -f -c -o "$out" "$@" --port "$port" >/dev/null 2>&1 &
    local spid=$!
    wait_port "$port"
    redis-cli -p "$port" config get save >/dev/null
    redis-benchmark -p "$port" -t set,get -n "$N" -c "$C" -P "$p" -q >/dev/null 2>&1
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait "$spid" 2>/dev/null || true
    awk -v label="$label" -v p="$p" -v reqs=$((2 * N)) '
      $NF ~ /^(read|recvfrom|recvmsg)$/ { rd += $4 }
      $NF ~ /^(write|sendto|sendmsg|writev)$/ { wr += $4 }
      $NF ~ /^epoll_(p)?wait$/ { ep += $4 }
      $NF == "io_uring_enter" { ur += $4 }
      $NF == "total" { tot = $4 }
      $NF ~ /^(futex|nanosleep|sched_yield|clock_nanosleep)$/ { rt += $4 }
      END { printf "%-16s P%-3s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", label, p, tot/reqs, rd/reqs, wr/reqs, ep/reqs, ur/reqs, rt/reqs }' "$out"
  done
}

printf "# syscalls.sh %s: per request, SET+GET, -n %d -c %d\n" "$(date -u +%FT%TZ)" "$N" "$C"
printf "%-16s %-4s %8s %8s %8s %8s %8s %8s\n" server pipe total read write epoll uring futex+sleep
count redis-server -- redis-server --save '' --appendonly no --bind 127.0.0.1 --dir "$work"
for m in $MODELS; do
  count "kvd-$m" -- "$KVD" --io-model "$m" --bind 127.0.0.1 --loglevel warning
done
