#!/usr/bin/env bash
# aof-strace.sh — checks with strace that kvd with appendfsync always never
# sends a reply while an AOF write is not yet fsynced (not run in CI).
#
# It runs bin/kvd (the epoll reactor, so that replies are system calls
# strace sees; the io_uring proactor sends inside the kernel) with
# appendonly yes and appendfsync always under strace -f, drives it with
# redis-benchmark (SET and INCR from many clients), then reads the trace in
# order: a write to the incremental AOF file makes the AOF dirty, an
# fdatasync/fsync of it clean; a write to a client socket (an fd accept4
# returned) while the AOF is dirty is a violation. It prints the counts and
# exits 1 on any violation.
#
# Environment:
#   N=20000    requests per redis-benchmark test
#   C=20       clients
#   KVD=path   the kvd binary (default bin/kvd)
#   FSYNC=always  the policy (everysec: violations expected, a check of the check)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
C=${C:-20}
KVD=${KVD:-bin/kvd}
FSYNC=${FSYNC:-always} # everysec shows what a violation looks like
command -v strace >/dev/null || { echo "aof-strace.sh: strace not found" >&2; exit 1; }
[ -x "$KVD" ] || { echo "aof-strace.sh: $KVD not built (make build)" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

strace -f -qq -o "$work/trace" -e trace=openat,accept4,write,writev,sendto,sendmsg,fsync,fdatasync \
	"$KVD" --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$FSYNC" \
	--io-model reactor --dir "$work" --logfile "$work/log" &
pid=$!
for _ in $(seq 200); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done
redis-benchmark -p "$port" -t set,incr -n "$N" -c "$C" -r 1000 -q >/dev/null 2>&1
redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
wait "$pid" 2>/dev/null || true
pid=

python3 - "$work/trace" <<'PY'
import re, sys
aof_fds, socks = set(), set()
dirty = False
writes = syncs = replies = bad = 0
ret = re.compile(r'= (-?\d+)')
for line in open(sys.argv[1]):
    line = re.sub(r'^\d+\s+', '', line)
    m = re.match(r'(\w+)\((\d+|AT_FDCWD)?', line)
    if not m or 'resumed>' in line:
        continue
    call, fd = m.group(1), m.group(2)
    r = ret.search(line)
    rv = int(r.group(1)) if r else -1
    if call == 'openat' and '.incr.aof' in line and rv >= 0:
        aof_fds.add(rv)
    elif call == 'accept4' and rv >= 0:
        socks.add(rv)
    elif call in ('write', 'writev') and fd and int(fd) in aof_fds and rv > 0:
        dirty = True; writes += 1
    elif call in ('fsync', 'fdatasync') and fd and int(fd) in aof_fds:
        dirty = False; syncs += 1
    elif call in ('write', 'writev', 'sendto', 'sendmsg') and fd and int(fd) in socks and rv > 0:
        replies += 1
        if dirty:
            bad += 1
print(f"AOF writes {writes}, fsyncs {syncs}, socket writes {replies}, socket writes while the AOF was not fsynced: {bad}")
if writes == 0 or replies == 0:
    print("nothing traced: check the trace"); sys.exit(1)
sys.exit(1 if bad else 0)
PY
