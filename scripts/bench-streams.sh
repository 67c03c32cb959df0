#!/usr/bin/env bash
# bench-streams.sh — stream throughput and memory, kvd against redis-server
# in one run.
#
# Starts a redis-server and a kvd (bin/kvd, `make build`; bin/loadgen,
# `make compare`) on free ports with persistence off and, in interleaved
# rounds, measures:
#   XADD s * f1 v1 f2 v2              redis-benchmark -c 50 -P 16
#   XRANGE s - + COUNT 10             redis-benchmark -c 50 -P 1 (10k entries)
#   XREADGROUP COUNT 1 + XACK         loadgen -t xreadgroup -c 50 (one pair = one request)
# and prints each server's median requests/s and the median kvd/redis ratio;
# then the memory per entry of a stream of 1M entries of two small fields
# (INFO used_memory and RSS growth, divided by 1M; kvd with GOGC=10 there,
# so that its heap figure is not mostly garbage awaiting collection).
#
# Environment: ROUNDS=3, N=200000 (requests per XADD/XRANGE run), ENTRIES=1000000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
N=${N:-200000}
ENTRIES=${ENTRIES:-1000000}
[ -x bin/kvd ] && [ -x bin/loadgen ] || { echo "bench-streams.sh: run make build and make compare first" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
kport=$(free_port)
bin/kvd --port "$kport" --bind 127.0.0.1 --loglevel warning >"$work/kvd.log" 2>&1 &
pids+=($!)
wait_port "$rport"; wait_port "$kport"

rps() { # port label args... -> requests/s
  local port=$1 label=$2; shift 2
  case $label in
  readgroup) bin/loadgen -p "$port" -t xreadgroup -c 50 -n "$((N / 2))" --csv | tail -1 | cut -d'"' -f4 ;;
  *) redis-benchmark -p "$port" -n "$N" --csv "$@" | tail -1 | cut -d'"' -f4 ;;
  esac
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for port in "$rport" "$kport"; do
  redis-cli -p "$port" flushall >/dev/null
  for i in $(seq 10000); do echo "XADD r $i-0 f1 v1 f2 v2"; done | redis-cli -p "$port" --pipe >/dev/null
done

printf '%-22s %12s %12s %8s\n' workload redis kvd ratio
for w in xadd xrange readgroup; do
  case $w in
  xadd) args=(-c 50 -P 16 XADD s '*' f1 v1 f2 v2) ;;
  xrange) args=(-c 50 XRANGE r - + COUNT 10) ;;
  readgroup) args=() ;;
  esac
  rs=(); ks=(); ratios=()
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then
      r=$(rps "$rport" "$w" "${args[@]}"); k=$(rps "$kport" "$w" "${args[@]}")
    else
      k=$(rps "$kport" "$w" "${args[@]}"); r=$(rps "$rport" "$w" "${args[@]}")
    fi
    rs+=("$r"); ks+=("$k"); ratios+=("$(awk -v a="$k" -v b="$r" 'BEGIN {printf "%.3f", a/b}')")
  done
  printf '%-22s %12s %12s %8s\n' "$w" "$(printf '%s\n' "${rs[@]}" | median)" "$(printf '%s\n' "${ks[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)"
done

mem() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
rss() { ps -o rss= -p "$1" | tr -d ' '; }
echo
# Memory on fresh servers, so that the throughput runs' freed memory
# (Go's garbage not yet collected, jemalloc's dirty pages) is not counted.
printf '%-10s %14s %14s\n' server used/entry rss/entry
for name in redis kvd; do
  port=$(free_port)
  if [ "$name" = redis ]; then
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis2.log" &
  else
    # GOGC=10: collect often, so that used_memory (Go's heap objects,
    # garbage included) is close to the live data.
    GOGC=10 bin/kvd --port "$port" --bind 127.0.0.1 --loglevel warning >"$work/kvd2.log" 2>&1 &
  fi
  pid=$!
  pids+=("$pid")
  wait_port "$port"
  sleep 1
  u0=$(mem "$port" used_memory); r0=$(rss "$pid")
  redis-benchmark -p "$port" -c 1 -P 100 -n "$ENTRIES" XADD mem '*' f1 v1 f2 v2 >/dev/null
  [ "$(redis-cli -p "$port" xlen mem)" = "$ENTRIES" ] || echo "warning: $name has $(redis-cli -p "$port" xlen mem) entries" >&2
  sleep 2
  u1=$(mem "$port" used_memory); r1=$(rss "$pid")
  printf '%-10s %14.1f %14.1f\n' "$name" "$(awk -v a="$u1" -v b="$u0" -v n="$ENTRIES" 'BEGIN {print (a-b)/n}')" \
    "$(awk -v a="$r1" -v b="$r0" -v n="$ENTRIES" 'BEGIN {print (a-b)*1024/n}')"
done
