#!/usr/bin/env bash
# idle-conns.sh — memory per idle connection, kvd against redis-server.
#
# Starts both servers on free ports, opens CONNS (10000) connections to
# each that send one PING and then stay idle, checks every connection got
# its PONG, and prints each server's RSS growth per connection.
# Environment: CONNS (10000), KVD (bin/kvd), KVD_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-10000}
KVD=${KVD:-bin/kvd}
KVD_ARGS=${KVD_ARGS:-}
[ -x "$KVD" ] || { echo "idle-conns.sh: $KVD not built (make build)" >&2; exit 1; }
ulimit -n $((2 * CONNS + 1000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no server on $1" >&2; exit 1; }
rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

measure() {
  local name=$1 port=$2 pid=$3
  sleep 1
  local before after
  before=$(rss "$pid")
  python3 - "$port" "$CONNS" "$pid" "$name" "$before" <<'EOF'
import socket, sys, time
port, n, pid, name, before = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"PING\r\n")
    socks.append(s)
ok = 0
for s in socks:
    s.settimeout(10)
    if s.recv(16) == b"+PONG\r\n":
        ok += 1
time.sleep(2)
after = int([l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")][0]) * 1024
print(f"{name:14s} {n:6d} conns, {ok} PONGs, RSS {before/1048576:7.1f} -> {after/1048576:7.1f} MiB, {(after-before)/n:8.0f} B/conn")
for s in socks:
    s.close()
EOF
}

bport=$(free_port)
redis-server --port "$bport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --maxclients $((CONNS + 100)) --logfile "$work/redis.log" &
pids+=($!); wait_port "$bport"
measure redis-server "$bport" "${pids[-1]}"
cport=$(free_port)
# shellcheck disable=SC2086
"$KVD" --port "$cport" --bind 127.0.0.1 --maxclients $((CONNS + 100)) --loglevel warning $KVD_ARGS >"$work/kvd.log" 2>&1 &
pids+=($!); wait_port "$cport"
measure "kvd $KVD_ARGS" "$cport" "${pids[-1]}"
