#!/usr/bin/env bash
# syscalls.sh — system calls per request, kvd (each I/O model) and redis-server.
#
# Runs each server under a system-call counter (every thread's calls),
# drives it with a fixed redis-benchmark run, and prints the calls per
# request, in total and for the calls that matter (read/recv, write/send,
# epoll_wait, io_uring_enter, and futex/nanosleep: the Go runtime's own).
#
# Two counters: `perf stat` on the kernel's syscall tracepoints (the
# default when perf is installed) counts without slowing the servers, so
# timing-dependent behaviour (the proactor's spin, batching under load) is
# what a normal run does; `strace -f -c` (COUNTER=strace, or when perf is
# missing) slows every server a lot, so only its counts mean anything, and
# they describe a slowed server. Both include start-up and shutdown, a few
# thousand calls, under 0.02 per request at the default N.
#
# Environment: N (requests per run, 100000), C (clients, 50), P (pipeline
# depths, "1 16"), KVD (binary, bin/kvd), MODELS ("reactor proactor"),
# COUNTER (perf or strace), PIN (1: servers on CPU 1, redis-benchmark on
# CPU 0, as compare.sh does; needs 2+ CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
C=${C:-50}
P=${P:-"1 16"}
KVD=${KVD:-bin/kvd}
MODELS=${MODELS:-"reactor proactor"}
PIN=${PIN:-1}
# The system calls perf counts, each under the name strace would report.
CALLS="read recvfrom recvmsg write sendto sendmsg writev epoll_wait epoll_pwait io_uring_enter futex nanosleep sched_yield clock_nanosleep"
EVENTS="raw_syscalls:sys_enter"
for c in $CALLS; do EVENTS+=",syscalls:sys_enter_$c"; done
if [ -z "${COUNTER:-}" ]; then
  COUNTER=strace
  command -v perf >/dev/null && perf stat -e "$EVENTS" true >/dev/null 2>&1 && COUNTER=perf
fi
case $COUNTER in
  perf) command -v perf >/dev/null || { echo "syscalls.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; } ;;
  strace) command -v strace >/dev/null || { echo "syscalls.sh: strace not found (apt-get install strace)" >&2; exit 1; } ;;
  *) echo "syscalls.sh: COUNTER must be perf or strace" >&2; exit 2 ;;
esac
[ "$(nproc)" -ge 2 ] || PIN=0
bench_pin=(); server_pin=()
if [ "$PIN" = 1 ]; then bench_pin=(taskset -c 0); server_pin=(taskset -c 1); fi
[ -x "$KVD" ] || { echo "syscalls.sh: $KVD not built (make build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no server on $1" >&2; exit 1; }

# counted OUT -- command...: run command under the chosen counter, its
# per-call counts left in OUT as strace -c's table (calls in column 4, name
# last; a "total" row).
counted() {
  local out=$1; shift; shift
  if [ "$COUNTER" = strace ]; then
    "${server_pin[@]}" strace -f -c -o "$out" "$@"
    return
  fi
  "${server_pin[@]}" perf stat -x, -o "$out.perf" -e "$EVENTS" -- "$@" || true
  awk -F, '$3 ~ /^raw_syscalls:sys_enter$/ { tot = $1 }
    $3 ~ /^syscalls:sys_enter_/ { n = $3; sub(/^syscalls:sys_enter_/, "", n); printf "- - - %d - %s\n", $1, n }
    END { printf "- - - %d - total\n", tot }' "$out.perf" >"$out"
}

# count LABEL -- server command...: run the benchmarks against it under the counter.
count() {
  local label=$1; shift; shift
  for p in $P; do
    local port out
    port=$(free_port)
    out="$work/$label.$p"
    counted "$out" -- "$@" --port "$port" >/dev/null 2>&1 &
    local spid=$!
    wait_port "$port"
    redis-cli -p "$port" config get save >/dev/null
    "${bench_pin[@]}" redis-benchmark -p "$port" -t set,get -n "$N" -c "$C" -P "$p" -q >/dev/null 2>&1
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

printf "# syscalls.sh %s: per request, SET+GET, -n %d -c %d, counted by %s, pinned %s\n" "$(date -u +%FT%TZ)" "$N" "$C" "$COUNTER" "$PIN"
printf "%-16s %-4s %8s %8s %8s %8s %8s %8s\n" server pipe total read write epoll uring futex+sleep
count redis-server -- redis-server --save '' --appendonly no --bind 127.0.0.1 --dir "$work"
for m in $MODELS; do
  count "kvd-$m" -- "$KVD" --io-model "$m" --bind 127.0.0.1 --loglevel warning
done
