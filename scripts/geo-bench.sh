#!/usr/bin/env bash
# geo-bench.sh — geo commands on kvd against redis-server, side by side.
#
# Starts a redis-server and a kvd (bin/kvd, built by `make build`) on free
# ports with persistence off, loads the same POINTS seeded random points
# (uniform over 10°W-30°E, 35°N-60°N: about 0.13 per km² with the default
# million) into both with redis-cli --pipe, checks that a few searches reply
# the same bytes, then runs redis-benchmark on each and prints requests per
# second and the ratio kvd/redis for:
#   GEOSEARCH BYRADIUS 5 km ASC               (~10 points replied)
#   GEOSEARCH BYRADIUS 20 km COUNT 10 WITHDIST (~160 points sorted, 10 replied)
#   GEOSEARCH BYBOX 10 10 km WITHCOORD        (~15 points, unsorted)
#   GEOADD of one point                        (throughput of writes)
# Measure on a quiet machine: the ratio is what to compare.
#
# Environment:
#   POINTS=1000000  points loaded
#   N=20000         requests per benchmark run
#   C=50            redis-benchmark clients
#   ROUNDS=3        runs per server and test (the best is kept)
#   PIN=1           pin redis-benchmark to CPU 0 and the servers to CPU 1
#   KVD=path        the kvd binary (default bin/kvd)
#   KVD_ARGS=...    extra kvd options
set -euo pipefail
cd "$(dirname "$0")/.."

POINTS=${POINTS:-1000000}
N=${N:-20000}
C=${C:-50}
ROUNDS=${ROUNDS:-3}
PIN=${PIN:-1}
KVD=${KVD:-bin/kvd}
KVD_ARGS=${KVD_ARGS:-}

command -v redis-server >/dev/null || { echo "geo-bench.sh: redis-server not found (scripts/deps.sh)" >&2; exit 1; }
[ -x "$KVD" ] || { echo "geo-bench.sh: $KVD not built (make build)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || PIN=0
bench_pin=(); server_pin=()
if [ "$PIN" = 1 ]; then bench_pin=(taskset -c 0); server_pin=(taskset -c 1); fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rport=$(free_port)
"${server_pin[@]}" redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
kport=$(free_port)
# shellcheck disable=SC2086
"${server_pin[@]}" "$KVD" --port "$kport" --bind 127.0.0.1 --save '' --loglevel warning $KVD_ARGS >"$work/kvd.log" 2>&1 &
pids+=($!)
wait_port "$rport"
wait_port "$kport"

# The points, as GEOADD commands of 100 points in RESP, from a fixed seed.
python3 - "$POINTS" >"$work/points.resp" <<'PY'
import random, sys
n = int(sys.argv[1])
rng = random.Random(22)
out = sys.stdout
for start in range(0, n, 100):
    k = min(100, n - start)
    args = [b"GEOADD", b"pts"]
    for i in range(start, start + k):
        args += [b"%.6f" % rng.uniform(-10, 30), b"%.6f" % rng.uniform(35, 60), b"p%d" % i]
    out.write("*%d\r\n" % len(args))
    for a in args:
        out.write("$%d\r\n%s\r\n" % (len(a), a.decode()))
PY
for port in "$rport" "$kport"; do
  redis-cli -p "$port" --pipe <"$work/points.resp" >/dev/null
  echo "loaded on $port: $(redis-cli -p "$port" ZCARD pts) points, used_memory $(redis-cli -p "$port" INFO memory | grep -o 'used_memory_human:[^[:space:]]*')"
done

queries=(
  "GEOSEARCH pts FROMLONLAT 13.4 52.5 BYRADIUS 5 km ASC"
  "GEOSEARCH pts FROMLONLAT 13.4 52.5 BYRADIUS 20 km COUNT 10 WITHDIST"
  "GEOSEARCH pts FROMLONLAT 2.35 48.85 BYBOX 10 10 km WITHCOORD"
)
for q in "${queries[@]}"; do
  # shellcheck disable=SC2086
  a=$(redis-cli -p "$rport" $q | md5sum); b=$(redis-cli -p "$kport" $q | md5sum)
  # shellcheck disable=SC2086
  echo "$q: $(redis-cli -p "$rport" $q | wc -l) lines, replies $([ "$a" = "$b" ] && echo identical || echo DIFFER)"
done

rps() { # port, command...: the best requests/s of ROUNDS runs
  local port=$1; shift
  local best=0 r
  for _ in $(seq "$ROUNDS"); do
    r=$("${bench_pin[@]}" redis-benchmark -p "$port" -c "$C" -n "$N" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
    r=${r%.*}
    [ "${r:-0}" -gt "$best" ] && best=$r
  done
  echo "$best"
}

echo "redis-benchmark -c $C -n $N, best of $ROUNDS; base = redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), cand = kvd $KVD_ARGS"
printf '%-70s %10s %10s %6s\n' test redis kvd ratio
for q in "${queries[@]}" "GEOADD g2 13.4 52.5 __rand_int__"; do
  extra=()
  [[ $q == GEOADD* ]] && extra=(-r 1000000)
  # shellcheck disable=SC2086
  r=$(rps "$rport" "${extra[@]}" $q)
  # shellcheck disable=SC2086
  k=$(rps "$kport" "${extra[@]}" $q)
  printf '%-70s %10s %10s %6s\n' "$q" "$r" "$k" "$(python3 -c "print('%.2f' % ($k / max($r, 1)))")"
done
