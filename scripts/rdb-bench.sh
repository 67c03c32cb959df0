#!/usr/bin/env bash
# rdb-bench.sh — SAVE and start-up load, kvd vs redis-server 7.0.15.
#
# Usage: scripts/rdb-bench.sh [small|large]...   (default: both)
#   small: KEYS (1,000,000) string keys of VALUE_SIZE (16) bytes, made with
#          DEBUG POPULATE.
#   large: 100 collections (25 each of hash, list, set, zset) of ELEMS
#          (20,000) elements, loaded with redis-cli --pipe.
#
# For each server: start it (--save '' --appendonly no, dir a temp dir),
# load the data, reset the peak RSS (/proc/PID/clear_refs 5), time SAVE
# (wall clock around redis-cli SAVE), and read the peak RSS (VmHWM); then
# restart it on the file and report the load time its log gives ("DB loaded
# from disk: N seconds") and the peak RSS of the loaded process.
set -uo pipefail
export LC_ALL=C
KEYS=${KEYS:-1000000}
VALUE_SIZE=${VALUE_SIZE:-16}
ELEMS=${ELEMS:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
(cd "$ROOT" && go build -o "$WORK/kvd" ./cmd/kvd) || exit 1

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { date +%s%3N; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' /proc/$1/status; }
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$1/status; }

# start NAME DIR: starts a server, sets PID and PORT.
start() {
	PORT=$(freeport)
	local bin=$WORK/kvd
	[[ $1 == redis ]] && bin=redis-server
	"$bin" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$2" --dbfilename dump.rdb \
		--enable-debug-command yes --logfile "$2/$1.log" &
	PID=$!
	for _ in $(seq 1 600); do
		if [[ $(redis-cli -p "$PORT" ping 2>/dev/null) == PONG ]]; then return; fi
		sleep 0.1
	done
	echo "$1 did not start" >&2; exit 1
}
stop() { redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1; wait "$PID" 2>/dev/null; }

populate() {
	case $1 in
	small) redis-cli -p "$PORT" debug populate "$KEYS" key "$VALUE_SIZE" >/dev/null ;;
	large) python3 - "$ELEMS" <<'PY' | redis-cli -p "$PORT" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
def cmd(*a):
    out.write(b"*%d\r\n" % len(a))
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(x), x))
for c in range(25):
    for base in range(0, n, 1000):
        r = range(base, min(n, base + 1000))
        cmd("HSET", f"hash:{c}", *[y for i in r for y in (f"field:{i}", f"value:{i:010d}")])
        cmd("RPUSH", f"list:{c}", *[f"element:{i:010d}" for i in r])
        cmd("SADD", f"set:{c}", *[f"member:{i:010d}" for i in r])
        cmd("ZADD", f"zset:{c}", *[y for i in r for y in (i * 7919 % n, f"member:{i:010d}")])
PY
	;;
	esac
}

printf '%-6s %-6s %9s %9s %11s %10s %9s %11s\n' data server "rss(MB)" "save(ms)" "save-peak" "file(MB)" "load(s)" "load-peak"
for what in "${@:-small large}"; do
	for what1 in $what; do
	for srv in redis kvd; do
		dir=$WORK/$srv-$what1; mkdir -p "$dir"
		start $srv "$dir"
		populate "$what1"
		before=$(rss $PID)
		echo 5 > /proc/$PID/clear_refs
		t0=$(ms); redis-cli -p "$PORT" save >/dev/null; t1=$(ms)
		savepeak=$(hwm $PID)
		stop
		size=$(awk "BEGIN {printf \"%.1f\", $(stat -c %s "$dir/dump.rdb")/1048576}")
		start $srv "$dir"
		loadpeak=$(hwm $PID)
		load=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$dir/$srv.log" | awk '{print $5}')
		stop
		printf '%-6s %-6s %9s %9s %11s %10s %9s %11s\n' "$what1" $srv "$before" $((t1 - t0)) "$savepeak" "$size" "$load" "$loadpeak"
	done
	done
done
